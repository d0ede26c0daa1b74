/** MapLibre's worker entry (maplibre-gl/dist/maplibre-gl-worker.mjs) ships without types. */
declare module 'maplibre-gl/dist/maplibre-gl-worker.mjs' {
  /** Wires MapLibre's worker-side handlers to a worker global scope (or anything shaped like one). */
  const MapLibreWorker: new (scope: unknown) => unknown;
  export default MapLibreWorker;
}
