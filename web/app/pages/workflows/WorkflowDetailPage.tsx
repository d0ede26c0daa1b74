import { Link, useParams, useSearchParams } from 'react-router';
import { useApi } from '../../useApi.ts';
import { formatLocalTime } from '../../format.ts';
import { WorkflowGraph } from './WorkflowGraph.tsx';
import { PublishPanel } from './PublishPanel.tsx';
import { RunForm } from './RunForm.tsx';
import { VersionsPanel } from './VersionsPanel.tsx';
import { JobRunView } from '../jobs/JobRunView.tsx';
import type { WorkflowDetail } from './workflowTypes.ts';

/** One workflow: its graph, its MCP tool, a run form whose job's rows and map show below, and its versions. */
export function WorkflowDetailPage() {
  const { name = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const jobId = search.get('job') ?? undefined;
  const { data, error, reload } = useApi<{ workflow: WorkflowDetail }>(
    `/api/v1/workflows/${encodeURIComponent(name)}`,
  );
  if (error) {
    return (
      <>
        <p>
          <Link to="/workflows">← Workflows</Link>
        </p>
        <p className="error" role="alert">
          {error.message}
        </p>
      </>
    );
  }
  if (!data) return <p className="muted">Loading…</p>;
  const w = data.workflow;
  return (
    <>
      <p>
        <Link to="/workflows">← Workflows</Link>
      </p>
      <h1>{w.name}</h1>
      <p>{w.description}</p>
      <p className="muted">
        Connection <code>{w.connection}</code> · version {w.version} · updated {formatLocalTime(w.updatedAt)}
      </p>
      {w.issues.length > 0 && (
        <div className="error" role="alert">
          This workflow does not validate against its connection:
          <ul>
            {w.issues.map((issue, i) => (
              <li key={i}>
                {issue.node && <code>{issue.node}</code>} {issue.message}. {issue.fix}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="card">
        <h2>Graph</h2>
        <p>
          <Link to="canvas" id="open-canvas">
            {w.canEdit ? 'Edit on the canvas' : 'Open on the canvas'}
          </Link>
        </p>
        <WorkflowGraph nodes={w.graph.nodes} edges={w.graph.edges} />
        {!w.catalogAvailable && (
          <p className="muted">The connection could not be read, so output columns are not shown.</p>
        )}
      </div>
      <div className="columns-2">
        <div className="card">
          <h2>Run</h2>
          <RunForm key={w.name} workflow={w} onStarted={(job) => setSearch({ job: job.id })} />
        </div>
        <PublishPanel key={`${w.name}:${w.tool?.publishedAt ?? 'none'}`} workflow={w} onChanged={reload} />
      </div>
      {jobId && (
        <div className="card" id="run-result">
          <h2>Result</h2>
          <JobRunView key={jobId} jobId={jobId} showLink />
        </div>
      )}
      <VersionsPanel name={w.name} currentVersion={w.version} canEdit={w.canEdit} onRestored={reload} />
      {w.toolPreview && (
        <div className="card">
          <h2>The tool as a model sees it</h2>
          <pre id="tool-preview">{JSON.stringify(w.toolPreview, null, 2)}</pre>
        </div>
      )}
    </>
  );
}
