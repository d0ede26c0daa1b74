import { createSpatialiteEngine } from '../src/engines/index.ts';
import { compileWorkflow, catalogFromDescription } from '../src/workflows/index.ts';
const e = createSpatialiteEngine({ file: '/tmp/mtest/demo.sqlite' });
const catalog = catalogFromDescription(await e.describe());
for (const d of [5000, 20000]) {
const doc = { name: 'p', description: 'x', connection: 'demo', parameters: [], nodes: [
  { id: 'a', component: 'table', config: { table: 'cities', columns: ['name', 'geom'] } },
  { id: 'b', component: 'table', config: { table: 'cities', columns: ['population', 'geom'] } },
  { id: 'pairs', component: 'spatial_join', inputs: { left: 'a', right: 'b' }, config: { predicate: 'within_distance', distance_m: d } },
  { id: 'result', component: 'result', inputs: { input: 'pairs' } } ], output: 'result' };
const c = compileWorkflow(doc, { dialect: 'spatialite', catalog });
const t0 = Date.now();
try { let n = 0; for await (const b of e.stream(c.query, { timeoutMs: 300000, batchSize: 1000, maxRows: 100001 })) n += b.length; console.log(d, 'rows', n, Date.now() - t0, 'ms'); } catch (err) { console.log(d, 'ERR', (err as Error).message, Date.now() - t0); }
}
await e.close();
