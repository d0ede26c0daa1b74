import { catalogFromDescription } from '../../../src/workflows/index.ts';

/** A small catalog for pure tests: no engine is started. */
export const HOSTILE = 'x"; DROP TABLE y;--';

export const catalog = catalogFromDescription({
  schemas: ['public'],
  tables: [
    {
      schema: 'public',
      name: 'cities',
      columns: [
        { name: 'name', type: 'text' },
        { name: 'population', type: 'integer' },
        { name: 'founded', type: 'date' },
        { name: 'geom', type: 'geometry', srid: 4326, geometryType: 'POINT' },
      ],
    },
    {
      schema: 'public',
      name: 'countries',
      columns: [
        { name: 'name', type: 'text' },
        { name: 'geom', type: 'geometry', srid: 4326, geometryType: 'MULTIPOLYGON' },
      ],
    },
    {
      schema: 'public',
      name: HOSTILE,
      columns: [
        { name: HOSTILE, type: 'text' },
        { name: 'geom', type: 'geometry', srid: 3857 },
      ],
    },
  ],
});

export function doc(nodes: unknown[], output: string, parameters: unknown[] = []) {
  return { name: 'test', parameters, nodes, output };
}
