import autocannon from 'autocannon';

export interface Measurement {
  label: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

/** A bounded load run (fixed duration, fixed connections) against one URL. */
export async function measure(
  label: string,
  options: {
    url: string;
    headers: Record<string, string>;
    body: string;
    connections?: number;
    durationS?: number;
  },
): Promise<Measurement> {
  const run = (durationS: number) =>
    autocannon({
      url: options.url,
      method: 'POST',
      headers: options.headers,
      body: options.body,
      connections: options.connections ?? 16,
      duration: durationS,
    });
  await run(1); // warm-up: JIT, pools, caches
  const result = await run(options.durationS ?? 5);
  return {
    label,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

export function printTable(title: string, rows: Measurement[], reference: string): void {
  const ref = rows.find((r) => r.label.startsWith(reference));
  process.stdout.write(`\n${title}\n`);
  process.stdout.write(
    `${'target'.padEnd(46)}${'req/s'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'vs ' + reference.padEnd(6)}  errors\n`,
  );
  for (const r of rows) {
    const ratio = ref ? (r.requestsPerSecond / ref.requestsPerSecond).toFixed(2) + '×' : '';
    process.stdout.write(
      `${r.label.padEnd(46)}${r.requestsPerSecond.toFixed(0).padStart(10)}${r.p50Ms.toFixed(1).padStart(9)}${r.p99Ms.toFixed(1).padStart(9)}${ratio.padStart(10)}  ${r.errors + r.non2xx}\n`,
    );
  }
}
