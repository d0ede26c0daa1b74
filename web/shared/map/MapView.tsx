import { useEffect, useRef } from 'react';
import type { RenderedMap } from '../../../src/maps/renderedMap.ts';
import { mountMap, type MountedMap } from './mountMap.ts';
import { useSameOriginWorker } from './sameOriginWorker.ts';

useSameOriginWorker();

export interface MapViewProps {
  map: RenderedMap;
  /** CSS pixels; default 480. */
  height?: number;
  interactive?: boolean;
}

/**
 * The workspace's map: mountMap in a React component. The MapLibre map is created once per
 * mount and fed new RenderedMaps through update(), so the editor's live preview keeps the view.
 */
export function MapView({ map, height = 480, interactive = true }: MapViewProps) {
  const container = useRef<HTMLDivElement>(null);
  const mounted = useRef<MountedMap | null>(null);
  const latest = useRef(map);
  latest.current = map;

  useEffect(() => {
    const handle = mountMap(container.current!, latest.current, { interactive });
    mounted.current = handle;
    return () => {
      handle.destroy();
      mounted.current = null;
    };
  }, [interactive]);

  useEffect(() => {
    mounted.current?.update(map);
  }, [map]);

  return <div ref={container} className="meridian-map-view" style={{ height }} data-testid="map-view" />;
}
