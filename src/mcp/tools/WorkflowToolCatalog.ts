import type { CallToolResult, ScopeChallenge, ServerContext } from '@modelcontextprotocol/server';
import type { McpServices } from '../McpServices.ts';
import type { McpCaller } from '../../auth/index.ts';
import { advertisedSchema, scopeChallengeFor, type McpToolSpec } from '../McpToolSpec.ts';
import { markdownTable, toolError, toolResult } from '../toolResults.ts';
import { listConnections } from '../../connections/index.ts';
import { listPublishedWorkflows, type PublishedWorkflow } from '../../workflowLibrary/index.ts';
import { toolCatalogVersion } from '../../store/toolCatalogVersion.ts';
import {
  QueueFullError,
  readJobResult,
  requestJobCancel,
  submitWorkflowRun,
  waitForJob,
  type JobView,
} from '../../jobs/index.ts';
import {
  catalogFromDescription,
  parameterInputSchema,
  validateWorkflow,
  type ColumnSchema,
} from '../../workflows/index.ts';
import { describeJob, encodeResultCursor } from './jobResultFormat.ts';
import { WorkflowTasks } from './WorkflowTasks.ts';
import { logToClient } from '../McpClientLog.ts';

/**
 * What calling a workflow tool takes: seeing it (workflows:read) and running it (workflows:run).
 * A challenge names both, whichever is missing (MCP authorization, "Runtime Insufficient Scope
 * Errors": all the scopes the operation needs, in one challenge).
 */
export const WORKFLOW_TOOL_SCOPES: readonly [string, ...string[]] = ['workflows:read', 'workflows:run'];

/** Rows sent inline with a finished sync call; the rest are paged with get_job_results. */
export const INLINE_ROWS = 50;

const JSON_TYPES: Record<string, string> = { integer: 'integer', number: 'number', boolean: 'boolean' };

function outputSchemaFor(columns: ColumnSchema[] | undefined): Record<string, unknown> {
  const rowItems = columns
    ? {
        type: 'object',
        properties: Object.fromEntries(
          columns.map((c) => [
            c.name,
            {
              type: [JSON_TYPES[c.type] ?? 'string', 'null'],
              ...(c.type === 'geometry' && { description: 'GeoJSON geometry (WGS 84), as text' }),
            },
          ]),
        ),
      }
    : { type: 'object' };
  return {
    type: 'object',
    properties: {
      state: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'expired'] },
      jobId: { type: 'string' },
      rowCount: { type: ['integer', 'null'] },
      truncated: { type: 'boolean' },
      columns: {
        type: ['array', 'null'],
        items: { type: 'object', properties: { name: { type: 'string' }, type: { type: 'string' } } },
      },
      rows: { type: 'array', items: rowItems },
      nextCursor: { type: 'string' },
      message: { type: 'string' },
    },
    required: ['state', 'jobId'],
  };
}

interface CatalogEntry {
  workflow: PublishedWorkflow;
  spec: McpToolSpec;
}

/**
 * The organization's published workflows as MCP tools. Built once per organization and catalog
 * version (publishing bumps it, in the store, so every process sees the change on its next
 * request), then narrowed per caller to the workflows whose connection the caller may use.
 */
export class WorkflowToolCatalog {
  private readonly byOrg = new Map<string, { version: number; entries: Promise<CatalogEntry[]> }>();
  /** Native async calls for clients that speak the 2026-07-28 Tasks extension. */
  readonly tasks: WorkflowTasks;

  constructor(private readonly services: McpServices) {
    this.tasks = new WorkflowTasks(services, (job, caller) => this.finishedResult(job, caller));
  }

  async specsFor(caller: McpCaller): Promise<McpToolSpec[]> {
    if (!caller.scopes.includes('workflows:read')) return [];
    return (await this.visibleEntries(caller)).map((e) => e.spec);
  }

  /**
   * The step-up challenge for calling a workflow tool that this token cannot see because it lacks
   * workflows:read (so the tool is neither listed nor registered, and the SDK would answer
   * "Tool not found"). Only for a tool the token's user could run: another organization's,
   * an unpublished or an unshared workflow stays unknown, exactly like a name that does not
   * exist (SECURITY-TESTS F8). Tokens with workflows:read get the SDK's challenge instead.
   */
  async unlistedToolChallenge(caller: McpCaller, toolName: string): Promise<ScopeChallenge | undefined> {
    if (caller.scopes.includes('workflows:read')) return undefined;
    const visible = await this.visibleEntries(caller);
    if (!visible.some((e) => e.workflow.tool.name === toolName)) return undefined;
    return {
      scopes: WORKFLOW_TOOL_SCOPES,
      errorDescription: `Calling the workflow tool ${toolName} needs the scopes ${WORKFLOW_TOOL_SCOPES.join(' and ')}`,
    };
  }

