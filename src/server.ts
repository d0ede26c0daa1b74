import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { MeridianConfig } from './config.ts';
import { createStore, type Store } from './store/createStore.ts';
import { migrateToLatest } from './store/migrate.ts';
import { ServeLock } from './store/ServeLock.ts';
import { loadOrCreateServerKey } from './auth/serverKey.ts';
import { bootstrapFirstAdmin, type FirstAdmin } from './auth/bootstrapFirstAdmin.ts';
import { buildApp } from './http/buildApp.ts';
import { createLogger } from './http/createLogger.ts';
import type { McpRouteOptions } from './mcp/registerMcpRoutes.ts';
import type { OAuthServerOptions } from './auth/oauth/registerOAuthServer.ts';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  logger: Logger;
  url: string;
  firstAdmin?: FirstAdmin;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  mcp?: McpRouteOptions;
  oauth?: OAuthServerOptions;
}

/** Starts one Meridian process: lock, store, migrations, first admin, HTTP. */
export async function startServer(config: MeridianConfig, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const lock = config.databaseUrl ? undefined : ServeLock.acquire(config.dataDir);
  const store = createStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    await migrateToLatest(store.db as never);
    const serverKey = loadOrCreateServerKey(config.dataDir, config.secretKey);
    const firstAdmin = await bootstrapFirstAdmin(store.db, config.admin);
    const { app, mcp } = await buildApp({ config, store, logger, serverKey }, { mcp: options.mcp, oauth: options.oauth });
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    let closing: Promise<void> | undefined;
    return {
      app,
      store,
      logger,
      url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
      firstAdmin,
      close() {
        // In-flight requests finish (Fastify waits for them); open MCP exchanges are ended.
        closing ??= (async () => {
          await mcp.handler.close();
          await app.close();
          await store.close();
          lock?.release();
        })();
        return closing;
      },
    };
  } catch (error) {
    await store.close().catch(() => undefined);
    lock?.release();
    throw error;
  }
}
