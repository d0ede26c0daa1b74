import { MeridianError } from '../errors/MeridianError.ts';

/** A submission the queue refuses: the org or user has too much in flight. Never a hang. */
export class QueueFullError extends MeridianError {
  override name = 'QueueFullError';
  override readonly code: string = 'queue_full';
  override readonly status: number = 429;
  override readonly showable: boolean = true;
}

/** The same idempotency key was used before with a different input. */
export class IdempotencyConflictError extends MeridianError {
  override name = 'IdempotencyConflictError';
  override readonly code: string = 'idempotency_conflict';
  override readonly status: number = 409;
  override readonly showable: boolean = true;
}

/**
 * A failure whose message is safe to show the user and the model (no SQL, DSN or host). Any
 * other error thrown by a handler is reported as a generic failure and logged.
 */
export class JobFailure extends MeridianError {
  override name = 'JobFailure';
  override readonly code: string = 'job_failed';
  override readonly status: number = 500;
  override readonly showable: boolean = true;
}

/** SQLite's SQLITE_FULL, the OS's ENOSPC and PostgreSQL's disk_full (53100): the store's disk is full (R9). */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === '53100';
}

export const DISK_FULL_MESSAGE =
  'The server ran out of disk space (no space left on device) while storing the result, so none of it was kept; ask an administrator to free space, then run it again.';

/** A submission refused because the organization's stored results already fill its quota. */
export class ResultQuotaError extends QueueFullError {
  override name = 'ResultQuotaError';
  override readonly code: string = 'result_quota_used_up';
  override readonly status: number = 429;
}

/** Bytes as people read them: 512 kB, 20 MB, 1.5 GB (decimal units). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** A span as people read it: 45 s, 12 min, 3 h, 2 days. */
export function formatSpan(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes < 1) return `${Math.max(1, Math.round(ms / 1000))} s`;
  if (minutes < 90) return `${Math.round(minutes)} min`;
  const hours = minutes / 60;
  if (hours < 48) return `${Math.round(hours)} h`;
  return `${Math.round(hours / 24)} days`;
}

/** Why a submission was refused while the organization's results fill its quota, and what to do. */
export function resultQuotaUsedUpMessage(quotaBytes: number, nextExpiryInMs: number | undefined): string {
  const expiry =
    nextExpiryInMs === undefined
      ? 'stored results are deleted when they expire'
      : `stored results are deleted when they expire, the oldest in about ${formatSpan(nextExpiryInMs)}`;
  return (
    `The result storage quota of ${formatBytes(quotaBytes)} for this organization is used up by earlier job results, so this run was not started. ` +
    `Fetch the results you still need with get_job_results (${expiry}), then run it again, narrowed with filters or fewer columns so it returns less.`
  );
}

/** Why a job failed when its result would have gone over the organization's quota. */
export function resultQuotaExceededMessage(quotaBytes: number, retentionMs: number): string {
  return (
    `The result of this job would go over the result storage quota of ${formatBytes(quotaBytes)} for this organization, so none of it was kept. ` +
    `Narrow the query (filters, a smaller area, fewer columns) so it returns less, or fetch what you need from earlier results and let them expire (results are kept for ${formatSpan(retentionMs)} after their job ends), then run it again.`
  );
}
