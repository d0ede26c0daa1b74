import { useEffect, useState } from 'react';
import { apiSend, asApiError } from '../../api.ts';
import type { RenderedMap } from '../../../../src/maps/renderedMap.ts';
import { MapView } from '../../../shared/map/MapView.tsx';

/** A job's result on a map: an unsaved one-layer map rendered by the server (POST /api/v1/maps/preview). */
export function JobResultMap({ jobId, title }: { jobId: string; title: string }) {
  const [map, setMap] = useState<RenderedMap>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let live = true;
    const definition = {
      title,
      layers: [{ id: 'result', title, source: { kind: 'job', jobId }, style: { tooltipColumns: [] } }],
    };
    apiSend<RenderedMap>('POST', '/api/v1/maps/preview', definition).then(
      (rendered) => live && setMap(rendered),
      (e: unknown) => {
        if (!live) return;
        const problem = asApiError(e);
        setError(problem.status === 404 ? 'This result has no map preview.' : problem.message);
      },
    );
    return () => {
      live = false;
    };
  }, [jobId, title]);
  if (error) return <p className="muted">{error}</p>;
  if (!map) return <p className="muted">Drawing the map…</p>;
  return <MapView map={map} height={360} />;
}
