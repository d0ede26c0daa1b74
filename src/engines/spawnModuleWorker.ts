import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

const require = createRequire(import.meta.url);

/** URL of tsx's ESM API (`tsx/esm/api`, import condition), read from its package.json exports. */
function tsxEsmApiUrl(): string {
  const packageJson = require.resolve('tsx/package.json');
  const exportsMap = JSON.parse(readFileSync(packageJson, 'utf8')).exports as Record<
    string,
    { import?: { default?: string } }
  >;
  const relative = exportsMap['./esm/api']?.import?.default;
  if (!relative) throw new Error('tsx does not export tsx/esm/api for import');
  return pathToFileURL(join(dirname(packageJson), relative)).href;
}

/**
 * Starts a worker thread from an ES module, TypeScript included. On Node 20 a worker does not
 * inherit the parent's `--import tsx` hooks, and `execArgv: ['--import', 'tsx']` is applied too
 * late for the entry module itself (ERR_UNKNOWN_FILE_EXTENSION), so for a `.ts` entry a tiny eval
 * bootstrap registers tsx's ESM loader inside the worker first and then imports the entry. The
 * same path works under vitest, `node --import tsx` and `npx tsx`.
 */
export function spawnModuleWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const bootstrap = `import(${JSON.stringify(tsxEsmApiUrl())}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
