import { createHash, randomBytes } from 'node:crypto';

/** A minimal cookie jar for driving the authorization pages over plain HTTP. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  names(): string[] {
    return [...this.cookies.keys()];
  }
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeRequest {
  clientId: string;
  redirectUri?: string;
  scope?: string;
  state?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  resource?: string;
  responseType?: string;
  /** Raw extra query pairs, appended as given (duplicates allowed). */
  extra?: Array<[string, string]>;
}

export function authorizeUrl(base: string, request: AuthorizeRequest): string {
  const params = new URLSearchParams();
  params.append('response_type', request.responseType ?? 'code');
  params.append('client_id', request.clientId);
  if (request.redirectUri !== undefined) params.append('redirect_uri', request.redirectUri);
  if (request.scope !== undefined) params.append('scope', request.scope);
  params.append('state', request.state ?? 'state-' + randomBytes(6).toString('hex'));
  if (request.codeChallenge !== undefined) params.append('code_challenge', request.codeChallenge);
  if (request.codeChallengeMethod !== undefined)
    params.append('code_challenge_method', request.codeChallengeMethod);
  if (request.resource !== undefined) params.append('resource', request.resource);
  for (const [k, v] of request.extra ?? []) params.append(k, v);
  return `${base}/oauth/authorize?${params.toString()}`;
}

export async function get(
  url: string,
  jar: CookieJar,
  headers: Record<string, string> = {},
): Promise<Response> {
  const response = await fetch(url, {
    redirect: 'manual',
    headers: { cookie: jar.header(), accept: 'text/html', ...headers },
  });
  jar.store(response);
  return response;
}

export async function postForm(
  url: string,
  jar: CookieJar,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  const response = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      cookie: jar.header(),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
      ...headers,
    },
    body: new URLSearchParams(form).toString(),
  });
  jar.store(response);
  return response;
}

function hidden(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
}

export interface DriveOptions {
  email: string;
  password: string;
  decision?: 'allow' | 'deny';
  jar?: CookieJar;
  /** Called with each consent page's HTML before deciding. */
  onConsent?: (html: string) => void;
  headers?: Record<string, string>;
}

export interface DriveResult {
  /** Where the browser was finally sent outside our server (the client's callback). */
  location?: URL;
  /** The last page shown when the flow stopped on our server (an error page). */
  page?: { status: number; html: string };
  consentShown: number;
  jar: CookieJar;
}

/**
 * Plays the browser through /oauth/authorize: follows our redirects, signs in, decides on the
 * consent page, and stops at the first redirect that leaves the server (or at an error page).
 */
export async function driveAuthorization(
  base: string,
  startUrl: string,
  options: DriveOptions,
): Promise<DriveResult> {
  const jar = options.jar ?? new CookieJar();
  let consentShown = 0;
  let response = await get(startUrl, jar, options.headers);
  for (let step = 0; step < 20; step++) {
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location')!, base);
      if (location.origin !== new URL(base).origin || location.pathname === '/oauth/callback')
        return { location, consentShown, jar };
      response = await get(location.href, jar);
      continue;
    }
    const html = await response.text();
    const action = /<form method="post" action="(\/oauth\/interaction\/[^"]+)"/.exec(html)?.[1];
    if (response.status === 200 && action?.endsWith('/login')) {
      response = await postForm(new URL(action, base).href, jar, {
        _csrf: hidden(html, '_csrf')!,
        email: options.email,
        password: options.password,
      });
      continue;
    }
    if (response.status === 200 && action?.endsWith('/confirm')) {
      consentShown++;
      options.onConsent?.(html);
      response = await postForm(new URL(action, base).href, jar, {
        _csrf: hidden(html, '_csrf')!,
        decision: options.decision ?? 'allow',
      });
      continue;
    }
    return { page: { status: response.status, html }, consentShown, jar };
  }
  throw new Error('authorization did not finish in 20 steps');
}

export async function tokenRequest(
  base: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return { status: response.status, body, headers: response.headers };
}

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** Calls whoami over /mcp with a raw JSON-RPC request (protocol 2026-07-28). */
export function mcpWhoami(mcpUrl: string, token: string) {
  return mcpCallTool(mcpUrl, token, 'whoami');
}

/** Calls a tool over /mcp with a raw JSON-RPC request (protocol 2026-07-28). */
export async function mcpCallTool(
  mcpUrl: string,
  token: string,
  name: string,
  args: Record<string, unknown> = {},
): Promise<{ status: number; body: Record<string, unknown> | undefined; wwwAuthenticate: string | null }> {
  const response = await fetch(mcpUrl, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': name,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name,
        arguments: args,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': {},
          'io.modelcontextprotocol/clientInfo': { name: 'meridian-test-raw', version: '1.0.0' },
        },
      },
    }),
  });
  const text = await response.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(
      text.startsWith('event:') || text.startsWith('data:')
        ? text
            .split('\n')
            .find((l) => l.startsWith('data:'))!
            .slice(5)
        : text,
    ) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  return { status: response.status, body, wwwAuthenticate: response.headers.get('www-authenticate') };
}
