import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http/AppContext.ts';
import { html, page, type RawHtml } from './html.ts';
import { callerOf, navOf, requireWorkspaceSession, when } from './workspaceSession.ts';
import { csrfValid } from './webSession.ts';
import type { WebSession } from '../store/repositories/webSessions.ts';
import { getJob, listOrganizationJobs, requestJobCancel, type JobView } from '../jobs/index.ts';

function duration(job: JobView): string {
  if (job.startedAt === null) return '—';
  const ms = (job.finishedAt ?? Date.now()) - job.startedAt;
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

async function emailsOf(ctx: AppContext, orgId: string, userIds: string[]): Promise<Map<string, string>> {
  if (!userIds.length) return new Map();
  // Only members of the caller's organization: a job list never names anyone else.
  const rows = await ctx.store.db
    .selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .select(['users.id', 'users.email'])
    .where('memberships.org_id', '=', orgId)
    .where('users.id', 'in', userIds)
    .execute();
  return new Map(rows.map((r) => [r.id, r.email]));
}

async function jobsPage(ctx: AppContext, session: WebSession, notice?: RawHtml): Promise<string> {
  const caller = callerOf(session);
  const jobs = await listOrganizationJobs(ctx.store.db, caller, 100);
  const emails = await emailsOf(ctx, caller.orgId, [...new Set(jobs.map((j) => j.userId))]);
  const rows = jobs.map(
    (j) => html`<tr data-job="${j.id}">
  <td>${j.title}<div class="muted"><code>${j.id}</code></div></td><td>${j.state}${j.progressMessage && j.state === 'running' ? html`<div class="muted">${j.progressMessage}</div>` : ''}</td>
  <td>${emails.get(j.userId) ?? '—'}</td><td>${when(j.createdAt)}</td><td>${duration(j)}</td>
  <td>${j.rowCount ?? '—'}${j.truncated ? ' (truncated)' : ''}</td><td>${j.error ?? ''}</td>
  <td>${
    (j.state === 'queued' || j.state === 'running') && j.userId === caller.userId
      ? html`<form method="post" action="/jobs/${j.id}/cancel" class="inline"><input type="hidden" name="_csrf" value="${session.csrfToken}"><button class="danger">Cancel</button></form>`
      : ''
  }</td></tr>`,
  );
  return page(
    'Jobs',
    html`<h1>Jobs</h1>
${notice ?? ''}
<p class="muted">${caller.role === 'admin' ? "The organization's 100 most recent jobs." : 'Your 100 most recent jobs.'}</p>
<div class="card"><table>
  <thead><tr><th>Title</th><th>State</th><th>User</th><th>Created</th><th>Duration</th><th>Rows</th><th>Error</th><th></th></tr></thead>
  <tbody>${rows.length ? rows : html`<tr><td colspan="8" class="muted">No jobs yet.</td></tr>`}</tbody>
</table></div>`,
    navOf(session),
  );
}

export function registerJobsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/jobs', async (request, reply) => {
    const session = await requireWorkspaceSession(ctx, request, reply);
    if (!session) return reply;
    return reply.send(await jobsPage(ctx, session));
  });

  app.post<{ Params: { id: string } }>('/jobs/:id/cancel', async (request, reply) => {
    const session = await requireWorkspaceSession(ctx, request, reply);
    if (!session) return reply;
    if (!csrfValid(ctx, request, session.csrfToken)) {
      return reply.code(403).send(await jobsPage(ctx, session, html`<p class="error" role="alert">This form expired; try again.</p>`));
    }
    const caller = callerOf(session);
    // Only one's own jobs, whatever the role: an admin sees everyone's but cancels only theirs.
    const job = await getJob(ctx.store.db, caller, request.params.id);
    if (!job || job.userId !== caller.userId) {
      return reply.code(404).send(await jobsPage(ctx, session, html`<p class="error" role="alert">No such job of yours.</p>`));
    }
    await requestJobCancel(ctx.store.db, caller, job.id);
    return reply.redirect('/jobs', 303);
  });
}
