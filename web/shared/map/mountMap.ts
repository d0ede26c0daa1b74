import * as maplibregl from 'maplibre-gl';
import type { LngLatBoundsLike, MapGeoJSONFeature, MapLayerMouseEvent } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import './map.css';
import type { RenderedLayer, RenderedMap } from '../../../src/maps/renderedMap.ts';
import { backgroundStyle, sourceId, styleLayers, type MapTheme } from './mapStyleLayers.ts';
import { el, formatNumber, renderLegend } from './renderLegend.ts';

export interface MountMapOptions {
  /** False: a still picture (no pan, zoom or tooltips), for thumbnails. Default true. */
  interactive?: boolean;
  /** Background and legend colours when there is no basemap. Default light. */
  theme?: MapTheme;
}

export interface MountedMap {
  update(map: RenderedMap): void;
  destroy(): void;
  /** The MapLibre map, for tests and the bench. */
  readonly maplibre: maplibregl.Map;
}

/**
 * Draws a RenderedMap into `container` with MapLibre GL: the layers with their styles, a legend,
 * hover tooltips and a note when the server cut features or simplified geometries.
 *
 * `container.dataset.state` is 'loading' until the first frame with every layer's features has
 * been drawn, then 'idle' (tests and the bench wait on it); 'error' when WebGL or the style failed.
 * `data-first-render-ms` records when that first frame was drawn (performance.now() of the page).
 */
