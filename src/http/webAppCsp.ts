import type { MeridianConfig } from '../config.ts';

/**
 * The Content-Security-Policy of the workspace SPA's page. Scripts only from our own origin (the
 * Vite bundle has no inline script). MapLibre starts its worker from a blob: URL and draws
 * canvases it reads back as data:/blob: images; React and React Flow set inline styles. A
 * configured basemap (MERIDIAN_BASEMAP_STYLE_URL) adds its origin for the style, tiles and
 * glyphs. Never framed (`frame-ancestors 'none'`), like every other page.
 */
export function webAppCsp(config: MeridianConfig): string {
  const basemap = basemapOrigin(config);
  const extra = basemap ? ` ${basemap}` : '';
  const directives = [
    "default-src 'self'",
    "base-uri 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${extra}`,
    `font-src 'self' data:${extra}`,
    `connect-src 'self'${extra}`,
    "worker-src 'self' blob:",
    "child-src 'self' blob:",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ];
  if (config.publicUrl.protocol === 'https:') directives.push('upgrade-insecure-requests');
  return directives.join('; ');
}

/**
 * The basemap style's origin, or undefined. loadConfig already refuses anything but an http(s)
 * URL without credentials; this checks again because a CSP is the wrong place to trust a string.
 */
function basemapOrigin(config: MeridianConfig): string | undefined {
  const url = config.maps.basemapStyleUrl;
  if (!url) return undefined;
  try {
    const parsed = new URL(String(url));
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}
