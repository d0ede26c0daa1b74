import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface Target {
  info: { url: string; token?: string };
  child: ChildProcess;
  stop(): Promise<void>;
}

const root = join(import.meta.dirname, '..', '..');

/** Runs a bench target in its own process (so load generation does not share its event loop). */
export function startTarget(script: string, env: Record<string, string> = {}): Promise<Target> {
  return new Promise((resolve, reject) => {
    // BENCH_CPU_PROF=<dir>: the target writes a V8 CPU profile there when stopped.
    const profile = process.env.BENCH_CPU_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
      : [];
    const child = spawn(process.execPath, [...profile, '--import', 'tsx', join(root, script)], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // A bench that crashes must not leave its target running (it would load the next runs).
    process.once('exit', () => child.kill('SIGKILL'));
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not start`)), 30_000);
    child.stdout!.on('data', (data) => {
      out += data;
      const line = out.split('\n').find((l) => l.startsWith('READY '));
      if (line) {
        clearTimeout(timer);
        resolve({
          info: JSON.parse(line.slice(6)),
          child,
          stop: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              // SIGINT lets a profiled target exit normally, which is when V8 writes the profile.
              child.kill(profile.length ? 'SIGINT' : 'SIGKILL');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}
