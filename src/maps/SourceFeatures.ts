import type { Geometry } from 'geojson';

export type PropertyValue = string | number | boolean | null;

/** What a layer source produced, before styling: bounded rows with only the needed columns. */
export interface SourceFeatures {
  features: { geometry: Geometry; properties: Record<string, PropertyValue> }[];
  totalFeatures: number;
  truncated: boolean;
  simplified: boolean;
}

/** A cell as a feature property: JSON scalars stay, anything else becomes its text. */
export function propertyValue(value: unknown): PropertyValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Parses a GeoJSON geometry cell (text or already an object); null for anything else. */
export function parseGeometry(value: unknown): Geometry | null {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (parsed && typeof parsed === 'object' && typeof (parsed as { type?: unknown }).type === 'string')
    return parsed as Geometry;
  return null;
}
