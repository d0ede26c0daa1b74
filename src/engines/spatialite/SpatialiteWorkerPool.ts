import type { ResourceLimits, Worker } from 'node:worker_threads';
import { EngineError } from '../Engine.ts';
import { spawnModuleWorker } from '../spawnModuleWorker.ts';
import type {
  SpatialiteWorkerData,
  SpatialiteWorkerHello,
  SpatialiteWorkerRequest,
  SpatialiteWorkerResponse,
} from './workerProtocol.ts';

/** Distributes `Omit` over the request union, so each op keeps its own fields. */
type RequestBody = SpatialiteWorkerRequest extends infer R
  ? R extends SpatialiteWorkerRequest
    ? Omit<R, 'id'>
    : never
  : never;

export interface CallOptions {
  /** Epoch ms after which the call fails with `timeout` and the worker is terminated. */
  deadline?: number;
  signal?: AbortSignal;
}

export interface SpatialiteWorkerPoolOptions {
  workerData: SpatialiteWorkerData;
  size: number;
  /** Callers allowed to wait for a worker; beyond it `acquire` fails fast with `unavailable`. */
  maxQueue: number;
  resourceLimits?: ResourceLimits;
  /** A worker idle this long is stopped, giving its memory back; the next query starts one. */
  idleTimeoutMs?: number;
}

const workerEntry = new URL('./spatialiteWorker.ts', import.meta.url);

function timeoutError(): EngineError {
  return new EngineError('timeout', 'the query exceeded its time limit and was stopped');
}
function cancelledError(): EngineError {
  return new EngineError('cancelled', 'the query was cancelled');
}

/**
 * One worker thread holding one spl.js database. A call that times out or is aborted terminates
 * the thread (WASM cannot be interrupted cooperatively); the pool then starts a fresh one.
 */
export class PooledWorker {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  dead = false;

  constructor(
    private readonly worker: Worker,
    private readonly onDeath: (worker: PooledWorker) => void,
  ) {
    worker.on('message', (message: SpatialiteWorkerResponse | SpatialiteWorkerHello) => {
      if ('hello' in message) return;
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new EngineError(message.error.code, message.error.message));
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const message =
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? 'the query needed more memory than the embedded engine allows'
          : 'the embedded engine stopped unexpectedly';
      this.kill(new EngineError('unavailable', message));
    });
    worker.on('exit', () =>
      this.kill(new EngineError('unavailable', 'the embedded engine stopped unexpectedly')),
    );
  }

  call(body: RequestBody, options: CallOptions = {}): Promise<unknown> {
    if (this.dead) return Promise.reject(new EngineError('unavailable', 'the embedded engine was restarted'));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
      };
      const stop = (error: EngineError) => {
        cleanup();
        reject(error);
        this.kill(new EngineError('unavailable', 'the embedded engine was restarted'));
      };
      const onAbort = () => stop(cancelledError());
      if (options.signal?.aborted) return stop(cancelledError());
      if (options.deadline !== undefined) {
        const ms = options.deadline - Date.now();
        if (ms <= 0) return stop(timeoutError());
        timer = setTimeout(() => stop(timeoutError()), ms);
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (value) => {
          cleanup();
          resolve(value);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      });
      this.worker.postMessage({ ...body, id });
    });
  }

  /** Terminates the thread and fails whatever else was waiting on it. */
  kill(reason: EngineError): void {
    if (this.dead) return;
    this.dead = true;
    for (const waiter of this.pending.values()) waiter.reject(reason);
    this.pending.clear();
    void this.worker.terminate();
    this.onDeath(this);
  }
}

interface Waiter {
  resolve: (worker: PooledWorker) => void;
  reject: (error: Error) => void;
}

