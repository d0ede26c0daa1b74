/** The shapes of /api/v1/jobs answers (src/workspace/api/jobJson.ts, jobsApiRoutes.ts). */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'expired';

export interface Job {
  id: string;
  title: string;
  state: JobState;
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
  durationMs: number | null;
  mine: boolean;
  userEmail?: string;
  /** Run for an anonymous viewer of a map's public link, as the user who enabled the link. */
  publicLink: boolean;
}

export interface ResultsPage {
  jobId: string;
  columns: { name: string; type: string }[];
  total: number;
  offset: number;
  truncated: boolean;
  rows: Record<string, unknown>[];
  nextCursor: string | null;
}

export const ACTIVE_STATES: ReadonlySet<JobState> = new Set(['queued', 'running']);
