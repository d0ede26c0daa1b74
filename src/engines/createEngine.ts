import type { Engine } from './Engine.ts';
import { createPostgisEngine, type PostgisEngineOptions } from './postgis/PostgisEngine.ts';
import { createSpatialiteEngine, type SpatialiteEngineOptions } from './spatialite/SpatialiteEngine.ts';

/** What a connection record resolves to; `kind` picks the engine. */
export type EngineSpec =
  ({ kind: 'spatialite' } & SpatialiteEngineOptions) | ({ kind: 'postgis' } & PostgisEngineOptions);

export function createEngine(spec: EngineSpec): Engine {
  switch (spec.kind) {
    case 'spatialite': {
      const { kind: _kind, ...options } = spec;
      return createSpatialiteEngine(options);
    }
    case 'postgis': {
      const { kind: _kind, ...options } = spec;
      return createPostgisEngine(options);
    }
  }
}