/** A small pool of spl.js workers with a bounded FIFO queue. Workers start lazily. */
export class SpatialiteWorkerPool {
  private readonly idle: PooledWorker[] = [];
  private readonly live = new Set<PooledWorker>();
  private starting = 0;
  private readonly waiters: Waiter[] = [];
  private readonly idleTimers = new Map<PooledWorker, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: SpatialiteWorkerPoolOptions) {}

  /** A worker for the caller's exclusive use until `release`; bounded by the deadline and signal. */
  acquire(options: CallOptions = {}): Promise<PooledWorker> {
    if (this.closed) return Promise.reject(new EngineError('unavailable', 'the engine is closed'));
    if (options.signal?.aborted) return Promise.reject(cancelledError());
    if (this.waiters.length >= this.options.maxQueue) {
      return Promise.reject(
        new EngineError('unavailable', 'the embedded engine is busy: too many queries are waiting'),
      );
    }
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
      };
      const waiter: Waiter = {
        resolve: (worker) => {
          settle();
          resolve(worker);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      const onAbort = () => waiter.reject(cancelledError());
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.deadline !== undefined)
        timer = setTimeout(() => waiter.reject(timeoutError()), Math.max(0, options.deadline - Date.now()));
      this.waiters.push(waiter);
      this.pump();
    });
  }

  release(worker: PooledWorker): void {
    if (worker.dead) return;
    if (this.closed) {
      worker.kill(new EngineError('unavailable', 'the engine is closed'));
      return;
    }
    this.idle.push(worker);
    this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of [...this.waiters])
      waiter.reject(new EngineError('unavailable', 'the engine is closed'));
    for (const worker of [...this.live]) worker.kill(new EngineError('unavailable', 'the engine is closed'));
  }

  /** Number of worker threads alive or starting (for tests and metrics). */
  get size(): number {
    return this.live.size + this.starting;
  }

  private pump(): void {
    while (this.waiters.length > 0 && this.idle.length > 0) {
      const worker = this.idle.shift()!;
      clearTimeout(this.idleTimers.get(worker));
      this.idleTimers.delete(worker);
      this.waiters[0]!.resolve(worker);
    }
    this.reapIdle();
    while (this.waiters.length > this.starting && this.live.size + this.starting < this.options.size)
      this.start();
  }

  /** Each idle worker gets a timer; one still idle when it fires is stopped. */
  private reapIdle(): void {
    const ms = this.options.idleTimeoutMs;
    if (ms === undefined) return;
    for (const worker of this.idle) {
      if (this.idleTimers.has(worker)) continue;
      const timer = setTimeout(() => {
        this.idleTimers.delete(worker);
        if (this.idle.includes(worker)) worker.kill(new EngineError('unavailable', 'the worker was idle'));
      }, ms);
      timer.unref();
      this.idleTimers.set(worker, timer);
    }
  }

  private start(): void {
    this.starting++;
    const thread = spawnModuleWorker(workerEntry, {
      workerData: this.options.workerData,
      resourceLimits: this.options.resourceLimits,
      // SpatiaLite prints diagnostics to stderr that duplicate the SQL errors we return: drop them
      stderr: true,
    });
    thread.stderr.resume();
    let settled = false;
    const fail = (error: EngineError) => {
      if (settled) return;
      settled = true;
      this.starting--;
      void thread.terminate();
      // nobody else can succeed where this start failed (missing file, broken build): fail the queue now
      for (const waiter of [...this.waiters]) waiter.reject(error);
    };
    thread.once('error', () => fail(new EngineError('unavailable', 'the embedded engine could not start')));
    thread.once('exit', () => fail(new EngineError('unavailable', 'the embedded engine could not start')));
    thread.once('message', (hello: SpatialiteWorkerHello) => {
      if (hello.hello === 'failed') return fail(new EngineError(hello.error.code, hello.error.message));
      settled = true;
      this.starting--;
      thread.removeAllListeners('error');
      thread.removeAllListeners('exit');
      const worker = new PooledWorker(thread, (dead) => {
        clearTimeout(this.idleTimers.get(dead));
        this.idleTimers.delete(dead);
        this.live.delete(dead);
        const index = this.idle.indexOf(dead);
        if (index >= 0) this.idle.splice(index, 1);
        if (!this.closed) this.pump();
      });
      this.live.add(worker);
      if (this.closed) worker.kill(new EngineError('unavailable', 'the engine is closed'));
      else this.release(worker);
    });
  }
}
