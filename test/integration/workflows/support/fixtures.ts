import type { CatalogDescription } from '../../../../src/engines/Engine.ts';

/**
 * Hand-made data both engines load identically; expected answers in the tests are computed
 * from these coordinates by hand or with turf, never by our SQL.
 *
 *   countries: four 10°×10° squares (Alpha, Beta, Gamma) and a triangle (Delta) at the equator
 *   cities: points with known memberships and distances
 *   roads: lines with known geodesic lengths
 *   cities_3857: the cities stored in Web Mercator, to check units do not depend on the SRID
 *   hostile: a table whose column name is an injection attempt (SECURITY-TESTS G3)
 */
export interface FixtureTable {
  name: string;
  columns: { name: string; sqlite: string; pg: string; type: string }[];
  geometry?: { name: string; srid: number; type: string };
  rows: { values: unknown[]; wkt?: string }[];
}

export const HOSTILE_COLUMN = 'x"; DROP TABLE y;--';

const square = (x0: number, y0: number, size: number) =>
  `POLYGON((${x0} ${y0}, ${x0 + size} ${y0}, ${x0 + size} ${y0 + size}, ${x0} ${y0 + size}, ${x0} ${y0}))`;

export const countryRows = [
  { name: 'Alpha', iso_a3: 'ALP', continent: 'Africa', pop_est: 1000, wkt: square(0, 0, 10) },
  { name: 'Beta', iso_a3: 'BET', continent: 'Africa', pop_est: 2000, wkt: square(10, 0, 10) },
  { name: 'Gamma', iso_a3: 'GAM', continent: 'Europe', pop_est: 3000, wkt: square(0, 10, 10) },
  {
    name: 'Delta',
    iso_a3: 'DEL',
    continent: 'Europe',
    pop_est: 500,
    wkt: 'POLYGON((30 0, 40 0, 30 10, 30 0))',
  },
];

export const cityRows = [
  { name: 'a1', country: 'Alpha', population: 100, lon: 2, lat: 2 },
  { name: 'a2', country: 'Alpha', population: 300, lon: 5, lat: 5 },
  { name: 'a3', country: 'Alpha', population: 200, lon: 8, lat: 1 },
  { name: 'b1', country: 'Beta', population: 1000, lon: 15, lat: 5 },
  { name: 'b2', country: 'Beta', population: 50, lon: 12.5, lat: 7.25 },
  { name: 'g1', country: 'Gamma', population: 700, lon: 5, lat: 15 },
  { name: 'd1', country: 'Delta', population: 10, lon: 31, lat: 1 },
  { name: 'x1', country: null, population: 5, lon: 50, lat: 50 },
  { name: "O'Hare ' OR 1=1--", country: 'Alpha', population: 1, lon: 3, lat: 3 },
];

export const roadRows = [
  { name: 'equator', wkt: 'LINESTRING(0 0, 1 0)' },
  { name: 'meridian', wkt: 'LINESTRING(0 0, 0 1)' },
  { name: 'north', wkt: 'LINESTRING(10 60, 11 60, 11 61)' },
];

function mercator(lon: number, lat: number): [number, number] {
  const r = 6378137;
  return [(r * lon * Math.PI) / 180, r * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360))];
}

export const tables: FixtureTable[] = [
  {
    name: 'countries',
    columns: [
      { name: 'name', sqlite: 'TEXT', pg: 'text', type: 'text' },
      { name: 'iso_a3', sqlite: 'TEXT', pg: 'text', type: 'text' },
      { name: 'continent', sqlite: 'TEXT', pg: 'text', type: 'text' },
      { name: 'pop_est', sqlite: 'INTEGER', pg: 'bigint', type: 'bigint' },
    ],
    geometry: { name: 'geom', srid: 4326, type: 'POLYGON' },
    rows: countryRows.map((c) => ({ values: [c.name, c.iso_a3, c.continent, c.pop_est], wkt: c.wkt })),
  },
  {
    name: 'cities',
    columns: [
      { name: 'name', sqlite: 'TEXT', pg: 'text', type: 'text' },
      { name: 'country', sqlite: 'TEXT', pg: 'text', type: 'text' },
      { name: 'population', sqlite: 'INTEGER', pg: 'integer', type: 'integer' },
      { name: 'lon', sqlite: 'REAL', pg: 'double precision', type: 'double precision' },
      { name: 'lat', sqlite: 'REAL', pg: 'double precision', type: 'double precision' },
    ],
    geometry: { name: 'geom', srid: 4326, type: 'POINT' },
    rows: cityRows.map((c) => ({
      values: [c.name, c.country, c.population, c.lon, c.lat],
      wkt: `POINT(${c.lon} ${c.lat})`,
    })),
  },
  {
    name: 'cities_3857',
    columns: [{ name: 'name', sqlite: 'TEXT', pg: 'text', type: 'text' }],
    geometry: { name: 'geom', srid: 3857, type: 'POINT' },
    rows: cityRows
      .filter((c) => c.lat < 80)
      .map((c) => ({ values: [c.name], wkt: `POINT(${mercator(c.lon, c.lat).join(' ')})` })),
  },
  {
    name: 'roads',
    columns: [{ name: 'name', sqlite: 'TEXT', pg: 'text', type: 'text' }],
    geometry: { name: 'geom', srid: 4326, type: 'LINESTRING' },
    rows: roadRows.map((r) => ({ values: [r.name], wkt: r.wkt })),
  },
  {
    name: 'hostile',
    columns: [
      { name: 'id', sqlite: 'INTEGER', pg: 'integer', type: 'integer' },
      { name: HOSTILE_COLUMN, sqlite: 'TEXT', pg: 'text', type: 'text' },
    ],
    rows: [{ values: [1, 'one'] }, { values: [2, 'two'] }],
  },
  {
    name: 'y',
    columns: [{ name: 'id', sqlite: 'INTEGER', pg: 'integer', type: 'integer' }],
    rows: [{ values: [1] }],
  },
];

/** What an engine's describe() reports for the fixtures (the same on both engines). */
export const fixtureCatalog: CatalogDescription = {
  schemas: ['main'],
  tables: tables.map((t) => ({
    schema: '',
    name: t.name,
    columns: [
      ...t.columns.map((c) => ({ name: c.name, type: c.type })),
      ...(t.geometry
        ? [{ name: t.geometry.name, type: 'geometry', srid: t.geometry.srid, geometryType: t.geometry.type }]
        : []),
    ],
  })),
};
