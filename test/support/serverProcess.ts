import { spawn, type ChildProcess } from 'node:child_process';
import { TEST_CONNECTION_HOSTS } from './testServer.ts';

/**
 * `meridian serve` in a child process of its own (for tests that kill, stop or run several
 * servers). Resolves once stdout shows `readyWhen`; rejects with everything the server printed if
 * it exits first or takes more than a minute. Run from the repository root.
 */
export function spawnServerProcess(options: {
  env: Record<string, string>;
  /** Extra arguments after `serve`, e.g. `--demo`. */
  args?: string[];
  /** Printed once the server is ready: the MCP URL line by default. */
  readyWhen?: string;
}): Promise<ChildProcess> {
  const readyWhen = options.readyWhen ?? '/mcp';
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', 'serve', ...(options.args ?? [])],
      {
        env: {
          ...process.env,
          MERIDIAN_LOG_LEVEL: 'warn',
          MERIDIAN_CONNECTION_HOSTS: TEST_CONNECTION_HOSTS,
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes(readyWhen)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr!.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
}
