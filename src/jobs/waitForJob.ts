import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Caller } from '../store/Caller.ts';
import type { JobEvent, JobRunner } from './JobRunner.ts';
import { getJob } from './jobRepository.ts';
import { TERMINAL_STATES, type JobView } from './jobViews.ts';

const POLL_MS = 150;

/**
 * Waits until a job ends or the deadline passes, whichever comes first, and returns its latest
 * view. A job run by this process wakes the wait at once through the runner's events; one run by
 * another process is seen by polling the store.
 */
export async function waitForJob(
  input: {
    db: Kysely<Database>;
    runner?: JobRunner;
    caller: Caller;
    jobId: string;
    deadline: number;
    signal?: AbortSignal;
  },
  onProgress?: (event: JobEvent) => void,
): Promise<JobView | undefined> {
  const { db, runner, caller, jobId, deadline, signal } = input;
  let wake: (() => void) | undefined;
  const listener = (event: JobEvent) => {
    if (event.state === 'progress') onProgress?.(event);
    wake?.();
  };
  runner?.events.on(jobId, listener);
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const job = await getJob(db, caller, jobId);
      if (!job || TERMINAL_STATES.has(job.state)) return job;
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted) return job;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(POLL_MS, left));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    runner?.events.off(jobId, listener);
    signal?.removeEventListener('abort', onAbort);
  }
}
