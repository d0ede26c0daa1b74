import type { Kysely } from 'kysely';
import { randomId } from '../crypto/index.ts';
import type { Caller } from '../store/Caller.ts';
import type { Database } from '../store/schema.ts';
import {
  IdempotencyConflictError,
  QueueFullError,
  ResultQuotaError,
  resultQuotaUsedUpMessage,
} from './JobErrors.ts';
import { lockOrgSubmissions } from './lockOrgSubmissions.ts';
import { nextResultExpiry, orgResultBytes } from './orgResultBytes.ts';
import { TERMINAL_STATES, toJobView, type JobView } from './jobViews.ts';

/**
 * Jobs as their submitters see them. Every read and write takes the caller and matches both the
 * organization and the user: a job id of someone else answers exactly like an unknown one.
 */
export interface JobLimits {
  /** Queued + running jobs one organization may have. */
  maxActivePerOrg: number;
  /** Queued + running jobs one user may have. */
  maxActivePerUser: number;
  /** Stored result bytes one organization may have; a submission beyond it is refused. Unset: no quota. */
  maxResultBytesPerOrg?: number;
}

export const DEFAULT_JOB_LIMITS: JobLimits = { maxActivePerOrg: 200, maxActivePerUser: 50 };

export interface JobSubmission {
  kind: string;
  title: string;
  input: unknown;
  clientId: string;
  idempotencyKey?: string;
  maxAttempts?: number;
}

export async function submitJob(
  db: Kysely<Database>,
  caller: Caller,
  submission: JobSubmission,
  limits: JobLimits = DEFAULT_JOB_LIMITS,
): Promise<JobView> {
  const input = JSON.stringify(submission.input ?? null);
  return db.transaction().execute(async (trx) => {
    // Before the first read: a concurrent submission's insert is then visible to every check below.
    await lockOrgSubmissions(trx, caller.orgId);
    if (submission.idempotencyKey) {
      const existing = await trx
        .selectFrom('jobs')
        .selectAll()
        .where('org_id', '=', caller.orgId)
        .where('user_id', '=', caller.userId)
        .where('idempotency_key', '=', submission.idempotencyKey)
        .executeTakeFirst();
      if (existing) {
        if (existing.input !== input || existing.kind !== submission.kind) {
          throw new IdempotencyConflictError(
            'This idempotency key was already used for a different request; use a new key.',
          );
        }
        return toJobView(existing);
      }
    }
    const active = await trx
      .selectFrom('jobs')
      .select((eb) => [
        eb.fn.countAll<number>().as('org_active'),
        eb.fn
          .sum<number>(eb.case().when('user_id', '=', caller.userId).then(1).else(0).end())
          .as('user_active'),
      ])
      .where('org_id', '=', caller.orgId)
      .where('state', 'in', ['queued', 'running'])
      .executeTakeFirstOrThrow();
    if (Number(active.org_active) >= limits.maxActivePerOrg) {
      throw new QueueFullError(
        `Your organization already has ${limits.maxActivePerOrg} jobs queued or running; wait for some to finish (list_jobs shows them) and try again.`,
      );
    }
    if (Number(active.user_active ?? 0) >= limits.maxActivePerUser) {
      throw new QueueFullError(
        `You already have ${limits.maxActivePerUser} jobs queued or running; wait for some to finish or cancel some, then try again.`,
      );
    }
    if (limits.maxResultBytesPerOrg !== undefined) {
      const now = Date.now();
      if ((await orgResultBytes(trx, caller.orgId, now)) >= limits.maxResultBytesPerOrg) {
        const expiry = await nextResultExpiry(trx, caller.orgId, now);
        throw new ResultQuotaError(
          resultQuotaUsedUpMessage(
            limits.maxResultBytesPerOrg,
            expiry === undefined ? undefined : expiry - now,
          ),
        );
      }
    }
    const row = {
      id: randomId(),
      org_id: caller.orgId,
      user_id: caller.userId,
      client_id: submission.clientId,
      kind: submission.kind,
      title: submission.title,
      input,
      idempotency_key: submission.idempotencyKey ?? null,
      state: 'queued' as const,
      attempt: 0,
      max_attempts: submission.maxAttempts ?? 2,
      lease_owner: null,
      lease_expires_at: null,
      cancel_requested_at: null,
      progress: null,
      progress_message: null,
      error: null,
      result_columns: null,
      result_row_count: null,
      result_truncated: null,
      created_at: Date.now(),
      started_at: null,
      finished_at: null,
      expires_at: null,
      result_bytes: 0,
    };
    await trx.insertInto('jobs').values(row).execute();
    return toJobView(row);
  });
}

