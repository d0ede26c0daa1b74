import type { JobView } from '../../jobs/index.ts';
import { isPublicLinkClientId } from '../../maps/index.ts';

/** The job fields the workspace sees as they are (never its input, client or attempt counters). */
const SHOWN_FIELDS = [
  'id',
  'title',
  'state',
  'progress',
  'progressMessage',
  'error',
  'columns',
  'rowCount',
  'truncated',
  'createdAt',
  'startedAt',
  'finishedAt',
  'expiresAt',
] as const satisfies readonly (keyof JobView)[];

/** A job as the workspace API returns it (times in ms since the epoch; `expiresAt`: when its results are deleted). */
export type JobJson = Pick<JobView, (typeof SHOWN_FIELDS)[number]> & {
  durationMs: number | null;
  /** Only the submitter may cancel or read results, whatever their role. */
  mine: boolean;
  /** The submitter, on an admin's organization-wide list. */
  userEmail?: string;
  /** Run for an anonymous viewer of a map's public link (submitted as the user who enabled the link). */
  publicLink: boolean;
};

export function jobJson(job: JobView, callerUserId: string, userEmail?: string): JobJson {
  const shown = Object.fromEntries(SHOWN_FIELDS.map((field) => [field, job[field]])) as Pick<
    JobView,
    (typeof SHOWN_FIELDS)[number]
  >;
  return {
    ...shown,
    durationMs: job.startedAt === null ? null : (job.finishedAt ?? Date.now()) - job.startedAt,
    mine: job.userId === callerUserId,
    publicLink: isPublicLinkClientId(job.clientId),
    ...(userEmail !== undefined && { userEmail }),
  };
}
