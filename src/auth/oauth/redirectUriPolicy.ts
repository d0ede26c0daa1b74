// Schemes that must never receive an authorization code, whatever their case or padding.
const FORBIDDEN_SCHEMES = new Set([
  'javascript',
  'data',
  'file',
  'vbscript',
  'blob',
  'about',
  'ftp',
  'ws',
  'wss',
]);

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(?::(\d+))?(\/[^#]*)?$/;

/** A TCP port a browser can be sent to, written canonically (no sign, no leading zero). */
function isPort(text: string): boolean {
  return /^[1-9]\d{0,4}$/.test(text) && Number(text) <= 65535;
}

/**
 * The loopback callback of a native/CLI client, split around the port, from the raw string (no
 * URL normalization: `/cb/../x` stays different from `/x`). Undefined when not a loopback URI,
 * or when its port is not one (0, above 65535, leading zeros): "any port" means a real one.
 */
export function loopbackParts(uri: string): { host: string; rest: string } | undefined {
  const match = LOOPBACK.exec(uri);
  if (!match || (match[2] !== undefined && !isPort(match[2]))) return undefined;
  return { host: match[1]!, rest: match[3] ?? '' };
}

/**
 * RFC 8252 §7.3: for public clients, a loopback callback matches a registered one on any port,
 * everything else (scheme, host spelling, path, query) exact. `localhost` never matches
 * `127.0.0.1`. Every other callback is an exact string comparison.
 */
export function redirectUriMatches(
  requested: string,
  registered: readonly string[],
  publicClient: boolean,
): boolean {
  if (registered.includes(requested)) return true;
  if (!publicClient) return false;
  const asked = loopbackParts(requested);
  if (!asked) return false;
  return registered.some((candidate) => {
    const allowed = loopbackParts(candidate);
    return allowed !== undefined && allowed.host === asked.host && allowed.rest === asked.rest;
  });
}

/** Why a callback URL cannot be registered, or undefined when it can. */
export function redirectUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== 'string' || uri.length === 0) return 'redirect URIs must be non-empty strings';
  if (uri.length > 2000) return 'a redirect URI must be at most 2000 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f\\]/.test(uri))
    return `the redirect URI ${JSON.stringify(uri.slice(0, 100))} contains whitespace, control characters or a backslash`;
  if (uri.includes('*')) return 'wildcards are not allowed in redirect URIs';
  if (uri.includes('#')) return 'redirect URIs must not contain a fragment';
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (!scheme) return `the redirect URI ${JSON.stringify(uri.slice(0, 100))} is not an absolute URI`;
  const loopbackPort = LOOPBACK.exec(uri)?.[2];
  if (loopbackPort !== undefined && !isPort(loopbackPort))
    return `the port of the loopback redirect URI ${JSON.stringify(uri.slice(0, 100))} must be a number from 1 to 65535 (without leading zeros)`;
  if (FORBIDDEN_SCHEMES.has(scheme)) return `the ${scheme}: scheme is not allowed for redirect URIs`;
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return `the redirect URI ${JSON.stringify(uri.slice(0, 100))} is not a valid URI`;
  }
  if (parsed.username || parsed.password || /^[a-z]+:\/\/[^/]*@/i.test(uri))
    return 'redirect URIs must not contain credentials (user@host)';
  if (scheme === 'https') return undefined;
  if (scheme === 'http') {
    return loopbackParts(uri)
      ? undefined
      : 'http redirect URIs are allowed only on loopback hosts (127.0.0.1, [::1], localhost); use https';
  }
  // Private-use schemes of native apps (RFC 8252 §7.1) are reverse domain names.
  return scheme.includes('.')
    ? undefined
    : `the ${scheme}: scheme is not allowed; use https, a loopback http URI, or a reverse-domain private scheme`;
}
