import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { ConnectionRegistry } from '../connections/index.ts';
import type { CatalogBrowser } from '../catalog/CatalogBrowser.ts';
import type { JobLimits, JobRunner } from '../jobs/index.ts';

/** Bounds on what one map sends to a client (config: MERIDIAN_MAP_MAX_FEATURES, MERIDIAN_MAP_MAX_VERTICES). */
export interface MapLimits {
  /** Features per layer; the rest are dropped and the layer says `truncated`. */
  maxFeaturesPerLayer: number;
  /** Vertices per layer; beyond it geometries are simplified and the layer says `simplified`. */
  maxVerticesPerLayer: number;
  /** How long a workflow layer may run before the render gives up and names the job to render later. */
  workflowDeadlineMs: number;
}

export const DEFAULT_MAP_LIMITS: MapLimits = {
  maxFeaturesPerLayer: 5_000,
  maxVerticesPerLayer: 100_000,
  workflowDeadlineMs: 30_000,
};

/** What resolving and rendering maps reaches the rest of Meridian through. */
export interface MapServices {
  db: Kysely<Database>;
  connections: ConnectionRegistry;
  catalog: CatalogBrowser;
  /** Absent in processes that do not run jobs: workflow layers then wait on the store. */
  jobs?: JobRunner;
  jobLimits?: JobLimits;
  limits: MapLimits;
  /** Where map pages live: `<publicUrl>/app/maps/:id`. */
  publicUrl: URL;
  basemapStyleUrl: string | null;
}

/** Who a map is resolved for, beyond the caller: the MCP token's scopes and client, when it came over MCP. */
export interface ResolveOptions {
  /** Scopes of the MCP token; undefined for workspace sessions (the role alone decides). */
  scopes?: readonly string[];
  /** Recorded on jobs a workflow layer starts. */
  clientId: string;
}

export function mapPageUrl(publicUrl: URL, id: string): string {
  return new URL(`app/maps/${encodeURIComponent(id)}`, publicUrl).toString();
}

export function publicMapUrl(publicUrl: URL, token: string): string {
  return new URL(`app/shared/${encodeURIComponent(token)}`, publicUrl).toString();
}

/** The services of one process, from its parts (the HTTP layer and the MCP endpoint each build one; nothing in it is per-request state). */
export function createMapServices(
  parts: Omit<MapServices, 'limits' | 'basemapStyleUrl'> & {
    maps: { basemapStyleUrl: string | null; maxFeaturesPerLayer: number; maxVerticesPerLayer: number };
  },
): MapServices {
  const { maps, ...rest } = parts;
  return {
    ...rest,
    basemapStyleUrl: maps.basemapStyleUrl,
    limits: {
      ...DEFAULT_MAP_LIMITS,
      maxFeaturesPerLayer: maps.maxFeaturesPerLayer,
      maxVerticesPerLayer: maps.maxVerticesPerLayer,
    },
  };
}
