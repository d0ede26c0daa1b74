import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
const workerUrl = new URL('./worker.ts', import.meta.url).href;
const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(workerUrl)}); }).catch((e) => { throw e; });`;
const w = new Worker(code, { eval: true });
w.on('message', (m) => { console.log('got', m); void w.terminate(); });
w.on('error', (e) => console.log('err', e));
