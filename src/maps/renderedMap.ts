import type { FeatureCollection, Geometry } from 'geojson';
import type { LayerStyle, Viewport } from './mapDefinition.ts';

/**
 * What a renderer receives: a map whose layers have been resolved into bounded GeoJSON. It is
 * `render_map`'s structuredContent, the data the MCP Apps view draws, the input of the PNG
 * renderer, and what the workspace map view fetches, so the four draw the same thing.
 * Feature properties hold only the columns the style and tooltips need.
 */
export interface RenderedMap {
  /** Saved map id, or null for an ad-hoc map. */
  id: string | null;
  title: string;
  description: string;
  /** Absolute URL of the map's workspace page (saved maps), or null. */
  link: string | null;
  /** Where to open: the saved viewport, or null to fit `bounds`. */
  viewport: Viewport | null;
  /** [west, south, east, north] of all features, or null when there are none. */
  bounds: [number, number, number, number] | null;
  /** MapLibre style URL for a basemap (MERIDIAN_BASEMAP_STYLE_URL), or null for a plain background. */
  basemapStyleUrl: string | null;
  layers: RenderedLayer[];
}

export interface RenderedLayer {
  id: string;
  title: string;
  /** Fully defaulted style; `colorBy.domain`/`categories` filled in from the data. */
  style: LayerStyle;
  legend: Legend | null;
  data: FeatureCollection<Geometry, Record<string, string | number | boolean | null>>;
  /** Features sent / features the source produced. */
  featureCount: number;
  totalFeatures: number;
  /** True when features were dropped to stay under the cap. */
  truncated: boolean;
  /** True when geometries were simplified to stay under the vertex budget. */
  simplified: boolean;
}

export type Legend =
  | { kind: 'categories'; column: string; entries: { label: string; color: string }[] }
  | { kind: 'ramp'; column: string; min: number; max: number; colors: string[] };
