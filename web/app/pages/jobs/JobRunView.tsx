import { useState } from 'react';
import { Link } from 'react-router';
import { apiSend, asApiError } from '../../api.ts';
import { useJob } from './useJob.ts';
import { ResultsTable } from './ResultsTable.tsx';
import { JobResultMap } from './JobResultMap.tsx';
import { ACTIVE_STATES } from './jobTypes.ts';

/** One job: its state and progress while it runs, then its rows and a map of them (or its error). */
export function JobRunView({ jobId, showLink = false }: { jobId: string; showLink?: boolean }) {
  const [refresh, setRefresh] = useState(0);
  const [cancelError, setCancelError] = useState<string>();
  const { job, error } = useJob(jobId, refresh);
  if (error)
    return (
      <p className="error" role="alert">
        {error.message}
      </p>
    );
  if (!job) return <p className="muted">Loading the job…</p>;
  const active = ACTIVE_STATES.has(job.state);
  const cancel = () =>
    apiSend('POST', `/api/v1/jobs/${encodeURIComponent(job.id)}/cancel`).then(
      () => setRefresh((r) => r + 1),
      (e: unknown) => setCancelError(asApiError(e).message),
    );
  const hasGeometry = job.columns?.some((c) => c.type === 'geometry') ?? false;
  return (
    <div className="job-run" data-job={job.id}>
      <p>
        <span className={`state state-${job.state}`} data-testid="job-state">
          {job.state}
        </span>{' '}
        {showLink && <Link to={`/jobs/${job.id}`}>job {job.id}</Link>}
        {active && job.progressMessage && <span className="muted"> — {job.progressMessage}</span>}
        {job.state === 'succeeded' && (
          <span className="muted">
            {' '}
            — {job.rowCount} row{job.rowCount === 1 ? '' : 's'}
            {job.durationMs !== null ? ` in ${job.durationMs} ms` : ''}
          </span>
        )}
        {active && job.mine && (
          <button type="button" className="danger" onClick={cancel}>
            Cancel
          </button>
        )}
      </p>
      {active && <progress value={job.progress ?? undefined} max={1} aria-label="Progress" />}
      {cancelError && (
        <p className="error" role="alert">
          {cancelError}
        </p>
      )}
      {job.error && (
        <p className="error" role="alert">
          {job.error}
        </p>
      )}
      {job.state === 'succeeded' && (
        <>
          <ResultsTable key={job.id} jobId={job.id} />
          {hasGeometry && <JobResultMap jobId={job.id} title={job.title} />}
        </>
      )}
    </div>
  );
}
