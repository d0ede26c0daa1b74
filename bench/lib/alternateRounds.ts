import autocannon from 'autocannon';
import { processCpuMicros } from './processCpu.ts';

export interface RoundTarget {
  label: string;
  pid: number;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface WindowResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  failures: number;
}

export interface RoundsResult {
  label: string;
  windows: WindowResult[];
  /** Medians over the rounds. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  failures: number;
}

/** One bounded load window against one target, with the target process's CPU time around it. */
export async function loadWindow(
  target: RoundTarget,
  durationS: number,
  connections: number,
): Promise<WindowResult> {
  const cpuBefore = processCpuMicros(target.pid);
  const result = await autocannon({
    url: target.url,
    method: 'POST',
    headers: target.headers,
    body: target.body,
    connections,
    duration: durationS,
  });
  const cpuAfter = processCpuMicros(target.pid);
  const requests = result.requests.total;
  return {
    requests,
    requestsPerSecond: requests / durationS,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    cpuMicrosPerRequest: requests ? (cpuAfter - cpuBefore) / requests : Number.NaN,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

/**
 * Warms a target up until its throughput settles: 1 s windows until the mean of the last two is
 * within `tolerance` of the mean of the two before (single windows agree by chance on a loaded
 * machine while a slow-to-warm target is still climbing), at least `minWindows`, at most
 * `maxWindows` (a loaded machine may never settle). Returns the windows' req/s for the report.
 */
export async function warmUntilSteady(
  target: RoundTarget,
  connections: number,
  { tolerance = 0.05, minWindows = 6, maxWindows = 20 } = {},
): Promise<{ windows: number[]; steady: boolean }> {
  const windows: number[] = [];
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  for (let i = 0; i < maxWindows; i++) {
    windows.push((await loadWindow(target, 1, connections)).requestsPerSecond);
    if (windows.length < Math.max(minWindows, 4)) continue;
    const before = mean(windows.slice(-4, -2));
    if (Math.abs(mean(windows.slice(-2)) - before) / before <= tolerance) return { windows, steady: true };
  }
  return { windows, steady: false };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Alternates the targets in `rounds` rounds of `durationS` each, rotating the order every round
 * so that no target always runs first (or right after the same neighbour) while the machine's
 * background load drifts; reports the median of each figure over the rounds.
 */
export async function alternateRounds(
  targets: RoundTarget[],
  { rounds = 4, durationS = 3, connections = 16 } = {},
): Promise<RoundsResult[]> {
  const windows = new Map<string, WindowResult[]>(targets.map((t) => [t.label, []]));
  for (let round = 0; round < rounds; round++) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    for (const target of order)
      windows.get(target.label)!.push(await loadWindow(target, durationS, connections));
  }
  return targets.map((t) => {
    const w = windows.get(t.label)!;
    return {
      label: t.label,
      windows: w,
      requestsPerSecond: median(w.map((x) => x.requestsPerSecond)),
      p50Ms: median(w.map((x) => x.p50Ms)),
      p99Ms: median(w.map((x) => x.p99Ms)),
      cpuMicrosPerRequest: median(w.map((x) => x.cpuMicrosPerRequest)),
      failures: w.reduce((sum, x) => sum + x.failures, 0),
    };
  });
}