export function mountMap(
  container: HTMLElement,
  initial: RenderedMap,
  options: MountMapOptions = {},
): MountedMap {
  const interactive = options.interactive ?? true;
  const theme = options.theme ?? 'light';
  container.classList.add('meridian-map');
  container.dataset.theme = theme;
  container.dataset.state = 'loading';
  const canvasHost = el('div', 'meridian-map-canvas');
  const tooltip = el('div', 'meridian-tooltip');
  tooltip.dataset.testid = 'map-tooltip';
  tooltip.hidden = true;
  let legend: HTMLElement | null = null;
  let notes: HTMLElement | null = null;
  container.append(canvasHost, tooltip);

  let current = initial;
  let drawnLayerIds: string[] = [];
  let drawnSourceIds: string[] = [];
  let styleUrl = initial.basemapStyleUrl;

  const map = new maplibregl.Map({
    container: canvasHost,
    style: styleUrl ?? backgroundStyle(theme),
    interactive,
    attributionControl: styleUrl ? { compact: true } : false,
    ...initialCamera(initial),
    // Keep the last frame readable by screenshots and toDataURL (tests, a future "copy image").
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  if (interactive) map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');

  map.on('error', (event) => {
    // A basemap that fails to load must not hide the data: fall back to the plain background.
    if (styleUrl && !map.isStyleLoaded()) {
      styleUrl = null;
      map.setStyle(backgroundStyle(theme));
    }
    console.warn('map error', event.error?.message);
  });

  const draw = (dataOnly = false) => {
    if (dataOnly) {
      for (const layer of current.layers)
        (map.getSource(sourceId(layer)) as maplibregl.GeoJSONSource).setData(layer.data);
    } else drawLayers();
    legend?.remove();
    legend = renderLegend(current.layers);
    notes?.remove();
    notes = renderNotes(current.layers);
    container.append(legend);
    if (notes) container.append(notes);
    container.dataset.state = 'loading';
    map.once('idle', () => {
      container.dataset.state = 'idle';
      container.dataset.firstRenderMs ??= String(Math.round(performance.now()));
    });
  };
  const drawLayers = () => {
    for (const id of drawnLayerIds) if (map.getLayer(id)) map.removeLayer(id);
    for (const id of drawnSourceIds) if (map.getSource(id)) map.removeSource(id);
    drawnLayerIds = [];
    drawnSourceIds = [];
    for (const layer of current.layers) {
      const id = sourceId(layer);
      map.addSource(id, { type: 'geojson', data: layer.data });
      drawnSourceIds.push(id);
      for (const spec of styleLayers(layer)) {
        map.addLayer(spec);
        drawnLayerIds.push(spec.id);
      }
    }
  };

  // Styles load asynchronously; a basemap swap throws our layers away, so draw again after it.
  map.on('style.load', () => draw());

  const showTooltip = (event: MapLayerMouseEvent) => {
    const feature = event.features?.[0];
    const layer = feature && layerOf(current, feature);
    if (!feature || !layer) return hideTooltip();
    map.getCanvas().style.cursor = 'pointer';
    tooltip.replaceChildren(...tooltipContent(layer, feature));
    tooltip.hidden = false;
    const { x, y } = event.point;
    const left = x + 12 + tooltip.offsetWidth > container.clientWidth ? x - 12 - tooltip.offsetWidth : x + 12;
    const top =
      y + 12 + tooltip.offsetHeight > container.clientHeight ? y - 12 - tooltip.offsetHeight : y + 12;
    tooltip.style.left = `${Math.max(0, left)}px`;
    tooltip.style.top = `${Math.max(0, top)}px`;
  };
  const hideTooltip = () => {
    map.getCanvas().style.cursor = '';
    tooltip.hidden = true;
  };
  // One listener over all our layers, so the topmost feature wins wherever layers overlap.
  const onMove = (event: maplibregl.MapMouseEvent) => {
    const layers = drawnLayerIds.filter((id) => map.getLayer(id));
    const features = layers.length ? map.queryRenderedFeatures(event.point, { layers }) : [];
    if (!features.length) return hideTooltip();
    showTooltip(Object.assign(event, { features }) as MapLayerMouseEvent);
  };
  if (interactive) {
    map.on('mousemove', onMove);
    map.on('mouseout', hideTooltip);
    container.addEventListener('mouseleave', hideTooltip);
  }

  return {
    maplibre: map,
    update(next) {
      if (next === current) return;
      const previous = current;
      current = next;
      if (next.basemapStyleUrl !== styleUrl) {
        styleUrl = next.basemapStyleUrl;
        map.setStyle(styleUrl ?? backgroundStyle(theme));
      } else if (drawnSourceIds.length) {
        // Same layers and styles: swap the data in place (no flicker while the editor previews).
        draw(sameLayers(previous, next));
      }
      // Keep the reader's view while they edit styles; move only when the extent itself changed.
      if (
        JSON.stringify([previous.viewport, previous.bounds]) !== JSON.stringify([next.viewport, next.bounds])
      ) {
        map.jumpTo(initialCamera(next) as maplibregl.JumpToOptions);
        if (!next.viewport && next.bounds)
          map.fitBounds(next.bounds as LngLatBoundsLike, { padding: 32, maxZoom: 14, duration: 0 });
      }
    },
    destroy() {
      map.remove();
      container.replaceChildren();
      delete container.dataset.state;
    },
  };
}

function sameLayers(a: RenderedMap, b: RenderedMap): boolean {
  const shape = (m: RenderedMap) => JSON.stringify(m.layers.map((l) => [l.id, l.style]));
  return shape(a) === shape(b);
}

function initialCamera(map: RenderedMap): Partial<maplibregl.MapOptions> {
  if (map.viewport) return { center: map.viewport.center, zoom: map.viewport.zoom };
  if (map.bounds) {
    const [w, s, e, n] = map.bounds;
    // A single point has an empty box; pad it so fitBounds has something to fit.
    const pad = w === e && s === n ? 0.01 : 0;
    return { bounds: [w - pad, s - pad, e + pad, n + pad], fitBoundsOptions: { padding: 32, maxZoom: 14 } };
  }
  return { center: [0, 20], zoom: 0.5 };
}

function layerOf(map: RenderedMap, feature: MapGeoJSONFeature): RenderedLayer | undefined {
  const id = (feature.layer.metadata as { meridianLayer?: string } | undefined)?.meridianLayer;
  return map.layers.find((l) => l.id === id);
}

/** Tooltip rows for the configured columns; values are untrusted text and only ever textContent. */
function tooltipContent(layer: RenderedLayer, feature: MapGeoJSONFeature): HTMLElement[] {
  const title = el('div', 'meridian-tooltip-title', layer.title);
  const columns = layer.style.tooltipColumns;
  if (!columns.length) return [title];
  const list = el('dl', '');
  for (const column of columns) {
    const value: unknown = feature.properties[column];
    list.append(
      el('dt', '', column),
      el(
        'dd',
        '',
        value === null || value === undefined
          ? '—'
          : typeof value === 'number'
            ? formatNumber(value)
            : String(value),
      ),
    );
  }
  return [title, list];
}

function renderNotes(layers: RenderedLayer[]): HTMLElement | null {
  const lines: string[] = [];
  for (const layer of layers) {
    if (layer.truncated) {
      lines.push(
        `${layer.title}: showing ${formatNumber(layer.featureCount)} of ${formatNumber(layer.totalFeatures)} features.`,
      );
    }
    if (layer.simplified) lines.push(`${layer.title}: shapes simplified to draw quickly.`);
  }
  if (!lines.length) return null;
  const box = el('div', 'meridian-map-notes');
  box.dataset.testid = 'map-notes';
  box.setAttribute('role', 'note');
  for (const line of lines) box.append(el('p', '', line));
  return box;
}
