import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { ConnectionRegistry } from '../connections/index.ts';
import type { CatalogBrowser } from '../catalog/CatalogBrowser.ts';
import { loadPrincipal } from '../store/repositories/users.ts';
import { getWorkflow } from '../workflowLibrary/index.ts';
import {
  ArgumentValidationError,
  WorkflowValidationError,
  applyHostSteps,
  catalogFromDescription,
  compileWorkflow,
  type HostStep,
} from '../workflows/index.ts';
import { EngineError } from '../engines/index.ts';
import { JobFailure } from './JobErrors.ts';
import { saveWorkflowTables } from './saveWorkflowTables.ts';
import type { JobHandler } from './JobRunner.ts';

export const WORKFLOW_JOB = 'workflow';

export interface WorkflowJobInput {
  workflowId: string;
  args: Record<string, unknown>;
  /** Runs from the workspace may run save-as-table steps (editors, connections with a save schema); tool calls never do. */
  saveTables?: boolean;
}

/** Host steps that work row by row can run on each streamed batch; the others need all rows. */
const ROW_LOCAL_STEPS: ReadonlySet<HostStep['kind']> = new Set(['normalize', 'h3_index', 'h3_boundary']);
const STREAM_BATCH = 1000;
const DEFAULT_QUERY_TIMEOUT_MS = 120_000;
const PROGRESS_INTERVAL_MS = 1000;

/**
 * Runs a workflow job: re-checks the submitter's permissions at start (not only at submission),
 * compiles the workflow for the connection's engine, streams the rows through the host steps
 * into the job's result pages.
 */
export function createWorkflowJobHandler(services: {
  db: Kysely<Database>;
  connections: ConnectionRegistry;
  catalog: CatalogBrowser;
  maxResultRows: number;
  /** Statement timeout of the warehouse query (MERIDIAN_JOB_QUERY_TIMEOUT). */
  queryTimeoutMs?: number;
}): JobHandler {
  const timeoutMs = services.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  return async ({ job, signal, sink, progress, phases }) => {
    const input = job.input as WorkflowJobInput;
    const principal = await phases.time('resolve', loadPrincipal(services.db, job.userId, job.orgId));
    if (!principal)
      throw new JobFailure(
        'Permission revoked: the user who started this job is no longer an active member of the organization.',
      );
    const caller = { orgId: principal.orgId, userId: principal.userId, role: principal.role };
    const workflow = await phases.time('resolve', getWorkflow(services.db, caller, input.workflowId));
    if (!workflow) throw new JobFailure('The workflow of this job was deleted before it could run.');
    const resolved = await phases.time(
      'resolve',
      services.connections.resolve(caller, workflow.document.connection ?? workflow.connection),
    );
    if (!resolved)
      throw new JobFailure(
        `Permission revoked: you can no longer use the connection "${workflow.connection}".`,
      );
    const { engine, connection } = resolved;

    let compiled;
    try {
      const description = await phases.time('catalog', services.catalog.catalog(connection.id, engine));
      const t0 = performance.now();
      const catalog = catalogFromDescription(description);
      compiled = compileWorkflow(workflow.document, { dialect: engine.dialect, catalog, args: input.args });
      phases.add('compile', performance.now() - t0);
    } catch (error) {
      if (error instanceof ArgumentValidationError || error instanceof WorkflowValidationError)
        throw new JobFailure(error.message);
      throw error;
    }
    if (compiled.requiredRole === 'editor' && caller.role === 'viewer') {
      throw new JobFailure(
        'This workflow runs SQL or writes tables, which needs the editor role; ask an admin.',
      );
    }
    if (compiled.writes?.length && !input.saveTables)
      throw new JobFailure('Workflows that save tables run from the workspace, not as tools.');

    sink.setColumns(compiled.columns.map((c) => ({ name: c.name, type: c.type })));
    await progress(null, 'Running the query');
    if (compiled.hostSteps.every((step) => ROW_LOCAL_STEPS.has(step.kind))) {
      const stream = engine.stream(compiled.query, {
        signal,
        timeoutMs,
        batchSize: STREAM_BATCH,
        maxRows: services.maxResultRows + 1,
      });
      const batches = stream[Symbol.asyncIterator]();
      let reported = performance.now();
      try {
        for (;;) {
          const next = await phases.time('query', batches.next());
          if (next.done) break;
          const t0 = performance.now();
          const rows = applyHostSteps(next.value, compiled.hostSteps);
          phases.add('host', performance.now() - t0);
          if (!(await sink.write(rows))) break;
          // A progress line is a store write: one per interval, not one per batch.
          if (performance.now() - reported >= PROGRESS_INTERVAL_MS) {
            reported = performance.now();
            await progress(null, `${sink.rowCount} rows so far`);
          }
        }
      } finally {
        // Ends the engine's stream (its cursor and transaction) when we stop early at the cap.
        await phases.time('query', Promise.resolve(batches.return?.()));
      }
    } else {
      const result = await phases.time(
        'query',
        engine.run(compiled.query, { signal, timeoutMs, maxRows: services.maxResultRows }),
      );
      const t0 = performance.now();
      const rows = applyHostSteps(result.rows, compiled.hostSteps);
      phases.add('host', performance.now() - t0);
      await sink.write(rows);
      if (result.truncated) sink.truncated = true;
    }
    if (compiled.writes?.length) {
      // After the read, as a write of its own; the role was re-checked above at job start.
      await progress(null, 'Saving the table');
      try {
        const saved = await saveWorkflowTables(caller, engine, compiled, { signal, timeoutMs });
        await progress(
          1,
          `${sink.rowCount} rows; saved as ${saved.map((t) => `${t.schema}.${t.table}`).join(', ')}`,
        );
      } catch (error) {
        if (error instanceof EngineError)
          throw new JobFailure(`The rows were read but not saved: ${error.message}`);
        throw error;
      }
      return;
    }
    await progress(1, `${sink.rowCount} rows`);
  };
}
