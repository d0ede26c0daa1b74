import { z } from 'zod';
import { ident, spatial, sql } from '../sql/SqlNode.ts';
import { columnRef, newColumnName, requireColumn, withAddedColumns } from './columnRules.ts';
import { defineComponent } from './Component.ts';
import { selectColumns } from './selectColumns.ts';

const config = z.strictObject({
  lon: columnRef.describe('numeric column holding longitudes (or x in the given srid)'),
  lat: columnRef.describe('numeric column holding latitudes (or y)'),
  srid: z
    .number()
    .int()
    .min(1024)
    .max(998_999)
    .default(4326)
    .describe('EPSG code of the coordinates (default 4326, WGS 84)'),
  as: newColumnName.default('geom'),
});

export const makePoint = defineComponent({
  name: 'make_point',
  category: 'spatial',
  description:
    'Adds a point geometry built from two numeric columns (longitude and latitude by default), e.g. for tables of coordinates without a geometry column.',
  inputs: [{ name: 'input', description: 'rows with coordinate columns' }],
  config,
  execution: 'sql',
  order: 'preserve',
  columns({ config, inputs }) {
    const columns = inputs.input ?? [];
    requireColumn(columns, config.lon, 'lon', 'numeric');
    requireColumn(columns, config.lat, 'lat', 'numeric');
    return withAddedColumns(
      columns,
      [{ name: config.as, type: 'geometry', srid: config.srid, geometryType: 'POINT' }],
      'as',
    );
  },
  sql({ config, inputs, relations }) {
    const point = spatial(
      'makePoint',
      [
        { kind: 'toFloat', arg: ident(config.lon) },
        { kind: 'toFloat', arg: ident(config.lat) },
      ],
      { srid: config.srid },
    );
    return sql`SELECT ${selectColumns(inputs.input ?? [])}, ${point} AS ${ident(config.as)} FROM ${relations.input!}`;
  },
});