  /** The organization's workflow tools whose connection the caller's user may use (scopes aside). */
  private async visibleEntries(caller: McpCaller): Promise<CatalogEntry[]> {
    const version = await toolCatalogVersion(this.services.db, caller.orgId);
    let cached = this.byOrg.get(caller.orgId);
    if (!cached || cached.version !== version) {
      cached = { version, entries: this.build(caller.orgId) };
      this.byOrg.set(caller.orgId, cached);
      cached.entries.catch(() => this.byOrg.delete(caller.orgId));
    }
    const entries = await cached.entries;
    if (entries.length === 0) return [];
    const usable = new Set((await listConnections(this.services.db, caller)).map((c) => c.name));
    return entries.filter((e) => usable.has(e.workflow.connection));
  }

  private async build(orgId: string): Promise<CatalogEntry[]> {
    const published = await listPublishedWorkflows(this.services.db, orgId);
    const system = { orgId, userId: '(catalog)', role: 'admin' as const };
    return Promise.all(
      published.map(async (workflow) => {
        let columns: ColumnSchema[] | undefined;
        try {
          const resolved = await this.services.connections.resolve(system, workflow.connection);
          if (resolved) {
            const catalog = catalogFromDescription(
              await this.services.catalog.catalog(resolved.connection.id, resolved.engine),
            );
            const validation = validateWorkflow(workflow.document, catalog);
            if (validation.ok) columns = validation.plan.nodes.get(workflow.document.output)?.columns;
          }
        } catch {
          // The connection is unreachable now: the tool is still listed, with a generic row shape.
        }
        return { workflow, spec: this.spec(workflow, columns) };
      }),
    );
  }

  private spec(workflow: PublishedWorkflow, columns: ColumnSchema[] | undefined): McpToolSpec {
    const { tool, document } = workflow;
    const modeNote =
      tool.mode === 'async'
        ? ' Runs as a job: the call returns a jobId at once; poll get_job_status, then read get_job_results.'
        : ` Returns rows directly; if it takes longer than ${Math.round(tool.syncDeadlineMs / 1000)} s it returns a jobId to poll with get_job_status.`;
    return {
      name: tool.name,
      title: tool.title,
      description: `${tool.description}${modeNote}`,
      inputSchema: advertisedSchema(parameterInputSchema(document)),
      outputSchema: advertisedSchema(outputSchemaFor(columns)),
      annotations: { title: tool.title, readOnlyHint: true, openWorldHint: false },
      scopeChallenge: scopeChallengeFor([...WORKFLOW_TOOL_SCOPES]),
      call: (args, caller, ctx) => this.run(workflow, args, caller, ctx),
    };
  }

