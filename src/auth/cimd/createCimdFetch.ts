import { request as httpsRequest } from 'node:https';
import type { LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { isSpecialUseAddress, resolveHostAddresses } from '../../net/index.ts';
import { CimdFetchError } from './CimdFetchError.ts';

export interface CimdFetchOptions {
  /** Hosts allowed to resolve to non-public addresses (development and tests). */
  allowHosts: readonly string[];
  maxBytes: number;
  timeoutMs: number;
  /** How long a last good document is served when a refetch fails (network, 5xx, 429). */
  staleTtlMs: number;
  /** Extra trusted CA certificates (PEM), for tests with a private CA. */
  ca?: string;
  /** DNS resolution, replaceable in tests (a stub resolver for rebinding cases). */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
  /** Observability: every connection attempt, with the address it went to. */
  onConnect?: (host: string, address: string) => void;
}

interface LastGood {
  body: Buffer;
  contentType: string;
  at: number;
}

const MAX_STALE_ENTRIES = 500;

/**
 * The `fetch` oidc-provider uses for client ID metadata documents, made safe to point at the
 * internet from inside a network:
 * - every resolved address is vetted before connecting, and the socket is pinned to the vetted
 *   address (our lookup hands the connect exactly that address), so DNS rebinding cannot swap it;
 * - after connecting, the peer address is checked again (a second layer);
 * - https only, no redirects followed, a size cap read as the body streams, one deadline for
 *   the whole exchange (slow servers cannot hold us);
 * - the last good document keeps serving for a while when a refetch fails, because the
 *   platforms' metadata endpoints have had outages and a blip should not sign everyone out.
 * oidc-provider's own dispatcher is not used: its check runs only after connecting.
 */
export function createCimdFetch(options: CimdFetchOptions) {
  const allowHosts = new Set(options.allowHosts.map((h) => h.toLowerCase()));
  const resolve = options.resolve ?? resolveHostAddresses;
  const lastGood = new Map<string, LastGood>();
  // oidc-provider looks a client up twice while failing one authorization request (once to
  // serve it, once to decide where the error may go). A failure is shared for one second so
  // that one request costs one fetch; it is not a cache of errors: the next request refetches.
  const recentFailures = new Map<string, { error: unknown; at: number }>();
  const FAILURE_SHARE_MS = 1000;

  function remember(url: string, entry: LastGood) {
    lastGood.delete(url);
    lastGood.set(url, entry);
    if (lastGood.size > MAX_STALE_ENTRIES) lastGood.delete(lastGood.keys().next().value!);
  }

  function staleResponse(url: string): Response | undefined {
    const entry = lastGood.get(url);
    if (!entry || Date.now() - entry.at > options.staleTtlMs) return undefined;
    // A short max-age: the provider retries soon, and the stale copy is served meanwhile.
    return new Response(new Uint8Array(entry.body), {
      status: 200,
      headers: { 'content-type': entry.contentType, 'cache-control': 'max-age=30', 'x-meridian-stale': '1' },
    });
  }

  async function fetchOnce(url: string): Promise<{ status: number; headers: Headers; body: Buffer }> {
    const target = new URL(url);
    if (target.protocol !== 'https:') throw new CimdFetchError('the client_id must be an https URL');
    const host = target.hostname.toLowerCase();
    const bareHost = host.replace(/^\[|\]$/g, '');
    const trusted = allowHosts.has(host) || allowHosts.has(bareHost);

    // Literal IPs never reach the lookup hook, so they are vetted here.
    if (isIP(bareHost) && !trusted && isSpecialUseAddress(bareHost)) {
      throw new CimdFetchError(`the host ${host} is not a public internet address`);
    }

    const vettedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
      resolve(hostname).then(
        (addresses) => {
          if (addresses.length === 0)
            return callback(new CimdFetchError(`the host ${host} does not resolve`), '', 4);
          const refused = addresses.find((a) => isSpecialUseAddress(a.address));
          if (refused && !trusted) {
            return callback(
              new CimdFetchError(`the host ${host} resolves to a non-public address (${refused.address})`),
              '',
              4,
            );
          }
          const pinned = addresses[0]!;
          if ((lookupOptions as { all?: boolean }).all) {
            (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [pinned]);
          } else {
            callback(null, pinned.address, pinned.family);
          }
        },
        (error: NodeJS.ErrnoException) =>
          callback(
            new CimdFetchError(`the host ${host} does not resolve (${error.code ?? 'DNS error'})`),
            '',
            4,
          ),
      );
    };

    return new Promise((resolvePromise, reject) => {
      let settled = false;
      const finish = (
        error: Error | undefined,
        value?: { status: number; headers: Headers; body: Buffer },
      ) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (error) {
          req.destroy();
          reject(error);
        } else resolvePromise(value!);
      };
      const req = httpsRequest(
        {
          protocol: 'https:',
          hostname: bareHost,
          port: target.port || 443,
          path: `${target.pathname}${target.search}`,
          method: 'GET',
          headers: { accept: 'application/json', 'user-agent': 'Meridian-CIMD/1' },
          lookup: vettedLookup,
          servername: isIP(bareHost) ? undefined : bareHost,
          ...(options.ca && { ca: options.ca }),
          agent: false,
        },
        (res) => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          const status = res.statusCode ?? 0;
          const declared = Number(res.headers['content-length']);
          if (Number.isFinite(declared) && declared > options.maxBytes) {
            res.destroy();
            return finish(
              new CimdFetchError(
                `the document is larger than ${options.maxBytes} bytes (Content-Length ${declared})`,
              ),
            );
          }
          const chunks: Buffer[] = [];
          let received = 0;
          res.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > options.maxBytes) {
              res.destroy();
              finish(new CimdFetchError(`the document is larger than ${options.maxBytes} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => finish(undefined, { status, headers, body: Buffer.concat(chunks) }));
          res.on('error', (error) =>
            finish(new CimdFetchError(`reading the document failed (${error.message})`)),
          );
        },
      );
      const deadline = setTimeout(
        () => finish(new CimdFetchError(`the document did not arrive within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      req.on('socket', (socket) => {
        socket.once('secureConnect', () => {
          // Second layer: whatever resolved, the peer we actually reached must be public.
          const remote = (socket as TLSSocket).remoteAddress ?? '';
          options.onConnect?.(host, remote);
          if (!trusted && isSpecialUseAddress(remote)) {
            finish(new CimdFetchError(`the host ${host} connected to a non-public address (${remote})`));
          }
        });
      });
      req.on('error', (error) => {
        if (error instanceof CimdFetchError) return finish(error);
        const code = (error as NodeJS.ErrnoException).code;
        finish(new CimdFetchError(`the document could not be fetched (${code ?? error.message})`));
      });
      req.end();
    });
  }

  return async function cimdFetch(url: string | URL): Promise<Response> {
    const href = String(url);
    const failed = recentFailures.get(href);
    if (failed && Date.now() - failed.at < FAILURE_SHARE_MS) throw failed.error;
    let result;
    try {
      result = await fetchOnce(href);
    } catch (error) {
      const stale = staleResponse(href);
      if (stale) return stale;
      recentFailures.set(href, { error, at: Date.now() });
      if (recentFailures.size > 1000) recentFailures.delete(recentFailures.keys().next().value!);
      throw error;
    }
    if (result.status === 200) {
      const type = (result.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json' && !/^application\/[a-z0-9.+-]*\+json$/.test(type)) {
        throw new CimdFetchError(
          `the document is served as ${JSON.stringify(type || 'no content type')}, not application/json`,
        );
      }
      remember(href, {
        body: result.body,
        contentType: result.headers.get('content-type') ?? 'application/json',
        at: Date.now(),
      });
    } else if (result.status >= 500 || result.status === 429) {
      const stale = staleResponse(href);
      if (stale) return stale;
    }
    // Redirects come back as they are (never followed); the provider refuses anything but 200.
    return new Response(result.status === 204 || result.status === 304 ? null : new Uint8Array(result.body), {
      status: result.status,
      headers: result.headers,
    });
  };
}
