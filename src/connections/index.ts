export * from './connectionRepository.ts';
export { ConnectionRegistry, DEMO_DATABASE_FILE, demoDatabasePath, type ResolvedConnection } from './ConnectionRegistry.ts';
export { bootstrapDemoConnection } from './bootstrapDemoConnection.ts';
