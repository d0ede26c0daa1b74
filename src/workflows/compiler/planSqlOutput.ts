import type { ColumnSchema } from '../catalog/ColumnSchema.ts';
import type { HostStep } from '../host/HostStep.ts';

export interface SqlOutputPlan {
  /** Columns of the last SQL node the query must return. */
  columns: ColumnSchema[];
  /** Extra numeric lon/lat columns for h3_index, read straight from SQL instead of parsing GeoJSON. */
  lonLat: { geometry: ColumnSchema; lon: string; lat: string }[];
  hostSteps: HostStep[];
}

/**
 * Decides what the SQL part returns when host steps follow it. An h3_aggregate keeps only its
 * cell and aggregated columns, so everything else — above all GeoJSON for every point, which
 * cost 4× the query time on the demo density workflow — need not leave the engine; h3_index
 * reads numeric lon/lat columns instead of parsing GeoJSON.
 */
export function planSqlOutput(sqlColumns: ColumnSchema[], hostSteps: HostStep[]): SqlOutputPlan {
  let needed: Set<string> | 'all' = 'all';
  for (const step of [...hostSteps].reverse()) {
    if (step.kind === 'h3_aggregate')
      needed = new Set([step.cell, ...step.aggregates.flatMap((a) => (a.column ? [a.column] : []))]);
    else if (step.kind === 'h3_boundary' && needed !== 'all') {
      needed.delete(step.as);
      needed.add(step.cell);
    } else if (step.kind === 'h3_index' && needed !== 'all') needed.delete(step.as);
  }
  const taken = new Set(sqlColumns.map((c) => c.name));
  const lonLat: SqlOutputPlan['lonLat'] = [];
  const rewritten = hostSteps.map((step) => {
    if (step.kind !== 'h3_index') return step;
    const geometry = sqlColumns.find((c) => c.name === step.geometry);
    if (!geometry) return step; // produced by an earlier host step: parse its GeoJSON
    let existing = lonLat.find((l) => l.geometry.name === geometry.name);
    if (!existing) {
      let n = lonLat.length + 1;
      while (taken.has(`h3_lon_${n}_`) || taken.has(`h3_lat_${n}_`)) n += 1;
      existing = { geometry, lon: `h3_lon_${n}_`, lat: `h3_lat_${n}_` };
      taken.add(existing.lon).add(existing.lat);
      lonLat.push(existing);
    }
    return { ...step, lon: existing.lon, lat: existing.lat };
  });
  const columns =
    needed === 'all' ? sqlColumns : sqlColumns.filter((c) => (needed as Set<string>).has(c.name));
  return { columns, lonLat, hostSteps: rewritten };
}
