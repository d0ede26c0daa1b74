import type { Geometry, Position } from 'geojson';
import type { Caller } from '../store/Caller.ts';
import type { MapLayer, Viewport } from './mapDefinition.ts';
import type { RenderedLayer, RenderedMap } from './renderedMap.ts';
import type { MapServices, ResolveOptions } from './MapServices.ts';
import { fillLegend } from './fillLegend.ts';
import { readTableFeatures } from './readTableFeatures.ts';
import { readJobFeatures } from './readJobFeatures.ts';
import { runWorkflowSource } from './runWorkflowSource.ts';
import { MapRenderError } from './MapRenderError.ts';
import type { SourceFeatures } from './SourceFeatures.ts';

/** A map to draw: a saved one (id and link set) or an ad-hoc one. */
export interface MapToResolve {
  id: string | null;
  title: string;
  description: string;
  link: string | null;
  viewport: Viewport | null;
  layers: MapLayer[];
}

type Bounds = [number, number, number, number];

function extend(bounds: Bounds, geometry: Geometry): void {
  const visit = (p: Position) => {
    const [x, y] = p as [number, number];
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    if (x < bounds[0]) bounds[0] = x;
    if (y < bounds[1]) bounds[1] = y;
    if (x > bounds[2]) bounds[2] = x;
    if (y > bounds[3]) bounds[3] = y;
  };
  switch (geometry.type) {
    case 'Point':
      return visit(geometry.coordinates);
    case 'MultiPoint':
    case 'LineString':
      return geometry.coordinates.forEach(visit);
    case 'MultiLineString':
    case 'Polygon':
      return geometry.coordinates.forEach((line) => line.forEach(visit));
    case 'MultiPolygon':
      return geometry.coordinates.forEach((polygon) => polygon.forEach((ring) => ring.forEach(visit)));
    case 'GeometryCollection':
      return geometry.geometries.forEach((g) => extend(bounds, g));
  }
}

async function readSource(
  services: MapServices,
  caller: Caller,
  layer: MapLayer,
  field: string,
  options: ResolveOptions,
): Promise<SourceFeatures> {
  const { source, style } = layer;
  switch (source.kind) {
    case 'table':
      return readTableFeatures(services, caller, source, style, field);
    case 'job':
      // A job's rows are what get_job_results reads, under workflows:run; a map is no way around it.
      if (options.scopes && !options.scopes.includes('workflows:run')) {
        throw new MapRenderError(
          `Drawing the job ${source.jobId} reads its results, which needs the workflows:run scope that this connection was not granted; draw a table instead, or reconnect with that scope.`,
          `${field}.source.jobId`,
        );
      }
      return readJobFeatures(services, caller, source.jobId, style, field);
    case 'workflow': {
      const jobId = await runWorkflowSource(services, caller, source, field, options);
      return readJobFeatures(services, caller, jobId, style, field);
    }
  }
}

/**
 * Resolves a map's visible layers into the bounded GeoJSON every renderer draws, as the caller:
 * each source is read with the caller's permissions at this moment, nothing is cached here (a
 * cache would have to be keyed by org + user, SECURITY-TESTS H6; PublicMapViewer keeps one for
 * public links, keyed by map version and the link's enabler). Throws MapRenderError naming the
 * definition field to fix.
 */
export async function resolveMap(
  services: MapServices,
  caller: Caller,
  map: MapToResolve,
  options: ResolveOptions,
): Promise<RenderedMap> {
  const layers: RenderedLayer[] = [];
  const bounds: Bounds = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [index, layer] of map.layers.entries()) {
    if (!layer.visible) continue;
    const field = `layers.${index}`;
    const source = await readSource(services, caller, layer, field, options);
    const column = layer.style.colorBy?.column;
    const { style, legend } = fillLegend(
      layer.style,
      column ? source.features.map((f) => f.properties[column] ?? null) : [],
      `${field}.style`,
    );
    for (const f of source.features) extend(bounds, f.geometry);
    layers.push({
      id: layer.id,
      title: layer.title,
      style,
      legend,
      data: {
        type: 'FeatureCollection',
        features: source.features.map((f) => ({
          type: 'Feature',
          geometry: f.geometry,
          properties: f.properties,
        })),
      },
      featureCount: source.features.length,
      totalFeatures: source.totalFeatures,
      truncated: source.truncated,
      simplified: source.simplified,
    });
  }
  return {
    id: map.id,
    title: map.title,
    description: map.description,
    link: map.link,
    viewport: map.viewport,
    bounds: Number.isFinite(bounds[0]) ? bounds : null,
    basemapStyleUrl: services.basemapStyleUrl,
    layers,
  };
}
