import type { JobsTable, JobState } from '../store/schema.ts';

export interface JobView {
  id: string;
  kind: string;
  title: string;
  state: JobState;
  attempt: number;
  maxAttempts: number;
  progress: number | null;
  progressMessage: string | null;
  error: string | null;
  columns: { name: string; type: string }[] | null;
  rowCount: number | null;
  truncated: boolean;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  expiresAt: number | null;
  clientId: string;
  userId: string;
}

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'expired',
]);

export function toJobView(row: JobsTable): JobView {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    state: row.state,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    progress: row.progress,
    progressMessage: row.progress_message,
    error: row.error,
    columns: row.result_columns ? (JSON.parse(row.result_columns) as JobView['columns']) : null,
    rowCount: row.result_row_count,
    truncated: row.result_truncated === 1,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    expiresAt: row.expires_at,
    clientId: row.client_id,
    userId: row.user_id,
  };
}
