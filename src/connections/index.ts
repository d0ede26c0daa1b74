export * from './connectionRepository.ts';
export {
  ConnectionRegistry,
  DEMO_DATABASE_FILE,
  demoDatabasePath,
  type ResolvedConnection,
} from './ConnectionRegistry.ts';
export { bootstrapDemoConnection } from './bootstrapDemoConnection.ts';
export { testConnection, CONNECTION_TEST_TIMEOUT_MS, type ConnectionTestResult } from './testConnection.ts';
export {
  ConnectionTargetPolicy,
  STORE_REFUSAL,
  type ConnectionTargetPolicyOptions,
} from './ConnectionTargetPolicy.ts';
export { createConnectionTargetPolicy } from './createConnectionTargetPolicy.ts';
