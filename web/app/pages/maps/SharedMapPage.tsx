import { useEffect, useState } from 'react';
import { useParams } from 'react-router';
import { MapView } from '../../../shared/map/MapView.tsx';
import type { RenderedMap } from '../../../../src/maps/renderedMap.ts';
import { getPublicMap } from './mapsApi.ts';
import './maps.css';

/** /app/shared/:token: a map opened from its public link. No session, no workspace navigation. */
export function SharedMapPage() {
  const { token = '' } = useParams();
  const [map, setMap] = useState<RenderedMap | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    getPublicMap(token)
      .then(setMap)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [token]);

  if (error)
    return (
      <p className="maps-error shared-page" role="alert">
        Could not load the map: {error}
      </p>
    );
  if (map === undefined) return <p className="shared-page">Loading…</p>;
  if (map === null)
    return (
      <section className="shared-page">
        <h1>Map not available</h1>
        <p>This link is not valid any more: its owner may have turned it off or replaced it.</p>
      </section>
    );
  return (
    <section className="shared-page">
      <h1 data-testid="map-title">{map.title}</h1>
      {map.description && <p className="maps-description">{map.description}</p>}
      <MapView map={map} height={Math.max(360, window.innerHeight - 160)} />
      <p className="maps-muted">Shared with Meridian.</p>
    </section>
  );
}
