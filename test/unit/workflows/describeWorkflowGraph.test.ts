import { describe, expect, it } from 'vitest';
import { describeWorkflowGraph } from '../../../src/workflows/index.ts';

describe('describeWorkflowGraph', () => {
  it('lays nodes out by longest path from a source and summarizes config with parameter references', () => {
    const graph = describeWorkflowGraph({
      nodes: [
        { id: 'a', component: 'table', config: { table: 'cities', columns: ['name', 'geom'] } },
        { id: 'p', component: 'point_input', config: { lon: { $param: 'lon' }, lat: { $param: 'lat' } } },
        { id: 'b', component: 'limit', inputs: { input: 'a' }, config: { count: 5 } },
        {
          id: 'j',
          component: 'spatial_join',
          inputs: { left: 'b', right: 'p' },
          config: { predicate: 'intersects' },
        },
        { id: 'r', component: 'result', inputs: { input: 'j' } },
      ],
      output: 'r',
    });
    expect(Object.fromEntries(graph.nodes.map((n) => [n.id, n.depth]))).toEqual({
      a: 0,
      p: 0,
      b: 1,
      j: 2,
      r: 3,
    });
    const p = graph.nodes.find((n) => n.id === 'p')!;
    expect(p).toMatchObject({
      label: 'Point input',
      kind: 'source',
      config: ['lon: $lon', 'lat: $lat'],
      isOutput: false,
    });
    expect(graph.nodes.find((n) => n.id === 'a')!.config).toEqual(['table: cities', 'columns: name, geom']);
    expect(graph.nodes.find((n) => n.id === 'r')!.isOutput).toBe(true);
    expect(graph.edges.map((e) => e.id)).toEqual(['a->b:input', 'b->j:left', 'p->j:right', 'j->r:input']);
  });

  it('still draws documents that do not validate: unknown components, dangling inputs, cycles', () => {
    const graph = describeWorkflowGraph({
      nodes: [
        { id: 'x', component: 'no_such_thing', inputs: { input: 'y' } },
        { id: 'y', component: 'limit', inputs: { input: 'x' }, config: { count: 'x'.repeat(100) } },
        { id: 'z', component: 'limit', inputs: { input: 'missing' } },
      ],
      output: 'y',
    });
    expect(graph.nodes.find((n) => n.id === 'x')!.kind).toBe('unknown');
    expect(graph.edges.map((e) => e.id)).toEqual(['y->x:input', 'x->y:input']);
    for (const n of graph.nodes) expect(n.depth).toBeLessThan(3);
    expect(graph.nodes.find((n) => n.id === 'y')!.config[0]!.length).toBeLessThanOrEqual(68);
  });
});
