import { describe, expect, it } from 'vitest';
import { formatIssue, validateWorkflow, type WorkflowIssue } from '../../../src/workflows/index.ts';
import { catalog, doc } from './fixtureCatalog.ts';

function issuesOf(input: unknown, role?: 'viewer' | 'editor'): WorkflowIssue[] {
  const result = validateWorkflow(input, catalog, role ? { role } : {});
  expect(result.ok).toBe(false);
  return result.issues;
}

const cities = { id: 'cities', component: 'table', config: { table: 'cities' } };

describe('validateWorkflow', () => {
  it('accepts a valid workflow and reports its plan', () => {
    const result = validateWorkflow(
      doc(
        [cities, { id: 'b', component: 'buffer', inputs: { input: 'cities' }, config: { distance_m: 10 } }],
        'b',
      ),
      catalog,
    );
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.plan.order).toEqual(['cities', 'b']);
      expect(result.plan.nodes.get('b')!.columns.map((c) => c.name)).toEqual([
        'name',
        'population',
        'founded',
        'geom',
      ]);
      expect(result.plan.requiredRole).toBe('viewer');
    }
  });

  it('unknown component: names the node and suggests the closest name', () => {
    const [issue] = issuesOf(
      doc([cities, { id: 'buf', component: 'bufer', inputs: { input: 'cities' } }], 'buf'),
    );
    expect(issue).toMatchObject({ code: 'unknown_component', node: 'buf', field: 'component' });
    expect(formatIssue(issue!)).toMatch(/node "buf".*no component "bufer".*Fix: did you mean "buffer"/);
  });

  it('missing input: names the port and how to connect it', () => {
    const [issue] = issuesOf(doc([cities, { id: 'b', component: 'buffer', config: { distance_m: 1 } }], 'b'));
    expect(issue).toMatchObject({ code: 'missing_input', node: 'b', field: 'inputs.input' });
    expect(issue!.fix).toMatch(/set inputs.input to the id of the node/);
  });

  it('extra input: lists the ports the component has', () => {
    const issues = issuesOf(
      doc(
        [
          cities,
          {
            id: 'b',
            component: 'buffer',
            inputs: { input: 'cities', other: 'cities' },
            config: { distance_m: 1 },
          },
        ],
        'b',
      ),
    );
    expect(issues[0]).toMatchObject({ code: 'extra_input', node: 'b', field: 'inputs.other' });
    expect(issues[0]!.fix).toMatch(/ports are: input/);
    const source = issuesOf(doc([{ ...cities, inputs: { input: 'cities' } }], 'cities'));
    expect(source[0]!.fix).toMatch(/it is a source: remove its inputs/);
  });

  it('input from a node that does not exist', () => {
    const [issue] = issuesOf(
      doc([cities, { id: 'b', component: 'centroid', inputs: { input: 'citiez' } }], 'b'),
    );
    expect(issue).toMatchObject({ code: 'unknown_node', node: 'b' });
    expect(issue!.fix).toMatch(/did you mean "cities"/);
  });

  it('cycle: names the nodes on it and the fix', () => {
    const [issue] = issuesOf(
      doc(
        [
          { id: 'a', component: 'centroid', inputs: { input: 'b' } },
          { id: 'b', component: 'centroid', inputs: { input: 'a' } },
        ],
        'b',
      ),
    );
    expect(issue).toMatchObject({ code: 'cycle', node: 'a' });
    expect(issue!.message).toMatch(/"a", "b" feed each other in a cycle/);
    expect(issue!.fix).toMatch(/remove one of the inputs/);
  });

  it('unknown column: lists the available columns', () => {
    const [issue] = issuesOf(
      doc(
        [
          cities,
          {
            id: 'f',
            component: 'filter',
            inputs: { input: 'cities' },
            config: { conditions: [{ column: 'pop', op: '>', value: 1 }] },
          },
        ],
        'f',
      ),
    );
    expect(issue).toMatchObject({ code: 'unknown_column', node: 'f', field: 'config.conditions.0.column' });
    expect(issue!.fix).toMatch(
      /use one of: name \(text\), population \(integer\), founded \(date\), geom \(geometry\)/,
    );
  });

  it('unknown table: lists the known tables', () => {
    const [issue] = issuesOf(doc([{ id: 't', component: 'table', config: { table: 'citys' } }], 't'));
    expect(issue).toMatchObject({ code: 'unknown_table', node: 't', field: 'config.table' });
    expect(issue!.fix).toMatch(/cities, countries/);
  });

  it('type mismatch: a buffer on a non-geometry column', () => {
    const [issue] = issuesOf(
      doc(
        [
          cities,
          {
            id: 'b',
            component: 'buffer',
            inputs: { input: 'cities' },
            config: { distance_m: 5, geometry: 'name' },
          },
        ],
        'b',
      ),
    );
    expect(issue).toMatchObject({ code: 'type_mismatch', node: 'b', field: 'config.geometry' });
    expect(issue!.message).toMatch(/column "name" is text, but this needs a geometry column/);
    expect(issue!.fix).toMatch(/use a geometry column: geom/);
  });

  it('type mismatch: a parameter of the wrong type', () => {
    const [issue] = issuesOf(
      doc(
        [
          cities,
          {
            id: 'b',
            component: 'buffer',
            inputs: { input: 'cities' },
            config: { distance_m: { $param: 'who' } },
          },
        ],
        'b',
        [{ name: 'who', type: 'string' }],
      ),
    );
    expect(issue).toMatchObject({ code: 'type_mismatch', node: 'b', field: 'config.distance_m' });
    expect(issue!.fix).toMatch(/declare "who" with type number or integer/);
  });

  it('parameter used but not declared', () => {
    const [issue] = issuesOf(
      doc(
        [
          cities,
          {
            id: 'b',
            component: 'buffer',
            inputs: { input: 'cities' },
            config: { distance_m: { $param: 'radius' } },
          },
        ],
        'b',
        [{ name: 'radios', type: 'number' }],
      ),
    );
    expect(issue).toMatchObject({ code: 'undeclared_parameter', node: 'b', field: 'config.distance_m' });
    expect(issue!.fix).toMatch(/did you mean "radios"/);
  });

  it('config out of range names the field and the bound', () => {
    const [issue] = issuesOf(
      doc(
        [cities, { id: 'b', component: 'buffer', inputs: { input: 'cities' }, config: { distance_m: 5e9 } }],
        'b',
      ),
    );
    expect(issue).toMatchObject({ code: 'invalid_config', node: 'b', field: 'config.distance_m' });
    expect(issue!.message).toMatch(/1000000/);
    const [limit] = issuesOf(
      doc([cities, { id: 'l', component: 'limit', inputs: { input: 'cities' }, config: { count: -1 } }], 'l'),
    );
    expect(limit).toMatchObject({ code: 'invalid_config', node: 'l', field: 'config.count' });
  });

  it('a parameter in a field that takes none is refused with a clear fix', () => {
    const [issue] = issuesOf(
      doc([{ id: 't', component: 'table', config: { table: { $param: 'which' } } }], 't', [
        { name: 'which', type: 'string' },
      ]),
    );
    expect(issue).toMatchObject({ code: 'invalid_config', node: 't', field: 'config.table' });
    expect(issue!.message).toMatch(/cannot take a parameter/);
  });

  it('host steps must come last', () => {
    const issues = issuesOf(
      doc(
        [
          cities,
          { id: 'h', component: 'h3_index', inputs: { input: 'cities' }, config: { resolution: 5 } },
          { id: 'f', component: 'limit', inputs: { input: 'h' }, config: { count: 5 } },
        ],
        'f',
      ),
    );
    expect(issues[0]).toMatchObject({ code: 'host_step_order', node: 'f' });
    expect(issues[0]!.fix).toMatch(/move the H3 nodes to the end/);
  });

  it('h3_index on polygons asks for a centroid first', () => {
    const [issue] = issuesOf(
      doc(
        [
          { id: 'c', component: 'table', config: { table: 'countries' } },
          { id: 'h', component: 'h3_index', inputs: { input: 'c' }, config: { resolution: 5 } },
        ],
        'h',
      ),
    );
    expect(issue).toMatchObject({ code: 'type_mismatch', node: 'h' });
    expect(issue!.fix).toMatch(/add a centroid/);
  });

  it('dangling nodes and a wrong output are reported', () => {
    expect(
      issuesOf(doc([cities, { id: 'x', component: 'table', config: { table: 'countries' } }], 'cities'))[0],
    ).toMatchObject({ code: 'unreachable_output', node: 'x' });
    expect(issuesOf(doc([cities], 'nope'))[0]).toMatchObject({ code: 'unknown_node', field: 'output' });
  });

  it('viewers cannot use editor components', () => {
    const sqlNode = {
      id: 'q',
      component: 'sql_query',
      config: { sql: 'SELECT 1 AS one', columns: [{ name: 'one', type: 'integer' }] },
    };
    expect(issuesOf(doc([sqlNode], 'q'), 'viewer')[0]).toMatchObject({ code: 'forbidden', node: 'q' });
    const ok = validateWorkflow(doc([sqlNode], 'q'), catalog, { role: 'editor' });
    expect(ok.ok && ok.plan.requiredRole).toBe('editor');
  });

  it('sql_query refuses more than one statement, writes and file functions', () => {
    const bad = [
      'SELECT 1; DROP TABLE cities',
      "SELECT load_extension('x')",
      'DELETE FROM cities',
      'SELECT * FROM cities WHERE name = ?',
      "SELECT pg_read_file('/etc/passwd')",
      'ATTACH DATABASE x AS y',
      'SELECT 1 /* unterminated',
    ];
    for (const text of bad) {
      const [issue] = issuesOf(
        doc(
          [
            {
              id: 'q',
              component: 'sql_query',
              config: { sql: text, columns: [{ name: 'a', type: 'text' }] },
            },
          ],
          'q',
        ),
      );
      expect(issue, text).toMatchObject({ code: 'invalid_config', node: 'q', field: 'config.sql' });
    }
    const fine = validateWorkflow(
      doc(
        [
          {
            id: 'q',
            component: 'sql_query',
            config: {
              sql: "SELECT name FROM cities WHERE name <> ';' -- a ; comment",
              columns: [{ name: 'name', type: 'text' }],
            },
          },
        ],
        'q',
      ),
      catalog,
    );
    expect(fine.ok).toBe(true);
  });

  it('document shape errors name the path', () => {
    const issues = issuesOf({ name: 'bad name!', nodes: [], output: 'x' });
    expect(issues.map((i) => i.field)).toEqual(expect.arrayContaining(['name', 'nodes']));
    const tooLong = issuesOf({ name: 'x', description: 'a'.repeat(9000), nodes: [cities], output: 'cities' });
    expect(tooLong[0]!.field).toBe('description');
  });
});
