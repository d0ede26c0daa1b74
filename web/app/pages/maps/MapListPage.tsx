import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { listMaps, type MapSummary } from './mapsApi.ts';
import { useDebounced } from './useDebounced.ts';
import { errorMessage } from './errorMessage.ts';

export function MapListPage() {
  const [query, setQuery] = useState('');
  const q = useDebounced(query.trim(), 250);
  const [maps, setMaps] = useState<MapSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    listMaps(q)
      .then((result) => current && (setMaps(result), setError(null)))
      .catch((e: unknown) => current && setError(errorMessage(e)));
    return () => {
      current = false;
    };
  }, [q]);

  return (
    <section className="maps-page">
      <header className="maps-header">
        <h1>Maps</h1>
        <Link className="button primary" to="/maps/new">
          New map
        </Link>
      </header>
      <input
        className="maps-search"
        type="search"
        placeholder="Search maps by title or description"
        aria-label="Search maps"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {error && (
        <p className="maps-error" role="alert">
          {error}
        </p>
      )}
      {maps === null && !error && <p>Loading…</p>}
      {maps?.length === 0 && (
        <p className="maps-empty">
          {q ? `No map matches “${q}”.` : 'No maps yet. Create one to put your data on a map.'}
        </p>
      )}
      {!!maps?.length && (
        <table className="maps-table" data-testid="maps-list">
          <thead>
            <tr>
              <th>Title</th>
              <th>Layers</th>
              <th>Visibility</th>
              <th>Owner</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {maps.map((m) => (
              <tr key={m.id}>
                <td>
                  <Link to={`/maps/${encodeURIComponent(m.id)}`}>{m.title}</Link>
                  {m.description && <div className="maps-muted">{m.description}</div>}
                </td>
                <td>{m.layerCount}</td>
                <td>{m.visibility === 'organization' ? 'Organization' : 'Private'}</td>
                <td>{m.ownerEmail}</td>
                <td>{new Date(m.updatedAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