  private async run(
    workflow: PublishedWorkflow,
    args: unknown,
    caller: McpCaller,
    ctx: ServerContext,
  ): Promise<CallToolResult> {
    const { db, jobs } = this.services;
    const { tool } = workflow;
    let job: JobView;
    try {
      const submitted = await submitWorkflowRun(this.services, caller, {
        workflow,
        title: tool.name,
        args,
        clientId: caller.clientId,
      });
      if (!submitted.ok) {
        return toolError(
          `Invalid arguments for ${tool.name}:\n${submitted.errors.map((e) => `- ${e.argument}: ${e.message}`).join('\n')}\nCall ${tool.name} again with corrected arguments.`,
        );
      }
      job = submitted.job;
    } catch (error) {
      if (error instanceof QueueFullError) return toolError(error.message);
      throw error;
    }
    const asTask = WorkflowTasks.clientSpeaksTasks(ctx);
    if (tool.mode === 'async') {
      if (asTask) return WorkflowTasks.createTaskResult(job, `Started ${tool.name}.`) as CallToolResult;
      return this.pending(
        job,
        `Started job ${job.id}. Poll get_job_status with this job_id every few seconds; when it has succeeded, read the rows with get_job_results.`,
      );
    }

    const progressToken = ctx.mcpReq._meta?.progressToken;
    let step = 0;
    const finished = await waitForJob(
      {
        db,
        runner: jobs,
        caller,
        jobId: job.id,
        deadline: Date.now() + tool.syncDeadlineMs,
        signal: ctx.mcpReq.signal,
      },
      (event) => {
        void logToClient(
          ctx,
          'info',
          { jobId: job.id, message: event.message ?? 'running' },
          'meridian.jobs',
        );
        if (progressToken === undefined) return;
        void ctx.mcpReq
          .notify({
            method: 'notifications/progress',
            params: { progressToken, progress: ++step, message: event.message ?? undefined },
          })
          .catch(() => undefined);
      },
    );
    if (!finished) return toolError(`The job ${job.id} disappeared; run ${tool.name} again.`);
    await logJobOutcome(ctx, finished);
    if (ctx.mcpReq.signal.aborted && (finished.state === 'queued' || finished.state === 'running')) {
      // The client went away (closed the stream): nobody will read this result.
      if ((await requestJobCancel(db, caller, job.id)) === 'cancelling') jobs?.abortLocal(job.id);
    }
    switch (finished.state) {
      case 'succeeded':
      case 'failed':
      case 'cancelled':
      case 'expired':
        return this.finishedResult(finished, caller);
      default:
        if (asTask)
          return WorkflowTasks.createTaskResult(
            finished,
            `${tool.name} is taking longer than ${Math.round(tool.syncDeadlineMs / 1000)} s; it continues as a task.`,
          ) as CallToolResult;
        return this.pending(
          finished,
          `${tool.name} is taking longer than ${Math.round(tool.syncDeadlineMs / 1000)} s, so it continues as job ${finished.id}. ` +
            'Poll get_job_status with this job_id every few seconds, then read the rows with get_job_results.',
        );
    }
  }

  /** What a finished run answers: the rows, or a tool error saying what happened. */
  private async finishedResult(job: JobView, caller: McpCaller): Promise<CallToolResult> {
    switch (job.state) {
      case 'succeeded':
        return this.succeeded(job, caller);
      case 'failed':
        return toolError(`${job.title} failed: ${job.error ?? 'unknown error'}`);
      default:
        return toolError(`${job.title} did not finish: the job was ${job.state}.`);
    }
  }

  private pending(job: JobView, message: string): CallToolResult {
    return toolResult(message, {
      state: job.state,
      jobId: job.id,
      rowCount: job.rowCount,
      truncated: false,
      columns: job.columns,
      rows: [],
      message,
    });
  }

  private async succeeded(job: JobView, caller: McpCaller): Promise<CallToolResult> {
    const page = await readJobResult(this.services.db, caller, job.id, 0, INLINE_ROWS);
    const rows = page?.rows ?? [];
    const more = page?.nextOffset !== null && page?.nextOffset !== undefined;
    const columns = job.columns ?? [];
    const text =
      `${job.rowCount} row(s)${job.truncated ? ' (capped)' : ''}; columns: ${columns.map((c) => `${c.name} (${c.type})`).join(', ')}.\n` +
      markdownTable(rows, 10) +
      (more ? `\nShowing ${rows.length} here; read the rest with get_job_results (job_id ${job.id}).` : '');
    return toolResult(text, {
      state: 'succeeded',
      jobId: job.id,
      rowCount: job.rowCount,
      truncated: job.truncated,
      columns,
      rows,
      ...(more && { nextCursor: encodeResultCursor(job.id, page!.nextOffset!) }),
      ...(describeJob(job).durationMs !== null && {
        message: `Finished in ${describeJob(job).durationMs} ms.`,
      }),
    });
  }
}

/** The outcome of a sync run as log messages: warnings a model may not read in the result. */
async function logJobOutcome(ctx: ServerContext, job: JobView): Promise<void> {
  const log = (level: 'notice' | 'warning' | 'error', message: string) =>
    logToClient(ctx, level, { jobId: job.id, state: job.state, message }, 'meridian.jobs');
  if (job.state === 'succeeded' && job.truncated)
    await log(
      'warning',
      `The result was capped at ${job.rowCount} rows; narrow the arguments for all of them.`,
    );
  else if (job.state === 'failed') await log('error', job.error ?? 'the job failed');
  else if (job.state === 'queued' || job.state === 'running')
    await log('notice', `Still ${job.state} at the sync deadline; continues as job ${job.id}.`);
}
