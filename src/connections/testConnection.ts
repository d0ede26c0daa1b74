import type { Caller } from '../store/Caller.ts';
import { EngineError, withinTimeout } from '../engines/index.ts';
import type { ConnectionRegistry } from './ConnectionRegistry.ts';
import { ConnectionAccessError } from './connectionRepository.ts';

export const CONNECTION_TEST_TIMEOUT_MS = 10_000;

export type ConnectionTestResult =
  { ok: true; schemas: number; tables: number; message: string } | { ok: false; message: string };

/**
 * Connects and lists the catalog, bypassing the catalog cache (a test must reach the server).
 * Undefined when the caller may not use the connection. The message is safe to show: engine
 * errors never carry the DSN, password or host, and anything else becomes a generic sentence.
 */
export async function testConnection(
  registry: ConnectionRegistry,
  caller: Caller,
  name: string,
): Promise<ConnectionTestResult | undefined> {
  try {
    const resolved = await registry.resolve(caller, name);
    if (!resolved) return undefined;
    const catalog = await withinTimeout(resolved.engine.describe(), CONNECTION_TEST_TIMEOUT_MS);
    const tables = catalog.tables.length;
    const schemas = catalog.schemas.length;
    return {
      ok: true,
      tables,
      schemas,
      message: `Connection "${name}" works: ${tables} table${tables === 1 ? '' : 's'} in ${schemas} schema${schemas === 1 ? '' : 's'}.`,
    };
  } catch (e) {
    const reason =
      e instanceof EngineError || e instanceof ConnectionAccessError
        ? e.message
        : 'the engine could not be reached';
    return { ok: false, message: `Connection "${name}" failed: ${reason}` };
  }
}
