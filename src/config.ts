import { z } from 'zod';
import { resolve } from 'node:path';
import { HostAllowList, HostAllowListError } from './net/index.ts';
import { MeridianError } from './errors/MeridianError.ts';

/**
 * One typed configuration, read from the environment (and CLI flags layered on top by main.ts),
 * validated once at start. Every bad value is reported by name with what is expected, so a
 * misconfigured server refuses to start instead of failing later.
 */
const portSchema = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const durationSchema = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'must be a duration like 30s, 15m, 12h or 30d');

const envSchema = z.object({
  PORT: portSchema.default(8787),
  HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  MERIDIAN_PUBLIC_URL: z.string().optional(),
  MERIDIAN_DATA_DIR: z.string().min(1, 'must not be empty').default('./.meridian'),
  DATABASE_URL: z.string().optional(),
  MERIDIAN_CATALOG_POLL: durationSchema
    .refine((v) => parseDuration(v) >= 100, 'must be at least 100ms')
    .optional(),
  MERIDIAN_DB_POOL_MAX: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(2, 'must be at least 2')
    .max(200, 'must be at most 200')
    .default(10),
  MERIDIAN_ADMIN_EMAIL: z.email('must be an email address').optional(),
  MERIDIAN_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  MERIDIAN_SECRET_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43,}$/, 'must be at least 32 random bytes, base64url encoded (43+ characters)')
    .optional(),
  MERIDIAN_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MERIDIAN_BODY_LIMIT: z.coerce.number().int().min(1024, 'must be at least 1024 bytes').default(1_048_576),
  MERIDIAN_HEADERS_TIMEOUT_MS: z.coerce
    .number({ error: 'must be a number' })
    .int()
    .min(100, 'must be at least 100 ms')
    .default(15_000),
  MERIDIAN_REQUEST_TIMEOUT_MS: z.coerce
    .number({ error: 'must be a number' })
    .int()
    .min(100, 'must be at least 100 ms')
    .default(30_000),
  MERIDIAN_ALLOWED_ORIGINS: z.string().optional(),
  MERIDIAN_SESSION_TTL: durationSchema.default('12h'),
  MERIDIAN_TRUST_PROXY: z.string().optional(),
  MERIDIAN_OAUTH_ACCESS_TOKEN_TTL: durationSchema.default('10m'),
  MERIDIAN_OAUTH_REFRESH_TOKEN_TTL: durationSchema.default('30d'),
  MERIDIAN_OAUTH_REFRESH_ABSOLUTE_TTL: durationSchema.default('90d'),
  MERIDIAN_OAUTH_CODE_TTL: durationSchema.default('60s'),
  MERIDIAN_OAUTH_DCR: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
  MERIDIAN_OAUTH_TOKEN_RATE_LIMIT: z.coerce.number().int().min(1).default(120),
  MERIDIAN_OAUTH_REGISTRATIONS_PER_HOUR: z.coerce.number().int().min(1).default(30),
  MERIDIAN_OAUTH_DCR_UNUSED_TTL: durationSchema.default('24h'),
  MERIDIAN_CIMD_ALLOW_HOSTS: z.string().optional(),
  MERIDIAN_CONNECTION_HOSTS: z.string().optional(),
  MERIDIAN_CIMD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024, 'must be at least 1024 bytes')
    .max(1_048_576, 'must be at most 1 MiB')
    .default(16_384),
  MERIDIAN_CIMD_TIMEOUT: durationSchema.default('3s'),
  MERIDIAN_CIMD_FETCHES_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  MERIDIAN_CIMD_STALE_TTL: durationSchema.default('24h'),
  MERIDIAN_CIMD_CACHE_MIN: durationSchema
    .refine((v) => parseDuration(v) >= 1000 && parseDuration(v) <= 86_400_000, 'must be between 1s and 24h')
    .default('30s'),
  MERIDIAN_CIMD_CA_FILE: z.string().optional(),
  MERIDIAN_BASEMAP_STYLE_URL: z.string().optional(),
  MERIDIAN_MAP_MAX_FEATURES: z.coerce
    .number({ error: 'must be a number' })
    .int()
    .min(1, 'must be at least 1')
    .max(100_000, 'must be at most 100000')
    .default(5_000),
  MERIDIAN_MAP_MAX_VERTICES: z.coerce
    .number({ error: 'must be a number' })
    .int()
    .min(1_000, 'must be at least 1000')
    .max(5_000_000, 'must be at most 5000000')
    .default(100_000),
  MERIDIAN_PUBLIC_MAP_CACHE: durationSchema
    .refine((v) => parseDuration(v) <= 3_600_000, 'must be at most 1h')
    .default('60s'),
  MERIDIAN_PUBLIC_MAP_RUNS_PER_MINUTE: z.coerce
    .number({ error: 'must be a number' })
    .int()
    .min(0, 'must be at least 0')
    .default(10),
  MERIDIAN_PUBLIC_MAP_ORG_RUNS_PER_MINUTE: z.coerce
    .number({ error: 'must be a number' })
    .int()
    .min(0, 'must be at least 0')
    .default(60),
  MERIDIAN_JOB_LEASE: durationSchema
    .refine((v) => parseDuration(v) >= 500 && parseDuration(v) <= 3_600_000, 'must be between 500ms and 1h')
    .default('30s'),
  MERIDIAN_JOB_QUERY_TIMEOUT: durationSchema
    .refine((v) => parseDuration(v) >= 100 && parseDuration(v) <= 86_400_000, 'must be between 100ms and 24h')
    .default('120s'),
  MERIDIAN_JOB_WALL_TIMEOUT: durationSchema
    .refine((v) => parseDuration(v) >= 1000 && parseDuration(v) <= 86_400_000, 'must be between 1s and 24h')
    .default('15m'),
  MERIDIAN_JOB_CONCURRENCY: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(64, 'must be at most 64')
    .default(2),
  MERIDIAN_JOB_ORG_CONCURRENCY: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(64, 'must be at most 64')
    .optional(),
  MERIDIAN_JOB_MAX_ROWS: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(10_000_000, 'must be at most 10000000')
    .default(100_000),
  MERIDIAN_JOBS_PER_USER: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .default(50),
  MERIDIAN_JOBS_PER_ORG: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .default(200),
  MERIDIAN_ORG_RESULT_BYTES: z.coerce
    .number({ error: 'must be a number of bytes' })
    .int('must be a whole number of bytes')
    .min(65_536, 'must be at least 65536 bytes')
    .default(1_073_741_824),
});

