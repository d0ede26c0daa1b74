import { setWorkerUrl } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';

/**
 * The workspace SPA loads MapLibre's worker from its own origin: Vite emits the worker file as
 * an asset next to the bundle, and the server's CSP (script-src 'self', no blob:) allows exactly
 * that. MapLibre's default (a file beside its own module) does not exist once Vite has bundled it.
 */
export function useSameOriginWorker(): void {
  setWorkerUrl(new URL(workerUrl, window.location.href).href);
}
