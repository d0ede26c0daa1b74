import { existsSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import { FONT, renderPackedMapSvg } from './renderMapSvg.ts';
import type { MapPngRequest, MapPngResponse } from './MapPngRenderer.ts';

// resvg parses its fonts on every render (~50 ms per face here): one face, bold titles fall back to it.
const FONT_FILES = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'];
const present = FONT_FILES.filter((f) => existsSync(f));
// Scanning every system font per render is slow; only fall back to it without DejaVu.
const font: ResvgRenderOptions['font'] = present.length
  ? { loadSystemFonts: false, fontFiles: present, defaultFontFamily: FONT }
  : { loadSystemFonts: true };

/**
 * The PNG worker: builds the SVG of a packed map and rasterizes it with resvg, one map at a time,
 * off the server's event loop (MapPngRenderer owns the threads). Labels are left out by resvg when
 * no font is found.
 */
parentPort!.on('message', (request: MapPngRequest) => {
  let response: MapPngResponse;
  try {
    const svg = renderPackedMapSvg(request.map, request.size);
    const png = new Resvg(svg, { font, shapeRendering: 2, textRendering: 1, logLevel: 'off' })
      .render()
      .asPng();
    // A copy of its own: the Buffer's memory may be shared, and only whole buffers can be transferred.
    const bytes = new Uint8Array(png);
    response = { id: request.id, ok: true, png: bytes };
    parentPort!.postMessage(response, [bytes.buffer as ArrayBuffer]);
    return;
  } catch (error) {
    response = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(response);
});
parentPort!.postMessage({ ready: true } satisfies MapPngResponse);
