import { setWorkerCount, setWorkerUrl } from 'maplibre-gl';
import MapLibreWorker from 'maplibre-gl/dist/maplibre-gl-worker.mjs';

/**
 * Runs MapLibre's worker code on the page's own thread, for the MCP Apps view.
 *
 * Why: MapLibre 6 parses GeoJSON in a Web Worker loaded from its worker file URL (setWorkerUrl),
 * a data: URL in opaque-origin frames (fetched first) or a blob: wrapper for cross-origin URLs.
 * The MCP Apps view is a ui:// resource in a sandboxed iframe: it has no URL of its own to serve
 * a worker file from, and the host's CSP (spec default: `default-src 'none'; script-src 'self'
 * 'unsafe-inline'; connect-src 'none'`, and `_meta.ui.csp` can only add origins) leaves
 * worker-src with no blob: or data:, and connect-src blocks fetching the data: URL. So no
 * worker can start there. The data the view gets is capped by the server (features and vertices
 * per layer), so tiling it on the main thread costs little.
 *
 * How: MapLibre creates its workers with `new Worker(url)`; a `.cjs` URL selects its classic-worker
 * path, which calls the constructor directly (no fetch, no blob). We point it at a sentinel URL
 * and answer that one URL with an object that speaks the Worker interface over a MessageChannel
 * (structured cloning and transfers behave as with a real worker), whose far end is MapLibre's
 * own worker class. Every other URL still gets a real Worker.
 */
const SENTINEL = 'meridian-in-thread-worker.cjs';

class InThreadWorker extends EventTarget {
  readonly #port: MessagePort;
  readonly #far: MessagePort;

  constructor() {
    super();
    const channel = new MessageChannel();
    this.#port = channel.port1;
    this.#far = channel.port2;
    this.#port.onmessage = (event) => this.dispatchEvent(new MessageEvent('message', { data: event.data }));
    // What MapLibre's worker class expects of `self`: message events and postMessage, plus the
    // registration hooks it attaches itself.
    const scope = Object.assign(new EventTarget(), {
      postMessage: (message: unknown, options?: StructuredSerializeOptions) =>
        this.#far.postMessage(message, options ?? {}),
    });
    this.#far.onmessage = (event) => scope.dispatchEvent(new MessageEvent('message', { data: event.data }));
    new MapLibreWorker(scope as never);
  }

  postMessage(message: unknown, options?: StructuredSerializeOptions | Transferable[]): void {
    this.#port.postMessage(message, Array.isArray(options) ? { transfer: options } : (options ?? {}));
  }

  terminate(): void {
    this.#port.close();
    this.#far.close();
  }
}

let installed = false;

export function useInThreadWorker(): void {
  if (installed) return;
  installed = true;
  const RealWorker = globalThis.Worker;
  const Patched = function (this: unknown, url: string | URL, options?: WorkerOptions) {
    if (String(url) === SENTINEL) return new InThreadWorker();
    return new RealWorker(url, options);
  } as unknown as typeof Worker;
  Patched.prototype = RealWorker.prototype;
  globalThis.Worker = Patched;
  setWorkerUrl(SENTINEL);
  // Several in-thread "workers" would only share the one thread.
  setWorkerCount(1);
}
