import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import type { MeridianConfig } from '../config.ts';

/**
 * Helmet's security headers on every response. The middleware is built once here:
 * `@fastify/helmet` rebuilds it on every request (re-parsing the CSP directives each time),
 * which cost 4% of a `tools/list` on /mcp's hot path. Routes that serve HTML with their own
 * policy (the web app) replace the CSP header afterwards.
 */
export function registerSecurityHeaders(app: FastifyInstance, config: MeridianConfig): void {
  const https = config.publicUrl.protocol === 'https:';
  const applyHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: https ? [] : null,
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: https,
  });
  app.addHook('onRequest', (request, reply, done) =>
    applyHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)),
  );
}
