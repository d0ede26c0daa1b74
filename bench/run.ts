import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run bench`: runs every benchmark suite, each in its own process, one after another (the
 * machine has two cores; suites running together would measure each other).
 */
const root = join(import.meta.dirname, '..');
const suites = [
  'bench/mcpToolsList.ts',
  'bench/mcpWorkflowCalls.ts',
  'bench/oauth.ts',
  'bench/engines.ts',
  'bench/workflows.ts',
  'bench/jobPath.ts',
  'bench/renderMap.ts',
  'bench/mapFirstPaint.ts',
];
let failed = 0;
for (const suite of suites) {
  if (!existsSync(join(root, suite))) continue;
  process.stdout.write(`\n=== ${suite} ===\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, suite)], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
