/** The engines module: one driver per engine behind the `Engine` interface. */
export * from './Engine.ts';
export { createEngine, type EngineSpec } from './createEngine.ts';
export { withinTimeout } from './withinTimeout.ts';
export {
  SpatialiteEngine,
  createSpatialiteEngine,
  type SpatialiteEngineOptions,
  type SpatialiteWrite,
} from './spatialite/SpatialiteEngine.ts';
export { checkSpatialiteSql } from './spatialite/checkSpatialiteSql.ts';
export { PostgisEngine, createPostgisEngine, type PostgisEngineOptions } from './postgis/PostgisEngine.ts';
export { DATABASE_UNREACHABLE_MESSAGE } from './postgis/toPostgisEngineError.ts';
export {
  postgisTarget,
  type PostgisTarget,
  type PostgisConnectGuard,
  type PostgisServerIdentity,
  SERVER_IDENTITY_SQL,
} from './postgis/guardedPostgisStream.ts';
export {
  preparePostgisReadOnlyRole,
  type ReadOnlyRoleOptions,
} from './postgis/preparePostgisReadOnlyRole.ts';
export { spawnModuleWorker } from './spawnModuleWorker.ts';
