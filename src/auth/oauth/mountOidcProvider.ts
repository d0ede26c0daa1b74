/* eslint-disable @typescript-eslint/no-explicit-any -- Koa contexts from oidc-provider are untyped */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type Provider from 'oidc-provider';
import type { AppContext } from '../../AppContext.ts';
import { ALL_SCOPES, DEFAULT_TOKEN_SCOPES } from '../scopes.ts';
import { OAUTH_ROUTES } from './createOidcProvider.ts';
import { hashClientSecrets } from './hashClientSecrets.ts';
import { refuseCodeForRemovedCallback } from './refuseCodeForRemovedCallback.ts';
import { StoreAdapter } from './StoreAdapter.ts';

const BODY_LIMIT = 56 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw Object.assign(new Error('request body too large'), { statusCode: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Mounts oidc-provider (a Koa app) on the routes it owns: authorization, token, revocation,
 * registration, JWKS and discovery. Everything else (interaction pages, client management)
 * is ours. The provider builds its URLs from Host and X-Forwarded-*; we overwrite those with
 * the configured public URL before it sees the request, so no header can change an advertised
 * URL (E12).
 */
export function mountOidcProvider(app: FastifyInstance, ctx: AppContext, provider: Provider): void {
  const { config, store } = ctx;
  provider.proxy = true;
  const publicHost = config.publicUrl.host;
  const publicProto = config.publicUrl.protocol.replace(':', '');
  const codes = new StoreAdapter('AuthorizationCode', store.db);

  provider.use(async (koa: any, next: () => Promise<void>) => {
    if (koa.path === OAUTH_ROUTES.token && koa.method === 'POST') {
      const form = typeof koa.req.body === 'string' ? koa.req.body : undefined;
      const refusal = await refuseCodeForRemovedCallback(provider, form);
      if (refusal) {
        await codes.destroy(new URLSearchParams(form).get('code')!).catch(() => undefined);
        koa.status = 400;
        koa.set('Cache-Control', 'no-store');
        koa.body = refusal;
        return;
      }
    }
    await next();
    if (
      koa.path === '/.well-known/openid-configuration' &&
      koa.status === 200 &&
      koa.body &&
      typeof koa.body === 'object'
    ) {
      koa.body = {
        ...koa.body,
        scopes_supported: ALL_SCOPES,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
        client_id_metadata_document_supported: true,
      };
    }
    if (koa.path === OAUTH_ROUTES.token && koa.status === 400 && koa.body?.error === 'invalid_grant') {
      // A failed redemption burns the code (B4): a wrong verifier cannot be retried until right.
      const params = koa.oidc?.params;
      if (params?.grant_type === 'authorization_code' && typeof params.code === 'string') {
        await codes.destroy(params.code).catch(() => undefined);
      }
    }
    if (koa.status === 500) {
      const storeUp = await store.ping().then(
        () => true,
        () => false,
      );
      if (!storeUp) {
        // Clients retry a 503; nothing was issued because nothing could be saved.
        koa.status = 503;
        koa.set('Retry-After', '5');
        koa.body =
          koa.accepts('json', 'html') === 'html'
            ? '<!doctype html><title>Unavailable</title><p>Meridian is temporarily unavailable. Try again in a moment.</p>'
            : {
                error: 'temporarily_unavailable',
                error_description: 'the authorization server cannot reach its store; retry shortly',
              };
      }
    }
  });

  // After provider.use: Koa composes its middleware when the callback is created.
  const callback = provider.callback();

  async function forward(request: FastifyRequest, reply: FastifyReply, url?: string) {
    reply.hijack();
    const req = request.raw;
    req.headers.host = publicHost;
    req.headers['x-forwarded-host'] = publicHost;
    req.headers['x-forwarded-proto'] = publicProto;
    req.headers['x-forwarded-for'] = request.ip;
    delete req.headers.forwarded;
    delete req.headers['x-forwarded-port'];
    if (url) req.url = url;
    const res = reply.raw;
    res.setHeader('X-Request-Id', request.id);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'",
    );
    res.setHeader('Referrer-Policy', 'no-referrer');
    try {
      const path = (url ?? req.url ?? '').split('?')[0];
      if (
        (path === OAUTH_ROUTES.token || path === OAUTH_ROUTES.revocation) &&
        req.method === 'POST' &&
        /application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')
      ) {
        const rewritten = await hashClientSecrets(store.db, await readBody(req), req.headers.authorization);
        (req as IncomingMessage & { body?: string }).body = rewritten.body;
        if (rewritten.authorization) req.headers.authorization = rewritten.authorization;
      }
      if (
        path === OAUTH_ROUTES.registration &&
        req.method === 'POST' &&
        /application\/json/i.test(req.headers['content-type'] ?? '')
      ) {
        (req as IncomingMessage & { body?: string }).body = withPublicClientDefault(await readBody(req));
      }
      if (path === OAUTH_ROUTES.authorization && req.method === 'GET')
        req.url = withDefaultScope(req.url ?? '');
      await callback(req, res);
    } catch (error) {
      request.log.error({ err: error }, 'oauth request failed');
      if (!res.headersSent) {
        const status = (error as { statusCode?: number }).statusCode === 413 ? 413 : 503;
        res.writeHead(status, {
          'Content-Type': 'application/json',
          'Cache-Control': 'no-store',
          ...(status === 503 && { 'Retry-After': '5' }),
        });
        res.end(JSON.stringify({ error: status === 413 ? 'invalid_request' : 'temporarily_unavailable' }));
      }
    }
  }

  app.register(async (scope) => {
    // The provider reads its own bodies (with its own limits and error codes).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const tokenLimit = {
      max: config.oauth.tokenRateLimitPerMinute,
      timeWindow: '1 minute',
      keyGenerator: (request: FastifyRequest) => request.ip,
    };
    scope.all(OAUTH_ROUTES.token, { config: { rateLimit: tokenLimit } }, (request, reply) =>
      forward(request, reply),
    );
    scope.all(
      OAUTH_ROUTES.registration,
      { config: { rateLimit: { max: config.oauth.registrationsPerHour, timeWindow: '1 hour' } } },
      (request, reply) => forward(request, reply),
    );
    scope.all(`${OAUTH_ROUTES.registration}/*`, (request, reply) => forward(request, reply));
    for (const path of [
      OAUTH_ROUTES.authorization,
      `${OAUTH_ROUTES.authorization}/*`,
      OAUTH_ROUTES.revocation,
      OAUTH_ROUTES.jwks,
    ]) {
      scope.all(path, (request, reply) => forward(request, reply));
    }
    scope.all('/.well-known/openid-configuration', (request, reply) => forward(request, reply));
    // RFC 8414 metadata is the same document as the provider's discovery document.
    scope.all('/.well-known/oauth-authorization-server', (request, reply) =>
      forward(request, reply, '/.well-known/openid-configuration'),
    );
  });
}

/**
 * RFC 7591 defaults an absent token_endpoint_auth_method to client_secret_basic; we register only
 * public clients, so absent means "none" here, before the provider would mint a secret.
 */
function withPublicClientDefault(body: string): string {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (
      parsed &&
      typeof parsed === 'object' &&
      !Array.isArray(parsed) &&
      !('token_endpoint_auth_method' in parsed)
    ) {
      return JSON.stringify({ ...parsed, token_endpoint_auth_method: 'none' });
    }
  } catch {
    // the provider answers a malformed body with invalid_request
  }
  return body;
}

/** A request naming no MCP scope gets the default set, so the token is usable (A10 narrows). */
function withDefaultScope(url: string): string {
  const [path, query = ''] = url.split('?', 2) as [string, string?];
  const params = new URLSearchParams(query);
  if (params.has('scope')) return url;
  params.set('scope', DEFAULT_TOKEN_SCOPES.join(' '));
  return `${path}?${params.toString()}`;
}
