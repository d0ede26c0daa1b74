import type { z } from 'zod';
import type { Caller } from '../store/Caller.ts';
import { listConnections } from '../connections/index.ts';
import { CatalogLookupError } from '../catalog/CatalogBrowser.ts';
import { extentSelect, quoteIdent, tableRef } from '../catalog/catalogSql.ts';
import { EngineError, type Dialect } from '../engines/index.ts';
import type { LayerStyle, tableSourceSchema } from './mapDefinition.ts';
import type { MapServices } from './MapServices.ts';
import { MapRenderError } from './MapRenderError.ts';
import { checkStyleColumns } from './checkStyleColumns.ts';
import { countVertices, fitVertexBudget } from './simplifyGeometry.ts';
import { parseGeometry, propertyValue, type SourceFeatures } from './SourceFeatures.ts';

const QUERY_TIMEOUT_MS = 20_000;
/** Simplify to about this many steps across the layer's extent: below a pixel on any map we draw. */
const EXTENT_STEPS = 4096;

function fn(dialect: Dialect, name: 'npoints' | 'simplify' | 'geojson' | 'transform'): string {
  // SpatiaLite spells these like PostGIS (ST_ prefix), except the GeoJSON writer.
  if (name === 'geojson') return dialect === 'postgis' ? 'ST_AsGeoJSON' : 'AsGeoJSON';
  return { npoints: 'ST_NPoints', simplify: 'ST_SimplifyPreserveTopology', transform: 'ST_Transform' }[name];
}

/**
 * Which features a capped layer keeps, as an ORDER BY (the engine then stops at the cap). Not
 * the first rows in storage order: those cluster by whatever the table was loaded by (the demo
 * cities by GeoNames id: 27 of 225 countries in the first 5 000). Coloured on a ramp, the
 * largest values (the biggest cities). Otherwise a deterministic pseudo-random sample: a
 * hash of the feature's centroid (~100 m cells in degrees), which both engines
 * compute with the same plain functions and integer arithmetic (kept far below 2^63: PostgreSQL
 * raises on bigint overflow). It keeps the layer's spatial distribution (each area keeps the
 * same share of its features) and draws the same features every time the map is rendered.
 * Job results are not resampled: their order is the workflow's own (often meaningful) ORDER BY.
 */
function sampleOrder(dialect: Dialect, g: string, style: LayerStyle): string {
  if (style.colorBy?.kind === 'ramp') return `${quoteIdent(style.colorBy.column)} DESC NULLS LAST`;
  const integer = dialect === 'postgis' ? 'BIGINT' : 'INTEGER';
  const cell = (axis: 'ST_X' | 'ST_Y') => `CAST(${axis}(ST_Centroid(${g})) * 1000 AS ${integer})`;
  // Linear in position alone, the smallest hashes would fall on parallel stripes across the map;
  // squaring (mod a prime) scatters them (the demo cities' sample: 56 countries before, 178 after).
  const linear = `((${cell('ST_X')} * 40503 + ${cell('ST_Y')} * 65599) % 1000003)`;
  return `(${linear} * ${linear}) % 1000003`;
}

/**
 * A table layer: reads the style's columns and the geometry (as WGS 84 GeoJSON) through the
 * connection's engine, as the caller (connection access is checked by the registry). Bounded:
 * at most `maxFeaturesPerLayer` rows, and when the table's vertices exceed the budget the engine
 * simplifies (ST_SimplifyPreserveTopology) before anything leaves the database, with a JS pass
 * after it if the layer is still over.
 */
