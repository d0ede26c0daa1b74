import { useState } from 'react';
import { disablePublicLink, enablePublicLink, type SavedMap } from './mapsApi.ts';
import { errorMessage } from './errorMessage.ts';

/** Who can see the map, and its public link: off by default, on/off and rotate, copy. */
export function SharingPanel({ map, onChange }: { map: SavedMap; onChange(map: SavedMap): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);

  const run = async (action: () => Promise<string | null>) => {
    setBusy(true);
    setError(null);
    try {
      onChange({ ...map, publicLink: await action() });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const copy = async () => {
    if (!map.publicLink) return;
    await navigator.clipboard.writeText(map.publicLink);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };

  return (
    <section className="maps-panel" aria-labelledby="sharing-title" data-testid="sharing">
      <h2 id="sharing-title">Sharing</h2>
      <p>
        {map.visibility === 'organization'
          ? 'Everyone in your organization can open this map.'
          : 'Only you can open this map. Edit the map to make it visible to your organization.'}
      </p>
      {map.publicLink ? (
        <>
          <p>Anyone with this link can see the map, without signing in:</p>
          <div className="maps-link-row">
            <input
              readOnly
              value={map.publicLink}
              aria-label="Public link"
              onFocus={(e) => e.target.select()}
            />
            <button type="button" className="button" onClick={copy}>
              {copied ? 'Copied' : 'Copy link'}
            </button>
          </div>
          <div className="maps-actions">
            <button
              type="button"
              className="button"
              disabled={busy}
              onClick={() => run(() => enablePublicLink(map.id))}
            >
              New link (the old one stops working)
            </button>
            <button
              type="button"
              className="button danger"
              disabled={busy}
              onClick={() => run(async () => (await disablePublicLink(map.id), null))}
            >
              Turn off public link
            </button>
          </div>
        </>
      ) : (
        <button
          type="button"
          className="button"
          disabled={busy}
          onClick={() => run(() => enablePublicLink(map.id))}
        >
          Create a public link
        </button>
      )}
      {error && (
        <p className="maps-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
