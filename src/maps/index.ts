/** The maps module: saved-map views, layer resolution into RenderedMap, the PNG renderer, the MCP Apps resource. */
export * from './mapDefinition.ts';
export type { RenderedMap, RenderedLayer, Legend } from './renderedMap.ts';
export { MAP_APP_URI, MAP_APP_MIME_TYPE, mapAppCsp, readMapAppHtml } from './mapAppResource.ts';
export { MapRenderError } from './MapRenderError.ts';
export {
  createMapServices,
  mapPageUrl,
  publicMapUrl,
  DEFAULT_MAP_LIMITS,
  type MapServices,
  type MapLimits,
  type ResolveOptions,
} from './MapServices.ts';
export { resolveMap, type MapToResolve } from './resolveMap.ts';
export { renderMapPng } from './renderMapPng.ts';
export { renderMapSvg, DEFAULT_PNG_SIZE } from './renderMapSvg.ts';
export { MapPngRenderer, DEFAULT_PNG_RENDERER, type MapPngRendererOptions } from './MapPngRenderer.ts';
export { savedMapView, mapSummary, type SavedMap, type MapSummary } from './savedMapView.ts';
export { bootstrapDemoMaps, DEMO_MAPS_SEEDED } from './bootstrapDemoMaps.ts';
export { checkLayerAccess } from './checkLayerAccess.ts';
export { LayerAccessError } from './LayerAccessError.ts';
export {
  PublicMapViewer,
  PublicLinkBudgetError,
  PublicLinkUnavailableError,
  DEFAULT_PUBLIC_LINK_LIMITS,
  type PublicLinkLimits,
  type PublicMap,
} from './PublicMapViewer.ts';
export { isPublicLinkClientId, publicLinkClientId } from './publicLinkRuns.ts';
export {
  MapAccessError,
  createMap,
  deleteMap,
  findMapByPublicToken,
  findMaps,
  getMap,
  removePublicLink,
  rotatePublicLink,
  searchTextOf,
  updateMap,
  type MapRecord,
} from './mapRepository.ts';
