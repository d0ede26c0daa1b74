import type { HeaderLookup } from './ListResponseCache.ts';
import { acceptsMediaType } from './acceptsMediaType.ts';
import { jsonRpcError } from './jsonRpcError.ts';

function hostnameOf(hostHeader: string): string | undefined {
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * The checks /mcp makes from headers alone, before or around authentication: one Authorization
 * header, a Host we serve, an Origin we trust, an Accept a client can read. Each answers the
 * refusal, or undefined to go on. They read headers through a lookup, so the full path (web
 * Request) and the cached-listing fast path (Node's request) run the same checks.
 */
export class McpRequestGuards {
  constructor(
    private readonly options: {
      /** Origins a browser may call from; any other present Origin is refused (DNS rebinding, CSRF). */
      allowedOrigins: ReadonlySet<string>;
      /** Hostnames the Host header may name; empty disables the check (behind a proxy that sets it). */
      allowedHostnames: ReadonlySet<string>;
      resourceMetadataUrl: string;
    },
  ) {}

  /**
   * Node keeps only the first of several Authorization headers; an ambiguous credential is
   * refused from the raw header list, before anything else reads the request.
   */
  duplicateAuthorization(
    rawHeaders: readonly string[],
  ): { status: number; headers: Record<string, string>; body: string } | undefined {
    let authorizationHeaders = 0;
    for (let i = 0; i < rawHeaders.length; i += 2)
      if (rawHeaders[i]!.toLowerCase() === 'authorization') authorizationHeaders++;
    if (authorizationHeaders <= 1) return undefined;
    return {
      status: 400,
      headers: {
        'Content-Type': 'application/json',
        'WWW-Authenticate': `Bearer error="invalid_request", resource_metadata="${this.options.resourceMetadataUrl}"`,
      },
      body: JSON.stringify({
        error: 'invalid_request',
        error_description: 'Send exactly one Authorization header',
      }),
    };
  }

  hostOrOrigin(header: HeaderLookup): Response | undefined {
    const { allowedHostnames, allowedOrigins } = this.options;
    if (allowedHostnames.size > 0) {
      const host = header('host');
      const hostname = host ? hostnameOf(host) : undefined;
      if (!hostname || !allowedHostnames.has(hostname)) {
        return jsonRpcError(
          403,
          -32000,
          `Forbidden: the Host header ${JSON.stringify(host ?? '')} is not served here`,
        );
      }
    }
    const origin = header('origin');
    if (origin !== null && !allowedOrigins.has(origin)) {
      return jsonRpcError(
        403,
        -32000,
        `Forbidden: requests from the origin ${JSON.stringify(origin)} are not allowed; an administrator can allow it with MERIDIAN_ALLOWED_ORIGINS`,
      );
    }
    return undefined;
  }

  /**
   * For a POST. The SDK checks this only on a 2025 initialize; without it a client that cannot
   * read SSE would get a stream it cannot parse (SECURITY-TESTS F6: 406).
   */
  accept(header: HeaderLookup): Response | undefined {
    if (McpRequestGuards.acceptsBoth(header('accept') ?? '')) return undefined;
    return jsonRpcError(
      406,
      -32000,
      'Not Acceptable: the Accept header must list both application/json and text/event-stream',
    );
  }

  static acceptsBoth(accept: string): boolean {
    return acceptsMediaType(accept, 'application/json') && acceptsMediaType(accept, 'text/event-stream');
  }
}
