import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Caller } from '../store/Caller.ts';
import type { JobEvent, JobRunner } from './JobRunner.ts';
import { getJob } from './jobRepository.ts';
import { TERMINAL_STATES, type JobView } from './jobViews.ts';

/** Without a complete event source (another process may run the job, unheard). */
const POLL_MS = 150;
/** With one: only a safety net (a queued job cancelled, a notification lost in a reconnect). */
const SAFETY_POLL_MS = 1000;

/**
 * Waits until a job ends or the deadline passes, whichever comes first, and returns its latest
 * view. The runner's events wake the wait at once: jobs of this process directly, and with a
 * PostgreSQL store those of other processes too (LISTEN/NOTIFY); the store is polled beside them.
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
        const timer = setTimeout(resolve, Math.min(runner?.hearsEveryJob ? SAFETY_POLL_MS : POLL_MS, left));
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
