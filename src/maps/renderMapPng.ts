import type { RenderedMap } from './renderedMap.ts';
import { packMap } from './packMap.ts';
import { MapPngRenderer } from './MapPngRenderer.ts';
import type { PngOptions } from './renderMapSvg.ts';

let shared: MapPngRenderer | undefined;

/**
 * The map as a PNG, drawn in the process's PNG worker threads (MapPngRenderer). Only packing the
 * geometry into transferable arrays happens on the event loop. Throws MapRenderError when the
 * renderer is overloaded or the drawing exceeds its time limit.
 */
export function renderMapPng(map: RenderedMap, options: PngOptions = {}): Promise<Buffer> {
  shared ??= new MapPngRenderer();
  return shared.render(packMap(map), options);
}