export interface MeridianConfig {
  port: number;
  host: string;
  /** Every URL we advertise is built from this, never from Host or X-Forwarded-* headers. */
  publicUrl: URL;
  /** Our authorization server's issuer: the public URL without a trailing slash. */
  issuer: string;
  /** The MCP endpoint URL: the `resource` of our protected-resource metadata and the token audience. */
  mcpUrl: URL;
  dataDir: string;
  /** Unset: SQLite in the data dir. */
  databaseUrl?: string;
  /** PostgreSQL connections this process's store pool may open (MERIDIAN_DB_POOL_MAX). */
  databasePoolMax: number;
  /**
   * How often open tool-list listeners' organizations are checked for catalog changes
   * (MERIDIAN_CATALOG_POLL). Unset: 1 s with SQLite; 30 s with PostgreSQL, where LISTEN/NOTIFY
   * tells every process at once and the poll is only a safety net.
   */
  catalogPollMs?: number;
  admin: { email?: string; password?: string };
  secretKey?: string;
  logLevel: string;
  bodyLimit: number;
  /** Slowloris bounds: a client must send its headers, then its whole request, within these. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Origins (scheme://host[:port]) browsers may call /mcp from, besides the public URL's own. */
  allowedOrigins: string[];
  sessionTtlMs: number;
  /** Proxy addresses/CIDRs whose X-Forwarded-For is honoured; empty means the socket address only. */
  trustProxy: string[];
  oauth: OAuthConfig;
  connections: ConnectionsConfig;
  maps: MapsConfig;
  jobs: JobsConfig;
}

