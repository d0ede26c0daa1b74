import type { RenderedMap } from '../../../../src/maps/renderedMap.ts';

/**
 * INTERIM stand-in for `<MapView map height />` of web/shared/map/MapView.tsx (helper
 * "map-view"), same props, until it lands on this branch: at merge, JobResultMap imports the
 * real one and this file goes. It lists what the map would draw, so the page stays useful.
 */
export function MapView({ map, height = 360 }: { map: RenderedMap; height?: number }) {
  return (
    <div className="map-placeholder" style={{ minHeight: height }} data-testid="map-view">
      <strong>{map.title}</strong>
      {map.layers.map((layer) => (
        <div key={layer.id}>
          {layer.title}: {layer.featureCount} of {layer.totalFeatures} features
          {layer.truncated ? ' (capped)' : ''}
        </div>
      ))}
      {map.bounds && <div className="muted">Bounds: {map.bounds.map((n) => n.toFixed(2)).join(', ')}</div>}
    </div>
  );
}
