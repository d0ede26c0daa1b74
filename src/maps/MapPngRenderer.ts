import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../engines/index.ts';
import { MapRenderError } from './MapRenderError.ts';
import { packedBuffers, type PackedMap } from './packMap.ts';
import type { PngOptions } from './renderMapSvg.ts';

export interface MapPngRequest {
  id: number;
  map: PackedMap;
  size: PngOptions;
}

export type MapPngResponse =
  | { id: number; ok: true; png: Uint8Array }
  | { id: number; ok: false; message: string }
  /** Sent once the worker has loaded, so start-up never counts against a render's time limit. */
  | { ready: true };

export interface MapPngRendererOptions {
  /** Worker threads drawing at once. */
  size: number;
  /** Renders allowed to wait for a thread; beyond it a render fails fast (the server is overloaded). */
  maxQueue: number;
  /** A render taking longer is abandoned and its thread replaced. */
  timeoutMs: number;
}

/** One thread at most on a small machine: rendering must leave a core to the event loop and the engine. */
export const DEFAULT_PNG_RENDERER: MapPngRendererOptions = {
  size: Math.max(1, Math.min(2, availableParallelism() - 1)),
  maxQueue: 32,
  timeoutMs: 30_000,
};

const workerEntry = new URL('./mapPngWorker.ts', import.meta.url);

interface Job {
  request: MapPngRequest;
  resolve: (png: Buffer) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  ready: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
}

/**
 * Draws PNGs in worker threads, so a render (SVG build ~50–150 ms, rasterizing and encoding a
 * few hundred ms for the demo maps) never holds the event loop that answers every other request.
 * A bounded FIFO queue in front of a few lazily started threads; a render past its time limit
 * terminates its thread (resvg cannot be interrupted) and a fresh one takes the next render.
 * Idle threads are unref'd: they do not keep the process alive.
 */
export class MapPngRenderer {
  private readonly threads = new Set<Thread>();
  private readonly queue: Job[] = [];
  private nextId = 1;

  constructor(private readonly options: MapPngRendererOptions = DEFAULT_PNG_RENDERER) {}

  /** Renders the packed map; its buffers are transferred to the worker and unusable afterwards. */
  render(map: PackedMap, size: PngOptions = {}): Promise<Buffer> {
    if (this.queue.length >= this.options.maxQueue) {
      return Promise.reject(
        new MapRenderError(
          'The map image renderer is busy with other maps; try again in a few seconds.',
          undefined,
          5,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { id: this.nextId++, map, size }, resolve, reject });
      this.pump();
    });
  }

  /** Stops every thread; queued and running renders fail. */
  async close(): Promise<void> {
    const closed = new MapRenderError('The map image renderer stopped.');
    for (const job of this.queue.splice(0)) job.reject(closed);
    await Promise.all([...this.threads].map((thread) => this.retire(thread, closed)));
  }

  /** Threads alive (for tests). */
  get threadCount(): number {
    return this.threads.size;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const idle = [...this.threads].find((t) => t.ready && !t.job);
      if (!idle) {
        if (this.threads.size < this.options.size) this.start();
        break;
      }
      this.dispatch(idle, this.queue.shift()!);
    }
    // A thread holds the process open only while a render waits on it, so an awaited render
    // finishes in a script too, and an idle renderer never keeps a stopping server alive.
    for (const thread of this.threads) {
      if (thread.job || (!thread.ready && this.queue.length > 0)) thread.worker.ref();
      else thread.worker.unref();
    }
  }

  private start(): Thread {
    const worker = spawnModuleWorker(workerEntry);
    const thread: Thread = { worker, ready: false };
    worker.on('message', (response: MapPngResponse) => {
      if ('ready' in response) {
        thread.ready = true;
        return this.pump();
      }
      const job = thread.job;
      if (!job || job.request.id !== response.id) return;
      this.finish(thread);
      if (response.ok)
        job.resolve(Buffer.from(response.png.buffer, response.png.byteOffset, response.png.byteLength));
      else job.reject(new Error(`drawing the map image failed: ${response.message}`));
      this.pump();
    });
    const died = (error?: Error) => {
      if (!this.threads.has(thread)) return;
      const reason = new Error(`the map image worker stopped${error ? `: ${error.message}` : ''}`);
      // A thread that cannot even start (broken build) would fail the same way again: fail the queue now.
      if (!thread.ready) for (const job of this.queue.splice(0)) job.reject(reason);
      void this.retire(thread, reason);
      this.pump();
    };
    worker.on('error', died);
    worker.on('exit', () => died());
    this.threads.add(thread);
    return thread;
  }

  private dispatch(thread: Thread, job: Job): void {
    thread.job = job;
    thread.timer = setTimeout(() => {
      void this.retire(
        thread,
        new MapRenderError(
          `Drawing the map image took longer than ${this.options.timeoutMs / 1000} s; draw fewer features (fewer layers, or a smaller area).`,
        ),
      );
      this.pump();
    }, this.options.timeoutMs);
    thread.worker.postMessage(job.request, packedBuffers(job.request.map));
  }

  private finish(thread: Thread): void {
    clearTimeout(thread.timer);
    thread.job = undefined;
    thread.timer = undefined;
  }

  /** Removes a thread for good, failing the render it was drawing. */
  private async retire(thread: Thread, reason: Error): Promise<void> {
    const job = thread.job;
    this.finish(thread);
    this.threads.delete(thread);
    job?.reject(reason);
    await thread.worker.terminate();
  }
}
