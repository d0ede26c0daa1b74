import { describe, expect, it } from 'vitest';
import { closedLoop } from '../../../bench/lib/closedLoop.ts';

describe('closedLoop (bench driver shared by the tool side and the direct-SQL side)', () => {
  it('awaits every call it started before it resolves, and counts each of them', async () => {
    let running = 0;
    let started = 0;
    let finished = 0;
    const result = await closedLoop(
      3,
      0.05,
      async () => {
        running++;
        started++;
        // A call longer than the window: an open-loop tool would cut it off and not count it.
        await new Promise((r) => setTimeout(r, 80));
        running--;
        finished++;
        return true;
      },
      1,
    );
    expect(running).toBe(0);
    expect(finished).toBe(started);
    // One warm-up call, then each of the 3 clients got one call in before the window closed.
    expect(result.calls).toBe(3);
    expect(result.callsPerSecond).toBeGreaterThan(0);
    expect(result.failures).toBe(0);
  });

  it('counts calls that answer false or throw as failures, not as lost', async () => {
    let n = 0;
    let bad = 0;
    const result = await closedLoop(
      1,
      0.03,
      async () => {
        n++;
        await new Promise((r) => setTimeout(r, 5));
        if (n % 2 === 0) {
          bad++;
          throw new Error('refused');
        }
        if (n % 3 === 0) bad++;
        return n % 3 !== 0;
      },
      0,
    );
    expect(n).toBeGreaterThan(2);
    expect(result.calls).toBe(n);
    expect(result.failures).toBe(bad);
  });
});
