import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { RESOURCE_MIME_TYPE } from '@modelcontextprotocol/ext-apps/server';

/**
 * The MCP Apps view that draws render_map's result: one self-contained HTML file built by Vite
 * (`npm run build:web`, web/vite.map-app.config.ts). Hosts that speak MCP Apps read it through
 * resources/read and load it into a sandboxed iframe.
 */
export const MAP_APP_URI = 'ui://meridian/map-view.html';
export const MAP_APP_MIME_TYPE = RESOURCE_MIME_TYPE;
export const MAP_APP_FILE = fileURLToPath(new URL('../../web/dist/map-app/index.html', import.meta.url));

/**
 * Origins the view may reach, as MCP Apps' `_meta.ui.csp` declares them: none by default, since
 * the bundle inlines everything and draws on a plain background; a configured basemap adds its
 * origin so the host lets its style, tiles and glyphs through.
 */
export function mapAppCsp(basemapStyleUrl: string | null): {
  connectDomains: string[];
  resourceDomains: string[];
} {
  if (!basemapStyleUrl) return { connectDomains: [], resourceDomains: [] };
  const origin = new URL(basemapStyleUrl).origin;
  return { connectDomains: [origin], resourceDomains: [origin] };
}

let cached: Promise<string> | undefined;

/** The built view; read once per process. A missing build is a deployment error worth naming. */
export function readMapAppHtml(): Promise<string> {
  cached ??= readFile(MAP_APP_FILE, 'utf8').catch((error: NodeJS.ErrnoException) => {
    cached = undefined;
    if (error.code === 'ENOENT')
      throw new Error(`The map view is not built (${MAP_APP_FILE} is missing): run npm run build:web.`);
    throw error;
  });
  return cached;
}
