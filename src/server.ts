import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { MeridianConfig } from './config.ts';
import { createStore, type Store } from './store/createStore.ts';
import { migrateToLatest } from './store/migrate.ts';
import { ServeLock } from './store/ServeLock.ts';
import { loadOrCreateServerKey, bootstrapFirstAdmin, type FirstAdmin } from './auth/index.ts';
import { buildApp } from './buildApp.ts';
import { createLogger } from './http/createLogger.ts';
import type { McpRouteOptions } from './mcp/index.ts';
import type { OAuthServerOptions } from './auth/index.ts';
import { SecretBox } from './crypto/index.ts';
import {
  ConnectionRegistry,
  bootstrapDemoConnection,
  createConnectionTargetPolicy,
} from './connections/index.ts';
import { bootstrapDemoWorkflows } from './workflowLibrary/index.ts';
import { bootstrapDemoMaps } from './maps/index.ts';
import { findOrganizationBySlug, firstAdminOf } from './store/repositories/organizations.ts';
import { CatalogBrowser } from './catalog/CatalogBrowser.ts';
import { JobRunner, WORKFLOW_JOB, createWorkflowJobHandler } from './jobs/index.ts';

const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  logger: Logger;
  url: string;
  firstAdmin?: FirstAdmin;
  connections: ConnectionRegistry;
  /** Seals connection credentials (for admin tooling and tests that add connections). */
  connectionBox: SecretBox;
  jobs: JobRunner;
  /** Tells this process's listeners that an organization's tools changed (publish from here). */
  notifyToolsChanged(orgId: string): void;
  /** Settles when the demo data is loaded (only with `demo`). */
  demoReady?: Promise<unknown>;
  /** Tools published for the demo organization at this start (first start only). */
  demoTools: string[];
  /** Titles of the maps saved for the demo organization at this start (first start only). */
  demoMaps: string[];
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  mcp?: McpRouteOptions;
  oauth?: OAuthServerOptions;
  /** Give the `demo` organization its embedded connection over the demo data. */
  demo?: boolean;
}

/** Starts one Meridian process: lock, store, migrations, first admin, HTTP. */
export async function startServer(
  config: MeridianConfig,
  options: StartOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const lock = config.databaseUrl ? undefined : ServeLock.acquire(config.dataDir);
  const store = createStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    poolMax: config.databasePoolMax,
  });
  try {
    await migrateToLatest(store.db as never);
    const serverKey = loadOrCreateServerKey(config.dataDir, config.secretKey);
    const firstAdmin = await bootstrapFirstAdmin(store.db, config.admin);
    const box = new SecretBox(serverKey, 'connections');
    const targets = createConnectionTargetPolicy(config, store);
    const connections = new ConnectionRegistry({
      db: store.db,
      box,
      dataDir: config.dataDir,
      logger,
      targets,
      jobConcurrency: config.jobs.concurrency,
    });
    const demo = options.demo
      ? await bootstrapDemoConnection({
          db: store.db,
          box,
          registry: connections,
          dataDir: config.dataDir,
          orgSlug: 'demo',
          logger,
        })
      : undefined;
    const demoOrg = options.demo ? await findOrganizationBySlug(store.db, 'demo') : undefined;
    const demoAdmin = demoOrg && (await firstAdminOf(store.db, demoOrg.id));
    const demoTools = demoAdmin ? await bootstrapDemoWorkflows(store.db, demoAdmin) : [];
    // after the workflows: two of the maps draw published workflow tools
    const demoMaps = demoAdmin ? await bootstrapDemoMaps(store.db, demoAdmin) : [];
    const catalog = new CatalogBrowser();
    const maxResultRows = config.jobs.maxResultRows;
    const jobs = new JobRunner({
      db: store.db,
      dialect: store.dialect,
      logger,
      handlers: {
        [WORKFLOW_JOB]: createWorkflowJobHandler({
          db: store.db,
          connections,
          catalog,
          maxResultRows,
          queryTimeoutMs: config.jobs.queryTimeoutMs,
        }),
      },
      maxResultRows,
      wallTimeoutMs: config.jobs.wallTimeoutMs,
      concurrency: config.jobs.concurrency,
      perOrgConcurrency: config.jobs.perOrgConcurrency,
      leaseMs: config.jobs.leaseMs,
      maxResultBytesPerOrg: config.jobs.maxResultBytesPerOrg,
      // A SQLite store is served by this process alone: jobs found running at start are orphans.
      exclusiveStore: store.dialect === 'sqlite',
      ...(config.databaseUrl && { listenUrl: config.databaseUrl }),
    });
    await jobs.start();
    const { app, mcp } = await buildApp(
      { config, store, logger, serverKey, connections, catalog, jobs },
      { mcp: options.mcp, oauth: options.oauth },
    );
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (error) {
      // The endpoint holds a LISTEN session (PostgreSQL) that would otherwise outlive the failed start.
      await mcp.close().catch(() => undefined);
      throw error;
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    let closing: Promise<void> | undefined;
    return {
      app,
      store,
      logger,
      url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
      firstAdmin,
      connections,
      connectionBox: box,
      jobs,
      notifyToolsChanged: (orgId: string) => mcp.notifyToolsChanged(orgId),
      demoReady: demo?.ready,
      demoTools,
      demoMaps,
      close() {
        // Stop accepting connections and let in-flight requests finish; after the grace period,
        // end what is still open (long-lived event streams) so shutdown cannot hang.
        closing ??= (async () => {
          const drained = app.close();
          // The runner stops claiming at once (not after the HTTP drain); its running jobs get
          // the same grace, then go back to the queue for another process (R4).
          const jobsStopped = jobs.stop(SHUTDOWN_GRACE_MS);
          const grace = new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref());
          await Promise.race([drained, grace]);
          await mcp.close();
          await drained;
          await jobsStopped;
          await demo?.ready.catch(() => undefined);
          await connections.close();
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
