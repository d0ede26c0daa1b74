import type { z } from 'zod';
import type { Caller } from '../store/Caller.ts';
import { listConnections } from '../connections/index.ts';
import { listPublishedWorkflows } from '../workflowLibrary/index.ts';
import { QueueFullError, WORKFLOW_JOB, submitJob, waitForJob } from '../jobs/index.ts';
import { validateArguments } from '../workflows/index.ts';
import type { workflowSourceSchema } from './mapDefinition.ts';
import type { MapServices, ResolveOptions } from './MapServices.ts';
import { MapRenderError } from './MapRenderError.ts';

/**
 * A workflow layer: runs the published workflow with the layer's fixed arguments exactly as its
 * MCP tool would (same argument validation, a job the caller owns, permissions re-checked by the
 * job handler when it starts) and waits for it within the map's deadline. Returns the job id
 * whose result the layer draws.
 */
export async function runWorkflowSource(
  services: MapServices,
  caller: Caller,
  source: z.infer<typeof workflowSourceSchema>,
  field: string,
  options: ResolveOptions,
): Promise<string> {
  if (options.scopes && !options.scopes.includes('workflows:run')) {
    throw new MapRenderError(
      `Drawing the workflow "${source.tool}" runs it, which needs the workflows:run scope that this connection was not granted; draw a table or a job result instead, or reconnect with that scope.`,
      `${field}.source.tool`,
    );
  }
  const usable = new Set((await listConnections(services.db, caller)).map((c) => c.name));
  const runnable = (await listPublishedWorkflows(services.db, caller.orgId)).filter((w) =>
    usable.has(w.connection),
  );
  const workflow = runnable.find((w) => w.tool.name === source.tool);
  if (!workflow) {
    throw new MapRenderError(
      `There is no published workflow tool "${source.tool}" that you can run.` +
        (runnable.length
          ? ` Your workflow tools: ${runnable.map((w) => w.tool.name).join(', ')}.`
          : ' No workflows are published for you.'),
      `${field}.source.tool`,
    );
  }
  const validation = validateArguments(workflow.document, source.arguments);
  if (!validation.ok) {
    const first = validation.errors[0];
    throw new MapRenderError(
      `Invalid arguments for ${source.tool}: ${validation.errors.map((e) => `${e.argument}: ${e.message}`).join('; ')}.`,
      first ? `${field}.source.arguments.${first.argument}` : `${field}.source.arguments`,
    );
  }
  let jobId: string;
  try {
    const job = await submitJob(
      services.db,
      caller,
      {
        kind: WORKFLOW_JOB,
        title: source.tool,
        input: { workflowId: workflow.id, args: validation.values },
        clientId: options.clientId,
      },
      services.jobLimits,
    );
    jobId = job.id;
  } catch (error) {
    if (error instanceof QueueFullError) throw new MapRenderError(error.message, `${field}.source`, 5);
    throw error;
  }
  services.jobs?.nudge();
  const finished = await waitForJob({
    db: services.db,
    runner: services.jobs,
    caller,
    jobId,
    deadline: Date.now() + services.limits.workflowDeadlineMs,
  });
  if (finished?.state === 'succeeded') return jobId;
  if (finished?.state === 'queued' || finished?.state === 'running') {
    throw new MapRenderError(
      `The workflow ${source.tool} is taking a while; it continues as job ${jobId}. Draw it once it has succeeded with the layer source {"kind": "job", "jobId": "${jobId}"}.`,
      `${field}.source`,
    );
  }
  throw new MapRenderError(
    `The workflow ${source.tool} did not produce a result: ${finished?.error ?? finished?.state ?? 'the job disappeared'}.`,
    `${field}.source`,
  );
}