export interface JobsConfig {
  /** How long a running job's lease lasts without a heartbeat: a dead process's jobs are retried after it. */
  leaseMs: number;
  /** Statement timeout of a workflow job's warehouse query. */
  queryTimeoutMs: number;
  /**
   * Longest a job may run from claim to end, all statements and result writes included: a
   * streamed result is many statements, each under `queryTimeoutMs`, so only this bounds the whole.
   */
  wallTimeoutMs: number;
  /** Rows one job result keeps; the rest are dropped and the result is marked truncated. */
  maxResultRows: number;
  /**
   * Jobs this process runs at once (sync tool calls are jobs too). Each warehouse engine's pool
   * is sized from it, so every running job has a connection without waiting.
   */
  concurrency: number;
  /** Jobs of one organization running at once in this process; at most `concurrency`. */
  perOrgConcurrency: number;
  /** Queued + running jobs one user may have (MERIDIAN_JOBS_PER_USER). */
  maxActivePerUser: number;
  /** Queued + running jobs one organization may have (MERIDIAN_JOBS_PER_ORG). */
  maxActivePerOrg: number;
  /**
   * Bytes of job results one organization may keep stored at once (MERIDIAN_ORG_RESULT_BYTES):
   * results of running jobs and unexpired results of succeeded ones.
   */
  maxResultBytesPerOrg: number;
}

export interface ConnectionsConfig {
  /**
   * Hosts warehouse connections may lead to (MERIDIAN_CONNECTION_HOSTS). Unset: `public`, any
   * public internet address; loopback, private and link-local hosts only when listed.
   */
  hosts: HostAllowList;
}

export interface MapsConfig {
  /** MapLibre style URL for the basemap of interactive maps; null draws a plain background (works offline). */
  basemapStyleUrl: string | null;
  /** Features one layer sends; the rest are dropped and the layer is marked truncated. */
  maxFeaturesPerLayer: number;
  /** Vertices one layer sends; beyond it geometries are simplified and the layer is marked simplified. */
  maxVerticesPerLayer: number;
  /** Public links: how long one rendering is shared by anonymous viewers, and their workflow-run budget. */
  publicLinks: { cacheTtlMs: number; runsPerMapPerMinute: number; runsPerOrgPerMinute: number };
}

export interface OAuthConfig {
  accessTokenTtlS: number;
  /** Authorization codes: 60 s by default (ASVS: at most 10 minutes). */
  codeTtlS: number;
  /** Idle lifetime of a refresh token; each rotation starts a new one, capped by the absolute one. */
  refreshTokenTtlS: number;
  /** From the first sign-in of a grant: past it, refresh fails and the user signs in again. */
  refreshAbsoluteTtlS: number;
  /** Instance-wide switch; organizations can also refuse self-registered clients. */
  dcrEnabled: boolean;
  /** Token endpoint requests per client address per minute. */
  tokenRateLimitPerMinute: number;
  /** Dynamic registrations per client address per hour. */
  registrationsPerHour: number;
  /**
   * A self-registered client that nothing live refers to (no grant, code or refresh token) is
   * removed this long after its last registration: registrations no one completes do not pile up.
   */
  dcrUnusedTtlMs: number;
  cimd: {
    /** Hosts whose documents may be fetched from non-public addresses (development and tests only). */
    allowHosts: string[];
    maxBytes: number;
    timeoutMs: number;
    /** Distinct (uncached) documents one client address may make us fetch per minute. */
    fetchesPerMinute: number;
    /** How long the last good document keeps serving when refetching fails. */
    staleTtlMs: number;
    /**
     * Shortest time a fetched document is trusted before it is fetched again, whatever its
     * Cache-Control says (at most 24 h). A changed `redirect_uris` takes effect after this.
     */
    cacheMinS: number;
    /** Extra trusted CA (PEM file) for fetching documents; for tests with a private CA. */
    caFile?: string;
  };
}

export class ConfigError extends MeridianError {
  override readonly code: string = 'invalid_configuration';
  override readonly status: number = 500;
  override readonly showable: boolean = true;

  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new ConfigError([`"${text}" must be a duration like 30s, 15m, 12h or 30d`]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms'];
  return Number(match[1]) * unit;
}

export function loadConfig(rawEnv: Record<string, string | undefined> = process.env): MeridianConfig {
  // An empty variable (`FOO=`) means "not set", as shells and .env files commonly write it.
  const env = Object.fromEntries(
    Object.entries(rawEnv).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (issue) =>
          `${issue.path.join('.')}: ${issue.message} (got ${JSON.stringify(env[String(issue.path[0])])})`,
      ),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];

