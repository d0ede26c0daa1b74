import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../AppContext.ts';
import type { Caller } from '../../store/Caller.ts';
import {
  decodeResultCursor,
  encodeResultCursor,
  getJob,
  listJobs,
  listOrganizationJobs,
  readJobResult,
  requestJobCancel,
} from '../../jobs/index.ts';
import { requireApiSession } from './apiSession.ts';
import { fieldErrorsOf, sendProblem } from './problem.ts';
import { jobJson } from './jobJson.ts';

/**
 * The workspace's jobs, with the visibility rules of the MCP job tools: a job is its
 * submitter's — status, results and cancel answer 404 for anyone else's, admins included.
 * Admins may list the organization's jobs (scope=organization) to see what is running.
 *
 *   GET  /api/v1/jobs?scope=mine|organization&limit=50 → { jobs: JobJson[] }
 *   GET  /api/v1/jobs/:id                              → { job: JobJson }
 *   GET  /api/v1/jobs/:id/results?cursor=&limit=100    → { jobId, columns, total, offset, truncated, rows, nextCursor }
 *   POST /api/v1/jobs/:id/cancel                       → { outcome, job }
 */
const listQuery = z.object({
  scope: z.enum(['mine', 'organization']).default('mine'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
const resultsQuery = z.object({
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const notFound =
  'There is no job with this id of yours (results are kept for a limited time); the Jobs page lists your recent jobs.';

async function emailsOf(ctx: AppContext, caller: Caller, userIds: string[]): Promise<Map<string, string>> {
  if (!userIds.length) return new Map();
  // Only members of the caller's organization: a job list never names anyone else.
  const rows = await ctx.store.db
    .selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .select(['users.id', 'users.email'])
    .where('memberships.org_id', '=', caller.orgId)
    .where('users.id', 'in', userIds)
    .execute();
  return new Map(rows.map((r) => [r.id, r.email]));
}

export function registerJobsApiRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/v1/jobs', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const query = listQuery.safeParse(request.query);
    if (!query.success)
      return sendProblem(
        reply,
        422,
        'The query is not valid; see errors.',
        fieldErrorsOf(query.error.issues),
      );
    const { caller } = api;
    if (query.data.scope === 'mine')
      return {
        jobs: (await listJobs(ctx.store.db, caller, query.data.limit)).map((j) => jobJson(j, caller.userId)),
      };
    if (caller.role !== 'admin')
      return sendProblem(
        reply,
        403,
        "Only organization admins can list everyone's jobs; leave out scope to list yours.",
      );
    const jobs = await listOrganizationJobs(ctx.store.db, caller, query.data.limit);
    const emails = await emailsOf(ctx, caller, [...new Set(jobs.map((j) => j.userId))]);
    return { jobs: jobs.map((j) => jobJson(j, caller.userId, emails.get(j.userId) ?? '')) };
  });

  app.get<{ Params: { id: string } }>('/api/v1/jobs/:id', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const job = await getJob(ctx.store.db, api.caller, request.params.id);
    if (!job) return sendProblem(reply, 404, notFound);
    return { job: jobJson(job, api.caller.userId) };
  });

  app.get<{ Params: { id: string } }>('/api/v1/jobs/:id/results', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const query = resultsQuery.safeParse(request.query);
    if (!query.success)
      return sendProblem(
        reply,
        422,
        'The query is not valid; see errors.',
        fieldErrorsOf(query.error.issues),
      );
    const job = await getJob(ctx.store.db, api.caller, request.params.id);
    if (!job) return sendProblem(reply, 404, notFound);
    if (job.state !== 'succeeded') {
      const detail =
        job.state === 'queued' || job.state === 'running'
          ? `Job ${job.id} is still ${job.state}; its results can be read once it has succeeded.`
          : `Job ${job.id} has no results: it is ${job.state}${job.error ? ` (${job.error})` : ''}.`;
      return sendProblem(reply, 409, detail);
    }
    const offset = query.data.cursor ? decodeResultCursor(query.data.cursor, job.id) : 0;
    if (typeof offset === 'string')
      return sendProblem(reply, 422, offset, [{ field: 'cursor', message: offset }]);
    const page = await readJobResult(ctx.store.db, api.caller, job.id, offset, query.data.limit);
    if (!page) return sendProblem(reply, 404, notFound);
    return {
      jobId: job.id,
      columns: job.columns ?? [],
      total: page.total,
      offset: page.offset,
      truncated: job.truncated,
      rows: page.rows,
      nextCursor: page.nextOffset === null ? null : encodeResultCursor(job.id, page.nextOffset),
    };
  });

  app.post<{ Params: { id: string } }>('/api/v1/jobs/:id/cancel', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const outcome = await requestJobCancel(ctx.store.db, api.caller, request.params.id);
    if (outcome === 'not_found') return sendProblem(reply, 404, notFound);
    if (outcome === 'cancelling') ctx.jobs.abortLocal(request.params.id);
    const job = await getJob(ctx.store.db, api.caller, request.params.id);
    return { outcome, job: job && jobJson(job, api.caller.userId) };
  });
}