export async function readTableFeatures(
  services: MapServices,
  caller: Caller,
  source: z.infer<typeof tableSourceSchema>,
  style: LayerStyle,
  field: string,
): Promise<SourceFeatures> {
  const { maxFeaturesPerLayer, maxVerticesPerLayer } = services.limits;
  const resolved = await services.connections.resolve(caller, source.connection);
  if (!resolved) {
    const mine = (await listConnections(services.db, caller)).map((c) => c.name);
    throw new MapRenderError(
      `There is no connection "${source.connection}" that you can use.` +
        (mine.length
          ? ` Your connections: ${mine.join(', ')}.`
          : ' You have no connections; ask an admin to share one.'),
      `${field}.source.connection`,
    );
  }
  const { engine, connection } = resolved;
  try {
    let table;
    try {
      table = await services.catalog.findTable(connection.id, engine, source.table);
    } catch (error) {
      if (error instanceof CatalogLookupError)
        throw new MapRenderError(error.message, `${field}.source.table`);
      throw error;
    }
    const geometryColumns = table.columns.filter(
      (c) => c.type === 'geometry' || c.geometryType !== undefined,
    );
    let geometry = geometryColumns[0];
    if (source.geometryColumn !== undefined) {
      geometry = geometryColumns.find((c) => c.name === source.geometryColumn);
      if (!geometry) {
        throw new MapRenderError(
          `The table ${table.name} has no geometry column "${source.geometryColumn}". Its geometry columns: ${geometryColumns.map((c) => c.name).join(', ') || '(none)'}.`,
          `${field}.source.geometryColumn`,
        );
      }
    } else if (!geometry) {
      throw new MapRenderError(
        `The table ${table.name} has no geometry column, so it cannot be drawn on a map; choose a spatial table.`,
        `${field}.source.table`,
      );
    } else if (geometryColumns.length > 1) {
      throw new MapRenderError(
        `The table ${table.name} has several geometry columns (${geometryColumns.map((c) => c.name).join(', ')}); name the one to draw in "geometryColumn".`,
        `${field}.source.geometryColumn`,
      );
    }
    const columns = checkStyleColumns(
      style,
      field,
      table.columns.map((c) => c.name),
      `The table ${table.name}`,
    );

    const dialect = engine.dialect;
    const from = tableRef(dialect, table.schema, table.name);
    const g = quoteIdent(geometry.name);
    let geomExpr = g;
    if (geometry.srid !== undefined && geometry.srid > 0 && geometry.srid !== 4326)
      geomExpr = `${fn(dialect, 'transform')}(${g}, 4326)`;
    const isPoint = /point/i.test(geometry.geometryType ?? '');

    // One aggregate pass tells whether the layer fits: its size, its vertices and its extent.
    const stats = await engine.run(
      {
        sql: `SELECT count(*) AS n, sum(${fn(dialect, 'npoints')}(${g})) AS v, ${extentSelect(dialect, geometry.name)} FROM ${from} WHERE ${g} IS NOT NULL`,
        params: [],
      },
      { timeoutMs: QUERY_TIMEOUT_MS },
    );
    const row = stats.rows[0] ?? {};
    const total = Number(row.n ?? 0);
    const vertices = Number(row.v ?? 0);
    const span = Math.max(
      Number(row.maxx ?? 0) - Number(row.minx ?? 0),
      Number(row.maxy ?? 0) - Number(row.miny ?? 0),
      1e-6,
    );
    const sentVertices = total > 0 ? vertices * Math.min(1, maxFeaturesPerLayer / total) : 0;
    // Coarser than a pixel only when the budget demands it: the tolerance grows with the overshoot.
    const tolerance =
      !isPoint && sentVertices > maxVerticesPerLayer
        ? (span / EXTENT_STEPS) * Math.max(1, sentVertices / maxVerticesPerLayer / 4)
        : 0;
    if (tolerance > 0) geomExpr = `${fn(dialect, 'simplify')}(${geomExpr}, ${tolerance.toPrecision(6)})`;

    const select = [...columns.map(quoteIdent), `${fn(dialect, 'geojson')}(${geomExpr}, 6) AS "__geom"`].join(
      ', ',
    );
    const order = total > maxFeaturesPerLayer ? ` ORDER BY ${sampleOrder(dialect, g, style)}` : '';
    const result = await engine.run(
      { sql: `SELECT ${select} FROM ${from} WHERE ${g} IS NOT NULL${order}`, params: [] },
      { maxRows: maxFeaturesPerLayer, timeoutMs: QUERY_TIMEOUT_MS },
    );
    const features: SourceFeatures['features'] = [];
    for (const r of result.rows) {
      const geom = parseGeometry(r.__geom);
      if (!geom) continue;
      features.push({
        geometry: geom,
        properties: Object.fromEntries(columns.map((c) => [c, propertyValue(r[c])])),
      });
    }
    let simplified = tolerance > 0;
    const sent = features.reduce((n, f) => n + countVertices(f.geometry), 0);
    if (sent > maxVerticesPerLayer) {
      const fitted = fitVertexBudget(
        features.map((f) => f.geometry),
        maxVerticesPerLayer,
        Math.max(tolerance * 2, span / EXTENT_STEPS),
      );
      fitted.geometries.forEach((geom, i) => (features[i]!.geometry = geom!));
      simplified ||= fitted.simplified;
    }
    return {
      features,
      totalFeatures: Math.max(total, features.length),
      truncated: result.truncated || features.length < total,
      simplified,
    };
  } catch (error) {
    if (error instanceof EngineError)
      throw new MapRenderError(
        `Reading ${source.connection}.${source.table} failed: ${error.message}`,
        `${field}.source`,
      );
    throw error;
  }
}
