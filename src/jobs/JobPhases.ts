/**
 * Where one job attempt spends its time, by phase (claim, connection, catalog, compile, query,
 * store, progress, finish). The runner logs the totals at debug level when the attempt ends
 * (`MERIDIAN_LOG_LEVEL=debug`), so a slow job can be explained without a profiler; the cost
 * when not logged is two `performance.now()` calls per timed step.
 */
export class JobPhases {
  private readonly totals: Record<string, number> = {};
  private readonly started = performance.now();

  /** Adds the time `work` takes to `phase` (time spent waiting on it, whatever it does). */
  async time<T>(phase: string, work: Promise<T> | (() => Promise<T>)): Promise<T> {
    const t0 = performance.now();
    try {
      return await (typeof work === 'function' ? work() : work);
    } finally {
      this.add(phase, performance.now() - t0);
    }
  }

  add(phase: string, ms: number): void {
    this.totals[phase] = (this.totals[phase] ?? 0) + ms;
  }

  /** Milliseconds per phase, rounded to 0.1 ms, plus `total` since this object was made. */
  summary(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [phase, ms] of Object.entries(this.totals)) out[phase] = Math.round(ms * 10) / 10;
    out.total = Math.round((performance.now() - this.started) * 10) / 10;
    return out;
  }
}