export async function getJob(db: Kysely<Database>, caller: Caller, id: string): Promise<JobView | undefined> {
  const row = await db
    .selectFrom('jobs')
    .selectAll()
    .where('id', '=', id)
    .where('org_id', '=', caller.orgId)
    .where('user_id', '=', caller.userId)
    .executeTakeFirst();
  return row && toJobView(row);
}

export async function listJobs(db: Kysely<Database>, caller: Caller, limit = 20): Promise<JobView[]> {
  const rows = await db
    .selectFrom('jobs')
    .selectAll()
    .where('org_id', '=', caller.orgId)
    .where('user_id', '=', caller.userId)
    .orderBy('created_at', 'desc')
    .limit(Math.min(Math.max(limit, 1), 100))
    .execute();
  return rows.map(toJobView);
}

/** An organization's recent jobs, for its admins (the workspace Jobs page). */
export async function listOrganizationJobs(
  db: Kysely<Database>,
  caller: Caller,
  limit = 100,
): Promise<JobView[]> {
  if (caller.role !== 'admin') return listJobs(db, caller, limit);
  const rows = await db
    .selectFrom('jobs')
    .selectAll()
    .where('org_id', '=', caller.orgId)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toJobView);
}

export type CancelOutcome = 'cancelled' | 'cancelling' | 'already_finished' | 'not_found';

/** Cancels a queued job at once; asks the runner to stop a running one (it stops within a lease beat). */
export async function requestJobCancel(
  db: Kysely<Database>,
  caller: Caller,
  id: string,
): Promise<CancelOutcome> {
  const job = await getJob(db, caller, id);
  if (!job) return 'not_found';
  if (TERMINAL_STATES.has(job.state)) return 'already_finished';
  const now = Date.now();
  const queued = await db
    .updateTable('jobs')
    .set({ state: 'cancelled', finished_at: now, cancel_requested_at: now, expires_at: now })
    .where('id', '=', id)
    .where('org_id', '=', caller.orgId)
    .where('state', '=', 'queued')
    .executeTakeFirst();
  if (Number(queued.numUpdatedRows) > 0) return 'cancelled';
  const running = await db
    .updateTable('jobs')
    .set({ cancel_requested_at: now })
    .where('id', '=', id)
    .where('org_id', '=', caller.orgId)
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(running.numUpdatedRows) > 0 ? 'cancelling' : 'already_finished';
}

export interface ResultPage {
  rows: Record<string, unknown>[];
  offset: number;
  total: number;
  nextOffset: number | null;
}

/**
 * Rows `offset … offset+limit` of a succeeded job's result, read from the pages of its current
 * attempt only. Returns undefined for a job that is not the caller's or has no result.
 */
export async function readJobResult(
  db: Kysely<Database>,
  caller: Caller,
  id: string,
  offset: number,
  limit: number,
): Promise<ResultPage | undefined> {
  const job = await db
    .selectFrom('jobs')
    .select(['attempt', 'state', 'result_row_count'])
    .where('id', '=', id)
    .where('org_id', '=', caller.orgId)
    .where('user_id', '=', caller.userId)
    .executeTakeFirst();
  if (!job || job.state !== 'succeeded') return undefined;
  const total = job.result_row_count ?? 0;
  const end = Math.min(offset + limit, total);
  const pages = await db
    .selectFrom('job_result_pages')
    .select(['first_row', 'row_count', 'rows'])
    .where('job_id', '=', id)
    .where('attempt', '=', job.attempt)
    .where('first_row', '<', end)
    .where((eb) => eb(eb('first_row', '+', eb.ref('row_count')), '>', offset))
    .orderBy('page_no')
    .execute();
  const rows: Record<string, unknown>[] = [];
  for (const page of pages) {
    const pageRows = JSON.parse(page.rows) as Record<string, unknown>[];
    const from = Math.max(offset - page.first_row, 0);
    const to = Math.min(end - page.first_row, page.row_count);
    rows.push(...pageRows.slice(from, to));
  }
  return { rows, offset, total, nextOffset: end < total ? end : null };
}
