import type { JobView } from '../../jobs/index.ts';

/** A job as the workspace API returns it (times in ms since the epoch; never its input or client). */
export interface JobJson {
  id: string;
  title: string;
  state: JobView['state'];
  /** 0…1 when the runner knows, else null. */
  progress: number | null;
  progressMessage: string | null;
  error: string | null;
  columns: { name: string; type: string }[] | null;
  rowCount: number | null;
  truncated: boolean;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** When its results are deleted. */
  expiresAt: number | null;
  durationMs: number | null;
  /** Only the submitter may cancel or read results, whatever their role. */
  mine: boolean;
  /** The submitter, on an admin's organization-wide list. */
  userEmail?: string;
}

export function jobJson(job: JobView, callerUserId: string, userEmail?: string): JobJson {
  return {
    id: job.id,
    title: job.title,
    state: job.state,
    progress: job.progress,
    progressMessage: job.progressMessage,
    error: job.error,
    columns: job.columns,
    rowCount: job.rowCount,
    truncated: job.truncated,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    expiresAt: job.expiresAt,
    durationMs: job.startedAt === null ? null : (job.finishedAt ?? Date.now()) - job.startedAt,
    mine: job.userId === callerUserId,
    ...(userEmail !== undefined && { userEmail }),
  };
}
