import { isLoopbackHost, type MeridianConfig } from '../config.ts';

/**
 * The browser origins that may call /mcp (and register OAuth clients) cross-origin: the
 * server's own origin (MERIDIAN_PUBLIC_URL), the origins named in MERIDIAN_ALLOWED_ORIGINS, and,
 * when the server listens on a loopback address, its own address under each loopback name, since
 * a page served from `http://127.0.0.1:PORT` is this server too. Any other present Origin is
 * refused (DNS rebinding, CSRF: SECURITY-TESTS F1, F2); `null` never matches.
 */
export function trustedBrowserOrigins(config: MeridianConfig): ReadonlySet<string> {
  const origins = new Set([config.publicUrl.origin, ...config.allowedOrigins]);
  if (isLoopbackHost(config.host)) {
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) origins.add(`http://${host}:${config.port}`);
  }
  return origins;
}
