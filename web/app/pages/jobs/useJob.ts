import { useEffect, useState } from 'react';
import { apiGet, type ApiError, asApiError } from '../../api.ts';
import { ACTIVE_STATES, type Job } from './jobTypes.ts';

const POLL_MS = 700;

/** A job, polled until it ends. `refresh` is bumped after a cancel to poll again at once. */
export function useJob(jobId: string, refresh = 0): { job: Job | undefined; error: ApiError | undefined } {
  const [job, setJob] = useState<Job>();
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setJob(undefined);
    const poll = async () => {
      try {
        const { job: next } = await apiGet<{ job: Job }>(`/api/v1/jobs/${encodeURIComponent(jobId)}`);
        if (!live) return;
        setJob(next);
        setError(undefined);
        if (ACTIVE_STATES.has(next.state)) timer = setTimeout(poll, POLL_MS);
      } catch (e) {
        if (live) setError(asApiError(e));
      }
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [jobId, refresh]);
  return { job, error };
}
