import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { apiSend, asApiError } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { formatLocalTime } from '../../format.ts';
import { savedByLabel, type WorkflowSummary, type WorkflowVersionSummary } from './workflowTypes.ts';

/**
 * A workflow's saved versions, newest first: who saved each and when, a link to open it
 * read-only on the canvas, and for editors a restore (which saves it again as a new version).
 * `currentVersion` is the version the caller is looking at: the restore is refused (409) when
 * someone saved since, rather than silently replacing their save.
 */
export function VersionsPanel({
  name,
  currentVersion,
  canEdit,
  confirmRestore,
  onRestored,
}: {
  name: string;
  currentVersion: number;
  canEdit: boolean;
  /** Asked before restoring (the canvas asks when it has unsaved edits); false cancels. */
  confirmRestore?(version: number): boolean;
  onRestored(workflow: WorkflowSummary): void;
}) {
  const path = `/api/v1/workflows/${encodeURIComponent(name)}/versions`;
  const { data, error, reload } = useApi<{ current: number; versions: WorkflowVersionSummary[] }>(path);
  // A save or a restore elsewhere on the page makes a new version: list it.
  const listed = useRef(currentVersion);
  useEffect(() => {
    if (listed.current === currentVersion) return;
    listed.current = currentVersion;
    reload();
  }, [currentVersion, reload]);
  const [busy, setBusy] = useState<number>();
  const [message, setMessage] = useState<string>();

  const restore = async (version: number) => {
    if (confirmRestore && !confirmRestore(version)) return;
    setBusy(version);
    setMessage(undefined);
    try {
      const { workflow } = await apiSend<{ workflow: WorkflowSummary }>(
        'POST',
        `${path}/${version}/restore`,
        {
          baseVersion: currentVersion,
        },
      );
      onRestored(workflow);
    } catch (e) {
      setMessage(asApiError(e).message);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <div className="card" id="workflow-versions">
      <h2>Versions</h2>
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      {message && (
        <p className="error" role="alert" id="restore-message">
          {message}
        </p>
      )}
      {data && (
        <table className="versions-table">
          <thead>
            <tr>
              <th>Version</th>
              <th>Saved by</th>
              <th>When</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.versions.map((v) => (
              <tr key={v.version} data-version={v.version}>
                <td>
                  {v.version}
                  {v.version === data.current ? ' (current)' : ''}
                </td>
                <td>{savedByLabel(v.savedBy)}</td>
                <td>{formatLocalTime(v.savedAt)}</td>
                <td>
                  <Link to={`/workflows/${encodeURIComponent(name)}/versions/${v.version}`}>
                    Open read-only
                  </Link>
                  {canEdit && v.version !== data.current && (
                    <>
                      {' '}
                      <button
                        type="button"
                        className="secondary restore-version"
                        disabled={busy !== undefined}
                        onClick={() => void restore(v.version)}
                      >
                        {busy === v.version ? 'Restoring…' : 'Restore'}
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
