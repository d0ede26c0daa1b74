import type { Dialect } from '../../engines/Engine.ts';
import { PostgisDialect } from './PostgisDialect.ts';
import type { SqlDialect } from './SqlDialect.ts';
import { SpatialiteDialect } from './SpatialiteDialect.ts';

const dialects: Record<Dialect, SqlDialect> = {
  spatialite: new SpatialiteDialect(),
  postgis: new PostgisDialect(),
};

export function dialectFor(name: Dialect): SqlDialect {
  const dialect = dialects[name];
  if (!dialect) throw new Error(`unknown dialect "${String(name)}"; expected spatialite or postgis`);
  return dialect;
}
