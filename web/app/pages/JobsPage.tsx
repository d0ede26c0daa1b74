import { useState } from 'react';
import { Link, Route, Routes, useParams } from 'react-router';
import { apiSend, asApiError } from '../api.ts';
import { useApi } from '../useApi.ts';
import { formatLocalTime } from '../format.ts';
import { useSession } from '../useSession.ts';
import { JobRunView } from './jobs/JobRunView.tsx';
import { ACTIVE_STATES, type Job } from './jobs/jobTypes.ts';
import './workspacePages.css';

/** Jobs: the caller's recent jobs (admins may switch to the organization's), and one job's results. */
export function JobsPage() {
  return (
    <div className="section-page">
      <Routes>
        <Route index element={<JobList />} />
        <Route path=":id" element={<JobDetail />} />
      </Routes>
    </div>
  );
}

function JobList() {
  const { session } = useSession();
  const [scope, setScope] = useState<'mine' | 'organization'>('mine');
  const [notice, setNotice] = useState<string>();
  const { data, error, reload } = useApi<{ jobs: Job[] }>(`/api/v1/jobs?scope=${scope}&limit=100`);
  const cancel = (job: Job) =>
    apiSend<{ outcome: string }>('POST', `/api/v1/jobs/${encodeURIComponent(job.id)}/cancel`).then(
      ({ outcome }) => {
        setNotice(`Job ${job.title}: ${outcome.replace('_', ' ')}.`);
        reload();
      },
      (e: unknown) => setNotice(asApiError(e).message),
    );
  return (
    <>
      <h1>Jobs</h1>
      {session?.user.role === 'admin' && (
        <p>
          <label className="inline-label">
            <input
              type="checkbox"
              checked={scope === 'organization'}
              onChange={(e) => setScope(e.target.checked ? 'organization' : 'mine')}
            />{' '}
            Show the organization&apos;s jobs
          </label>
        </p>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      <div className="card">
        <table>
          <thead>
            <tr>
              <th>Title</th>
              <th>State</th>
              {scope === 'organization' && <th>User</th>}
              <th>Created</th>
              <th>Duration</th>
              <th>Rows</th>
              <th>Error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data?.jobs.map((job) => (
              <tr key={job.id} data-job={job.id}>
                <td>
                  {job.mine ? <Link to={job.id}>{job.title}</Link> : job.title}
                  {job.publicLink && (
                    <>
                      {' '}
                      <span className="badge" title="Run for an anonymous viewer of a map's public link">
                        public link
                      </span>
                    </>
                  )}
                  <div className="muted">
                    <code>{job.id}</code>
                  </div>
                </td>
                <td>
                  {job.state}
                  {job.state === 'running' && job.progressMessage && (
                    <div className="muted">{job.progressMessage}</div>
                  )}
                </td>
                {scope === 'organization' && <td>{job.userEmail ?? '—'}</td>}
                <td>{formatLocalTime(job.createdAt)}</td>
                <td>
                  {job.durationMs === null
                    ? '—'
                    : job.durationMs < 1000
                      ? `${job.durationMs} ms`
                      : `${(job.durationMs / 1000).toFixed(1)} s`}
                </td>
                <td>
                  {job.rowCount ?? '—'}
                  {job.truncated ? ' (capped)' : ''}
                </td>
                <td>{job.error ?? ''}</td>
                <td>
                  {job.mine && ACTIVE_STATES.has(job.state) && (
                    <button type="button" className="danger" onClick={() => void cancel(job)}>
                      Cancel
                    </button>
                  )}
                </td>
              </tr>
            ))}
            {data?.jobs.length === 0 && (
              <tr>
                <td colSpan={8} className="muted">
                  No jobs yet. Run a workflow from its page, or call a workflow tool from an AI platform.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}

function JobDetail() {
  const { id = '' } = useParams();
  return (
    <>
      <p>
        <Link to="/jobs">← Jobs</Link>
      </p>
      <h1>
        Job <code>{id}</code>
      </h1>
      <JobRunView key={id} jobId={id} />
    </>
  );
}
