import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../AppContext.ts';
import type { BearerVerifier } from '../createTokenVerifier.ts';
import { createOidcProvider, type OidcProviderOptions } from './createOidcProvider.ts';
import { loadSigningKeys } from './signingKeys.ts';
import { mountOidcProvider } from './mountOidcProvider.ts';
import { registerInteractionRoutes } from './interactionRoutes.ts';
import { createAccessTokenVerifier } from './createAccessTokenVerifier.ts';
import { sweepExpiredOidcPayloads } from '../../store/repositories/oidcPayloads.ts';
import { purgeUnusedSelfRegisteredClients } from '../../store/repositories/oauthClients.ts';

export interface OAuthServerOptions {
  cimdResolve?: OidcProviderOptions['cimdResolve'];
  cimdOnConnect?: OidcProviderOptions['cimdOnConnect'];
  /** How often expired OAuth artifacts are deleted (default 10 minutes). */
  sweepIntervalMs?: number;
}

/**
 * The authorization server: oidc-provider on its routes, our sign-in and consent pages, the
 * access-token verifier /mcp uses, and a sweeper for expired artifacts. Signing keys come from
 * the store (generated on the first start).
 */
export async function registerOAuthServer(
  app: FastifyInstance,
  ctx: AppContext,
  options: OAuthServerOptions = {},
): Promise<{ verifier: BearerVerifier }> {
  const { config, store, serverKey, logger } = ctx;
  const signingKeys = await loadSigningKeys(store.db, serverKey);
  const provider = createOidcProvider({
    config,
    db: store.db,
    serverKey,
    signingKeys,
    cimdResolve: options.cimdResolve,
    cimdOnConnect: options.cimdOnConnect,
  });
  provider.on('server_error', (_koa: unknown, error: unknown) =>
    logger.error({ err: error }, 'oauth server error'),
  );
  mountOidcProvider(app, ctx, provider);
  registerInteractionRoutes(app, ctx, provider);

  const sweep = async () => {
    try {
      const removed = await sweepExpiredOidcPayloads(store.db);
      if (removed) logger.debug({ removed }, 'expired oauth artifacts removed');
      const clients = await purgeUnusedSelfRegisteredClients(store.db, config.oauth.dcrUnusedTtlMs);
      if (clients) logger.info({ removed: clients }, 'unused self-registered oauth clients removed');
    } catch (error) {
      logger.warn({ err: error }, 'oauth sweep failed');
    }
  };
  const timer = setInterval(sweep, options.sweepIntervalMs ?? 10 * 60_000);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));

  const verifier = createAccessTokenVerifier({
    db: store.db,
    serverKey,
    issuer: config.issuer,
    audience: config.mcpUrl.href,
  });
  return { verifier };
}