  let publicUrl: URL | undefined;
  const rawPublic = e.MERIDIAN_PUBLIC_URL ?? `http://localhost:${e.PORT}`;
  try {
    publicUrl = new URL(rawPublic);
    if (publicUrl.protocol !== 'http:' && publicUrl.protocol !== 'https:') {
      problems.push(`MERIDIAN_PUBLIC_URL: must be an http or https URL (got ${JSON.stringify(rawPublic)})`);
    } else if (publicUrl.search || publicUrl.hash || publicUrl.username || publicUrl.password) {
      problems.push(
        `MERIDIAN_PUBLIC_URL: must not carry a query, fragment or credentials (got ${JSON.stringify(rawPublic)})`,
      );
    } else if (publicUrl.protocol === 'http:' && !isLoopbackHost(publicUrl.hostname)) {
      problems.push(
        `MERIDIAN_PUBLIC_URL: must be https unless the host is localhost or a loopback address (got ${JSON.stringify(rawPublic)})`,
      );
    }
  } catch {
    problems.push(
      `MERIDIAN_PUBLIC_URL: must be an absolute URL such as https://meridian.example.com (got ${JSON.stringify(rawPublic)})`,
    );
  }

  if (e.DATABASE_URL !== undefined && !/^postgres(ql)?:\/\//.test(e.DATABASE_URL)) {
    problems.push(
      'DATABASE_URL: must be a postgres:// or postgresql:// URL, or unset for the embedded SQLite store',
    );
  }
  if ((e.MERIDIAN_ADMIN_EMAIL === undefined) !== (e.MERIDIAN_ADMIN_PASSWORD === undefined)) {
    problems.push('MERIDIAN_ADMIN_EMAIL and MERIDIAN_ADMIN_PASSWORD: set both or neither');
  }
  const allowedOrigins: string[] = [];
  for (const origin of (e.MERIDIAN_ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    try {
      const u = new URL(origin);
      if (u.origin !== origin) throw new Error('not an origin');
      allowedOrigins.push(u.origin);
    } catch {
      problems.push(
        `MERIDIAN_ALLOWED_ORIGINS: "${origin}" must be an origin such as https://app.example.com (no path)`,
      );
    }
  }
  if (e.MERIDIAN_HEADERS_TIMEOUT_MS > e.MERIDIAN_REQUEST_TIMEOUT_MS) {
    // Node refuses to start otherwise: the headers are part of the request.
    problems.push(
      `MERIDIAN_HEADERS_TIMEOUT_MS: must not exceed MERIDIAN_REQUEST_TIMEOUT_MS (got ${e.MERIDIAN_HEADERS_TIMEOUT_MS} > ${e.MERIDIAN_REQUEST_TIMEOUT_MS})`,
    );
  }
  let basemapStyleUrl: string | null = null;
  if (e.MERIDIAN_BASEMAP_STYLE_URL !== undefined) {
    try {
      const u = new URL(e.MERIDIAN_BASEMAP_STYLE_URL);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('not http');
      if (u.username || u.password) throw new Error('credentials');
      basemapStyleUrl = u.href;
    } catch {
      problems.push(
        `MERIDIAN_BASEMAP_STYLE_URL: must be an http or https URL of a MapLibre style, without credentials (got ${JSON.stringify(e.MERIDIAN_BASEMAP_STYLE_URL)})`,
      );
    }
  }
  let connectionHosts: HostAllowList | undefined;
  try {
    connectionHosts = HostAllowList.parse(e.MERIDIAN_CONNECTION_HOSTS ?? 'public');
  } catch (error) {
    if (!(error instanceof HostAllowListError)) throw error;
    problems.push(`MERIDIAN_CONNECTION_HOSTS: ${error.message}`);
  }
  if (problems.length || !publicUrl || !connectionHosts) throw new ConfigError(problems);

  const base = publicUrl.href.replace(/\/+$/, '');
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: new URL(base + '/'),
    issuer: base,
    mcpUrl: new URL(`${base}/mcp`),
    dataDir: resolve(e.MERIDIAN_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.MERIDIAN_DB_POOL_MAX,
    ...(e.MERIDIAN_CATALOG_POLL !== undefined && { catalogPollMs: parseDuration(e.MERIDIAN_CATALOG_POLL) }),
    admin: { email: e.MERIDIAN_ADMIN_EMAIL, password: e.MERIDIAN_ADMIN_PASSWORD },
    secretKey: e.MERIDIAN_SECRET_KEY,
    logLevel: e.MERIDIAN_LOG_LEVEL,
    bodyLimit: e.MERIDIAN_BODY_LIMIT,
    headersTimeoutMs: e.MERIDIAN_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.MERIDIAN_REQUEST_TIMEOUT_MS,
    allowedOrigins,
    sessionTtlMs: parseDuration(e.MERIDIAN_SESSION_TTL),
    trustProxy: (e.MERIDIAN_TRUST_PROXY ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    oauth: {
      accessTokenTtlS: Math.max(1, Math.floor(parseDuration(e.MERIDIAN_OAUTH_ACCESS_TOKEN_TTL) / 1000)),
      codeTtlS: Math.min(600, Math.max(1, Math.floor(parseDuration(e.MERIDIAN_OAUTH_CODE_TTL) / 1000))),
      refreshTokenTtlS: Math.max(1, Math.floor(parseDuration(e.MERIDIAN_OAUTH_REFRESH_TOKEN_TTL) / 1000)),
      refreshAbsoluteTtlS: Math.max(
        1,
        Math.floor(parseDuration(e.MERIDIAN_OAUTH_REFRESH_ABSOLUTE_TTL) / 1000),
      ),
      dcrEnabled: e.MERIDIAN_OAUTH_DCR === 'on',
      tokenRateLimitPerMinute: e.MERIDIAN_OAUTH_TOKEN_RATE_LIMIT,
      registrationsPerHour: e.MERIDIAN_OAUTH_REGISTRATIONS_PER_HOUR,
      dcrUnusedTtlMs: parseDuration(e.MERIDIAN_OAUTH_DCR_UNUSED_TTL),
      cimd: {
        allowHosts: (e.MERIDIAN_CIMD_ALLOW_HOSTS ?? '')
          .split(',')
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean),
        maxBytes: e.MERIDIAN_CIMD_MAX_BYTES,
        timeoutMs: parseDuration(e.MERIDIAN_CIMD_TIMEOUT),
        fetchesPerMinute: e.MERIDIAN_CIMD_FETCHES_PER_MINUTE,
        staleTtlMs: parseDuration(e.MERIDIAN_CIMD_STALE_TTL),
        cacheMinS: Math.round(parseDuration(e.MERIDIAN_CIMD_CACHE_MIN) / 1000),
        caFile: e.MERIDIAN_CIMD_CA_FILE,
      },
    },
    connections: { hosts: connectionHosts },
    maps: {
      basemapStyleUrl,
      maxFeaturesPerLayer: e.MERIDIAN_MAP_MAX_FEATURES,
      maxVerticesPerLayer: e.MERIDIAN_MAP_MAX_VERTICES,
      publicLinks: {
        cacheTtlMs: parseDuration(e.MERIDIAN_PUBLIC_MAP_CACHE),
        runsPerMapPerMinute: e.MERIDIAN_PUBLIC_MAP_RUNS_PER_MINUTE,
        runsPerOrgPerMinute: e.MERIDIAN_PUBLIC_MAP_ORG_RUNS_PER_MINUTE,
      },
    },
    jobs: {
      leaseMs: parseDuration(e.MERIDIAN_JOB_LEASE),
      queryTimeoutMs: parseDuration(e.MERIDIAN_JOB_QUERY_TIMEOUT),
      wallTimeoutMs: parseDuration(e.MERIDIAN_JOB_WALL_TIMEOUT),
      maxResultRows: e.MERIDIAN_JOB_MAX_ROWS,
      concurrency: e.MERIDIAN_JOB_CONCURRENCY,
      perOrgConcurrency: Math.min(
        e.MERIDIAN_JOB_ORG_CONCURRENCY ?? e.MERIDIAN_JOB_CONCURRENCY,
        e.MERIDIAN_JOB_CONCURRENCY,
      ),
      maxActivePerUser: e.MERIDIAN_JOBS_PER_USER,
      maxActivePerOrg: e.MERIDIAN_JOBS_PER_ORG,
      maxResultBytesPerOrg: e.MERIDIAN_ORG_RESULT_BYTES,
    },
  };
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
