import type { Client } from '@modelcontextprotocol/client';
import { callTool, type Structured } from '../../support/mcpCalls.ts';
import { modernHeaders, MODERN, parseBody } from '../mcp/rawMcp.ts';

/**
 * One R5 load client: a user with an SDK client and a raw Tasks-extension path on each of two
 * server processes. Every job is submitted on one process and followed on the other, so each
 * answer also shows that any process answers for any job.
 */
export type JobKind = 'sync' | 'async' | 'cancel';

export interface SeenJob {
  kind: JobKind;
  jobId: string;
  /** The `n` the job was asked for; its one result row must carry it back. */
  n: number;
  /** The terminal state as this client saw it (through the tool or task answers). */
  state: string;
  /** What the last answer said about it (a task's statusMessage), for failure messages. */
  detail?: string;
}

export interface LoadClientOptions {
  /** The two processes' /mcp URLs. */
  mcpUrls: [string, string];
  clients: [Client, Client];
  token: string;
  /** Latencies (ms) of every tasks/get this client made, for the p99. */
  taskGetLatencies: number[];
}

const TASKS = 'io.modelcontextprotocol/tasks';
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'expired']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class R5LoadClient {
  readonly jobs: SeenJob[] = [];
  private nextId = 1;

  constructor(private readonly o: LoadClientOptions) {}

  /** The SDK client on one process. */
  sdk(process: 0 | 1): Client {
    return this.o.clients[process];
  }

  /** A raw 2026-07-28 request that declares the Tasks extension. */
  async raw(
    process: 0 | 1,
    method: string,
    params: Record<string, unknown>,
  ): Promise<{ result?: Structured; error?: { code: number; message: string } }> {
    const name =
      method === 'tools/call'
        ? String(params.name)
        : method.startsWith('tasks/')
          ? String(params.taskId)
          : undefined;
    const response = await fetch(this.o.mcpUrls[process], {
      method: 'POST',
      headers: modernHeaders(this.o.token, method, name),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: this.nextId++,
        method,
        params: {
          ...params,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': MODERN,
            'io.modelcontextprotocol/clientInfo': { name: 'r5-load', version: '1' },
            'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS]: {} } },
          },
        },
      }),
    });
    const text = await response.text();
    if (response.status !== 200)
      throw new Error(`${method} → HTTP ${response.status}: ${text.slice(0, 300)}`);
    return parseBody(text) as { result?: Structured; error?: { code: number; message: string } };
  }

  async taskGet(process: 0 | 1, taskId: string) {
    const started = performance.now();
    const answer = await this.raw(process, 'tasks/get', { taskId });
    this.o.taskGetLatencies.push(performance.now() - started);
    return answer;
  }

  /** Runs `kinds.length` jobs one after another, job i asking for `firstN + i`. */
  async run(kinds: JobKind[], firstN: number, startOn: 0 | 1): Promise<void> {
    for (const [i, kind] of kinds.entries()) {
      const on = ((startOn + i) % 2) as 0 | 1;
      const n = firstN + i;
      if (kind === 'sync') this.jobs.push(await this.runSync(on, n));
      else this.jobs.push(await this.runTask(on, n, kind));
    }
  }

  private async runSync(on: 0 | 1, n: number): Promise<SeenJob> {
    const answer = await callTool(this.o.clients[on], 'r5_lookup', { n });
    if (answer.isError) throw new Error(`sync call failed: ${answer.text}`);
    let structured = answer.s;
    // Past its deadline a sync call answers with a job handle; the job goes on (R12).
    if (!TERMINAL.has(structured.state)) {
      const other = this.o.clients[1 - on]!;
      const jobId = String(structured.jobId);
      let state = String(structured.state);
      while (!TERMINAL.has(state)) {
        await sleep(100);
        state = String((await callTool(other, 'get_job_status', { job_id: jobId })).s.state);
      }
      structured =
        state === 'succeeded'
          ? { ...(await callTool(other, 'get_job_results', { job_id: jobId })).s, state }
          : { jobId, state };
    }
    this.expectOwnRows(structured, n);
    return { kind: 'sync', jobId: String(structured.jobId), n, state: String(structured.state) };
  }

  private async runTask(on: 0 | 1, n: number, kind: 'async' | 'cancel'): Promise<SeenJob> {
    const created = await this.raw(on, 'tools/call', {
      name: kind === 'cancel' ? 'r5_slow' : 'r5_lookup_async',
      arguments: { n },
    });
    if (created.result?.resultType !== 'task')
      throw new Error(`expected a task, got ${JSON.stringify(created).slice(0, 300)}`);
    const taskId = String(created.result.taskId);
    const other = (1 - on) as 0 | 1;
    if (kind === 'cancel') {
      // Mid-way: once a runner has it, not while it waits in the queue.
      for (;;) {
        const status = await callTool(this.o.clients[other], 'get_job_status', { job_id: taskId });
        if (status.s.state !== 'queued') break;
        await sleep(50);
      }
      const cancelled = await this.raw(other, 'tasks/cancel', { taskId });
      if (cancelled.error) throw new Error(`tasks/cancel: ${cancelled.error.message}`);
    }
    for (;;) {
      const task = await this.taskGet(other, taskId);
      if (task.error) throw new Error(`tasks/get ${taskId}: ${task.error.message}`);
      const status = String(task.result!.status);
      if (status === 'working') {
        await sleep(100);
        continue;
      }
      if (status === 'cancelled') return { kind, jobId: taskId, n, state: 'cancelled' };
      const result = task.result!.result as { structuredContent: Structured; isError?: boolean };
      if (status === 'completed' && !result.isError) this.expectOwnRows(result.structuredContent, n);
      return {
        kind,
        jobId: taskId,
        n,
        state: String(result?.structuredContent?.state ?? status),
        detail: String(task.result!.statusMessage),
      };
    }
  }

  private expectOwnRows(structured: Structured, n: number): void {
    if (structured.state !== 'succeeded') return;
    const rows = structured.rows as { n: number }[];
    if (rows.length !== 1 || rows[0]!.n !== n)
      throw new Error(`job ${structured.jobId} asked for n=${n} answered ${JSON.stringify(rows)}`);
  }
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
