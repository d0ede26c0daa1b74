import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDuration } from '../../src/config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('has working defaults for a fresh machine', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8787);
    expect(config.host).toBe('127.0.0.1');
    expect(config.publicUrl.href).toBe('http://localhost:8787/');
    expect(config.mcpUrl.href).toBe('http://localhost:8787/mcp');
    expect(config.dataDir).toMatch(/\.meridian$/);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.jobs).toMatchObject({ wallTimeoutMs: 900_000, maxResultRows: 100_000 });
  });

  it('derives the MCP URL from the public URL, keeping a path prefix', () => {
    const config = loadConfig({ MERIDIAN_PUBLIC_URL: 'https://gis.example.com/meridian/' });
    expect(config.mcpUrl.href).toBe('https://gis.example.com/meridian/mcp');
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT: must be a number/],
    [{ PORT: '70000' }, /^PORT: must be between 1 and 65535/],
    [{ PORT: '80.5' }, /^PORT: must be a whole number/],
    [{ MERIDIAN_PUBLIC_URL: 'not a url' }, /^MERIDIAN_PUBLIC_URL: must be an absolute URL/],
    [{ MERIDIAN_PUBLIC_URL: 'ftp://x.example' }, /^MERIDIAN_PUBLIC_URL: must be an http or https URL/],
    [
      { MERIDIAN_PUBLIC_URL: 'http://gis.example.com' },
      /^MERIDIAN_PUBLIC_URL: must be https unless the host is localhost/,
    ],
    [{ MERIDIAN_PUBLIC_URL: 'https://gis.example.com/?x=1' }, /must not carry a query/],
    [{ DATABASE_URL: 'mysql://db/x' }, /^DATABASE_URL: must be a postgres:\/\//],
    [
      { MERIDIAN_ADMIN_EMAIL: 'admin', MERIDIAN_ADMIN_PASSWORD: 'long-enough-password' },
      /^MERIDIAN_ADMIN_EMAIL: must be an email address/,
    ],
    [{ MERIDIAN_ADMIN_EMAIL: 'a@b.co' }, /set both or neither/],
    [
      { MERIDIAN_ADMIN_EMAIL: 'a@b.co', MERIDIAN_ADMIN_PASSWORD: 'short' },
      /^MERIDIAN_ADMIN_PASSWORD: must be at least 12 characters/,
    ],
    [{ MERIDIAN_SECRET_KEY: 'too-short' }, /^MERIDIAN_SECRET_KEY: must be at least 32 random bytes/],
    [{ MERIDIAN_LOG_LEVEL: 'loud' }, /^MERIDIAN_LOG_LEVEL:/],
    [{ MERIDIAN_SESSION_TTL: 'forever' }, /^MERIDIAN_SESSION_TTL: must be a duration/],
    [{ MERIDIAN_JOB_WALL_TIMEOUT: '10ms' }, /^MERIDIAN_JOB_WALL_TIMEOUT: must be between 1s and 24h/],
    [{ MERIDIAN_JOB_MAX_ROWS: '0' }, /^MERIDIAN_JOB_MAX_ROWS: must be at least 1/],
    [
      { MERIDIAN_ALLOWED_ORIGINS: 'https://ok.example,https://bad.example/path' },
      /"https:\/\/bad.example\/path" must be an origin/,
    ],
    [{ MERIDIAN_JOBS_PER_USER: '0' }, /^MERIDIAN_JOBS_PER_USER: must be at least 1/],
    [{ MERIDIAN_JOBS_PER_ORG: 'many' }, /^MERIDIAN_JOBS_PER_ORG: must be a number/],
    [{ MERIDIAN_ORG_RESULT_BYTES: '1000' }, /^MERIDIAN_ORG_RESULT_BYTES: must be at least 65536 bytes/],
    [
      { MERIDIAN_ORG_RESULT_BYTES: '1500000.5' },
      /^MERIDIAN_ORG_RESULT_BYTES: must be a whole number of bytes/,
    ],
  ])('reports %j clearly', (env, message) => {
    const problems = problemsOf(env as Record<string, string>);
    expect(problems.some((p) => message.test(p))).toBe(true);
  });

  it('reports every bad value at once, not just the first', () => {
    const problems = problemsOf({ PORT: 'x', DATABASE_URL: 'sqlite://x', MERIDIAN_LOG_LEVEL: 'loud' });
    expect(problems.length).toBeGreaterThanOrEqual(2);
  });

  it('reads the job limits and the result quota', () => {
    expect(loadConfig({}).jobs).toMatchObject({
      maxActivePerUser: 50,
      maxActivePerOrg: 200,
      maxResultBytesPerOrg: 1_073_741_824,
    });
    expect(
      loadConfig({
        MERIDIAN_JOBS_PER_USER: '5',
        MERIDIAN_JOBS_PER_ORG: '20',
        MERIDIAN_ORG_RESULT_BYTES: '500000000',
      }).jobs,
    ).toMatchObject({ maxActivePerUser: 5, maxActivePerOrg: 20, maxResultBytesPerOrg: 500_000_000 });
  });

  it('parses durations', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('12h')).toBe(43_200_000);
    expect(parseDuration('30d')).toBe(2_592_000_000);
    expect(() => parseDuration('3 weeks')).toThrow(ConfigError);
  });
});
