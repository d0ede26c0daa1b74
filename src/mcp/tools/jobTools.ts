import { z } from 'zod';
import { defineTool, type McpTool } from '../McpTool.ts';
import type { McpServices } from '../McpServices.ts';
import { getJob, listJobs, readJobResult, requestJobCancel } from '../../jobs/index.ts';
import { markdownTable, toolError, toolResult } from '../toolResults.ts';
import { decodeResultCursor, describeJob, encodeResultCursor, rowsToGeoJson } from './jobResultFormat.ts';

const jobId = z.string().min(1).max(100).describe('The jobId returned when the workflow tool was called');
const notFound = (id: string) =>
  toolError(
    `There is no job "${id}" of yours. Call list_jobs to see your recent jobs (results are kept for a limited time).`,
  );

/** Polling, paging and cancelling the caller's own jobs. */
export function createJobTools(services: McpServices): McpTool[] {
  const status = defineTool({
    name: 'get_job_status',
    title: 'Job status',
    description:
      'State of a workflow job you started (queued, running, succeeded, failed, cancelled, expired), its progress, timings, result size, and the error in plain words if it failed. Poll it every few seconds until the job ends.',
    requiredScopes: ['workflows:run'],
    inputSchema: z.object({ job_id: jobId }),
    annotations: { readOnlyHint: true, openWorldHint: false, title: 'Job status' },
    async handler(args, caller) {
      const job = await getJob(services.db, caller, args.job_id);
      if (!job) return notFound(args.job_id);
      const next =
        job.state === 'succeeded'
          ? ` Call get_job_results with job_id ${job.id} to read its ${job.rowCount} rows.`
          : job.state === 'queued' || job.state === 'running'
            ? ' Poll again in a few seconds.'
            : '';
      return toolResult(
        `Job ${job.id} (${job.title}) is ${job.state}${job.error ? `: ${job.error}` : ''}.${next}`,
        describeJob(job),
      );
    },
  });

  const results = defineTool({
    name: 'get_job_results',
    title: 'Job results',
    description:
      'Reads the rows of a succeeded job, a page at a time (pass nextCursor to continue), as rows or as a GeoJSON FeatureCollection.',
    requiredScopes: ['workflows:run'],
    inputSchema: z.object({
      job_id: jobId,
      cursor: z
        .string()
        .max(500)
        .optional()
        .describe('nextCursor from the previous page; omit for the first page'),
      page_size: z.number().int().min(1).max(1000).default(100),
      format: z.enum(['rows', 'geojson']).default('rows'),
    }),
    annotations: { readOnlyHint: true, openWorldHint: false, title: 'Job results' },
    async handler(args, caller) {
      const job = await getJob(services.db, caller, args.job_id);
      if (!job) return notFound(args.job_id);
      if (job.state !== 'succeeded') {
        return toolError(
          job.state === 'queued' || job.state === 'running'
            ? `Job ${job.id} is still ${job.state}; poll get_job_status until it succeeds, then read its results.`
            : `Job ${job.id} has no results: it is ${job.state}${job.error ? ` (${job.error})` : ''}.`,
        );
      }
      const offset = args.cursor ? decodeResultCursor(args.cursor, job.id) : 0;
      if (typeof offset === 'string') return toolError(offset);
      const page = await readJobResult(services.db, caller, job.id, offset, args.page_size);
      if (!page) return notFound(args.job_id);
      const nextCursor = page.nextOffset !== null ? encodeResultCursor(job.id, page.nextOffset) : undefined;
      const structured = {
        jobId: job.id,
        total: page.total,
        offset: page.offset,
        truncated: job.truncated,
        columns: job.columns,
        ...(args.format === 'geojson'
          ? { featureCollection: rowsToGeoJson(page.rows, job.columns) }
          : { rows: page.rows }),
        ...(nextCursor && { nextCursor }),
      };
      return toolResult(
        `Rows ${page.offset + 1}–${page.offset + page.rows.length} of ${page.total}${job.truncated ? ' (the result was capped)' : ''}.` +
          (nextCursor ? ' More: call again with nextCursor.' : '') +
          `\n${markdownTable(page.rows)}`,
        structured,
      );
    },
  });

  const cancel = defineTool({
    name: 'cancel_job',
    title: 'Cancel a job',
    description: 'Cancels a queued or running job you started.',
    requiredScopes: ['workflows:run'],
    inputSchema: z.object({ job_id: jobId }),
    annotations: {
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
      title: 'Cancel a job',
    },
    async handler(args, caller) {
      const outcome = await requestJobCancel(services.db, caller, args.job_id);
      if (outcome === 'not_found') return notFound(args.job_id);
      if (outcome === 'cancelling') services.jobs?.abortLocal(args.job_id);
      const text = {
        cancelled: `Job ${args.job_id} was cancelled before it started.`,
        cancelling: `Job ${args.job_id} is being cancelled; get_job_status will show "cancelled" within seconds.`,
        already_finished: `Job ${args.job_id} had already finished; nothing to cancel.`,
      }[outcome];
      return toolResult(text, { jobId: args.job_id, outcome });
    },
  });

  const list = defineTool({
    name: 'list_jobs',
    title: 'List my jobs',
    description: 'Your most recent workflow jobs, newest first, with their state.',
    requiredScopes: ['workflows:run'],
    inputSchema: z.object({ limit: z.number().int().min(1).max(100).default(20) }),
    annotations: { readOnlyHint: true, openWorldHint: false, title: 'List my jobs' },
    async handler(args, caller) {
      const jobs = await listJobs(services.db, caller, args.limit);
      return toolResult(
        jobs.length
          ? jobs
              .map(
                (j) => `- ${j.id} ${j.title}: ${j.state}${j.rowCount !== null ? `, ${j.rowCount} rows` : ''}`,
              )
              .join('\n')
          : 'You have no recent jobs.',
        { jobs: jobs.map(describeJob) },
      );
    },
  });

  return [status, results, cancel, list];
}
