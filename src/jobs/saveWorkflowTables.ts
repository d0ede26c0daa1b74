import { EngineError, type Engine, type RunOptions } from '../engines/index.ts';
import type { Role } from '../store/schema.ts';
import type { CompiledWorkflow } from '../workflows/index.ts';

/**
 * Runs a compiled workflow's save-as-table steps, after its read: only for editors and admins,
 * only on an engine that can save (PostGIS with a save schema), each as its own write
 * transaction. Returns where the tables went; nothing is written when any check fails.
 */
export async function saveWorkflowTables(
  caller: { role: Role },
  engine: Engine,
  compiled: Pick<CompiledWorkflow, 'writes'>,
  options: Omit<RunOptions, 'maxRows'> = {},
): Promise<{ schema: string; table: string }[]> {
  const writes = compiled.writes ?? [];
  if (writes.length === 0) return [];
  if (caller.role === 'viewer')
    throw new EngineError(
      'forbidden',
      'saving a table needs the editor role; ask an admin of your organization',
    );
  if (!engine.saveTable) {
    throw new EngineError(
      'forbidden',
      'this connection cannot save tables: save-as-table runs on PostGIS connections that have a save schema',
    );
  }
  const saved: { schema: string; table: string }[] = [];
  for (const write of writes) {
    // register_geometry is SpatiaLite's catalog step; PostGIS sees the geometry column by itself.
    if (write.kind === 'create_table_as') saved.push(await engine.saveTable(write, options));
  }
  return saved;
}
