import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Caller } from '../store/Caller.ts';
import { validateArguments, type ArgumentError, type WorkflowDocument } from '../workflows/index.ts';
import type { JobRunner } from './JobRunner.ts';
import { submitJob, type JobLimits } from './jobRepository.ts';
import type { JobView } from './jobViews.ts';
import { WORKFLOW_JOB, type WorkflowJobInput } from './createWorkflowJobHandler.ts';

export interface WorkflowRunRequest {
  workflow: { id: string; document: Pick<WorkflowDocument, 'parameters'> };
  /** The job's title: the tool name for MCP calls, the workflow name from the workspace. */
  title: string;
  args: unknown;
  /** Who submitted it: the OAuth client / API token, or "workspace". */
  clientId: string;
  /** Only the workspace sets it: its runs may run save-as-table steps (see saveWorkflowTables). */
  saveTables?: boolean;
}

export type WorkflowRunSubmission = { ok: true; job: JobView } | { ok: false; errors: ArgumentError[] };

/**
 * The one way a workflow run becomes a job, for the MCP workflow tools and the workspace run
 * form alike: arguments checked against the workflow's parameters (defaults applied), then a
 * queued job, then a nudge so a local runner picks it up without waiting for its next poll.
 * Throws QueueFullError when the caller or the organization has too many active jobs.
 */
export async function submitWorkflowRun(
  services: { db: Kysely<Database>; jobs?: JobRunner; jobLimits?: JobLimits },
  caller: Caller,
  request: WorkflowRunRequest,
): Promise<WorkflowRunSubmission> {
  const validation = validateArguments(request.workflow.document, request.args);
  if (!validation.ok) return { ok: false, errors: validation.errors };
  const input: WorkflowJobInput = {
    workflowId: request.workflow.id,
    args: validation.values,
    ...(request.saveTables ? { saveTables: true } : {}),
  };
  const job = await submitJob(
    services.db,
    caller,
    { kind: WORKFLOW_JOB, title: request.title, input, clientId: request.clientId },
    services.jobLimits,
  );
  services.jobs?.nudge();
  return { ok: true, job };
}
