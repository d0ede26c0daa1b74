import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { MapView } from '../../../shared/map/MapView.tsx';
import type { RenderedMap } from '../../../../src/maps/renderedMap.ts';
import { ApiError } from '../../api.ts';
import { deleteMap, getMap, getRenderedMap, type SavedMap } from './mapsApi.ts';
import { SharingPanel } from './SharingPanel.tsx';
import { errorMessage } from './errorMessage.ts';

export function MapDetailPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const [saved, setSaved] = useState<SavedMap | null>(null);
  const [rendered, setRendered] = useState<RenderedMap | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    setSaved(null);
    setRendered(null);
    getMap(id)
      .then((map) => {
        if (!current) return;
        setSaved(map);
        return getRenderedMap(id).then((r) => current && setRendered(r));
      })
      .catch(
        (e: unknown) =>
          current &&
          setError(
            e instanceof ApiError && e.status === 404
              ? 'This map does not exist, or it is not shared with you.'
              : errorMessage(e),
          ),
      );
    return () => {
      current = false;
    };
  }, [id]);

  if (error)
    return (
      <p className="maps-error" role="alert">
        {error} <Link to="/maps">Back to maps</Link>
      </p>
    );
  if (!saved) return <p>Loading…</p>;

  const remove = async () => {
    if (!window.confirm(`Delete the map “${saved.title}”? Its public link stops working too.`)) return;
    try {
      await deleteMap(saved.id);
      navigate('/maps');
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <section className="maps-page">
      <p className="maps-breadcrumb">
        <Link to="/maps">Maps</Link> ›
      </p>
      <header className="maps-header">
        <h1 data-testid="map-title">{saved.title}</h1>
        {saved.canEdit && (
          <div className="maps-actions">
            <Link className="button" to={`/maps/${encodeURIComponent(saved.id)}/edit`}>
              Edit
            </Link>
            <button type="button" className="button danger" onClick={remove}>
              Delete
            </button>
          </div>
        )}
      </header>
      {saved.description && <p className="maps-description">{saved.description}</p>}
      <p className="maps-muted">
        By {saved.ownerEmail} ·{' '}
        {saved.visibility === 'organization' ? 'Visible to the organization' : 'Private to its owner'} ·
        updated {new Date(saved.updatedAt).toLocaleString()} ·{' '}
        <a href={`/api/v1/maps/${encodeURIComponent(saved.id)}/image.png`}>PNG image</a>
      </p>
      {rendered ? (
        <MapView map={rendered} height={520} />
      ) : (
        <div className="maps-placeholder">Drawing the map…</div>
      )}
      {saved.canEdit && <SharingPanel map={saved} onChange={setSaved} />}
    </section>
  );
}
