export interface ClosedLoopResult {
  callsPerSecond: number;
  p50Ms: number;
  calls: number;
  failures: number;
}

/**
 * `clients` callers each running `call` back to back for `seconds`, after `warmUp` calls in a
 * row. Every call started is awaited, and the rate is over the time actually taken: a call that
 * takes a second is counted like a fast one, and none is left running behind the window (an
 * open-loop load tool cuts those off, and a server keeps working on them while the next
 * measurement runs). Both sides of a comparison should go through this one loop.
 */
export async function closedLoop(
  clients: number,
  seconds: number,
  call: () => Promise<boolean>,
  warmUp = 3,
): Promise<ClosedLoopResult> {
  for (let i = 0; i < warmUp; i++) await call();
  const latencies: number[] = [];
  let failures = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const s = performance.now();
        const ok = await call().catch(() => false);
        latencies.push(performance.now() - s);
        if (!ok) failures++;
      }
    }),
  );
  const elapsedS = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    callsPerSecond: latencies.length / elapsedS,
    p50Ms: latencies[Math.floor(latencies.length / 2)] ?? 0,
    calls: latencies.length,
    failures,
  };
}
