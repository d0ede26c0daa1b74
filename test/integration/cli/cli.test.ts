import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../support/runCli.ts';
import { freePort, startTestServer, type TestServer } from '../../support/testServer.ts';
import { connectModernClient } from '../../support/mcpClients.ts';

describe('meridian CLI', () => {
  let t: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    env = { MERIDIAN_DATA_DIR: t.dataDir, PORT: String(t.config.port) };
  });
  afterAll(async () => t?.stop());

  it('adds a user, then creates a token printed alone on the last line, which works against the running server', async () => {
    const add = await runCli(
      [
        'user',
        'add',
        '--email',
        'cli@example.com',
        '--password',
        'cli-password-123',
        '--org',
        'demo',
        '--role',
        'editor',
      ],
      env,
    );
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('cli@example.com is editor of demo');

    const created = await runCli(
      ['token', 'create', '--email', 'cli@example.com', '--name', 'Gemini CLI', '--expires-in', '30d'],
      env,
    );
    expect(created.code).toBe(0);
    const lines = created.stdout.trim().split('\n');
    const token = lines[lines.length - 1]!;
    expect(token).toMatch(/^mrd_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);

    const client = await connectModernClient(t.mcpUrl, token);
    const who = await client.callTool({ name: 'whoami', arguments: {} });
    expect(who.structuredContent).toMatchObject({ user: { email: 'cli@example.com' }, role: 'editor' });
    await client.close();

    const list = await runCli(['token', 'list', '--email', 'cli@example.com'], env);
    expect(list.stdout).toContain('Gemini CLI');
    expect(list.stdout).not.toContain(token.slice(29));
    const id = token.slice(4, 28);
    const revoke = await runCli(['token', 'revoke', '--email', 'cli@example.com', '--id', id], env);
    expect(revoke.code).toBe(0);
    await expect(connectModernClient(t.mcpUrl, token)).rejects.toThrow();
  });

  it('client create prints an ID and a secret that the token endpoint accepts; list and delete', async () => {
    const callback = 'https://chatgpt.com/connector_platform_oauth_redirect';
    const created = await runCli(['client', 'create', '--name', 'ChatGPT', '--callback', callback], env);
    expect(created.code).toBe(0);
    const id = /^client_id=(\S+)$/m.exec(created.stdout)?.[1];
    const secret = /^client_secret=(\S+)$/m.exec(created.stdout)?.[1];
    expect(id).toBeTruthy();
    expect(secret).toBeTruthy();
    expect(created.stderr).not.toContain(secret!);

    const token = (clientSecret: string) =>
      fetch(`${t.url}/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(id!)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'no-such-code',
          redirect_uri: callback,
        }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: string } }));
    // the right secret authenticates the client, so the bogus code is what fails
    expect(await token(secret!)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await token(`${secret!}x`)).toMatchObject({ status: 401, body: { error: 'invalid_client' } });

    const list = await runCli(['client', 'list'], env);
    expect(list.stdout).toContain(`${id}\t`);
    expect(list.stdout).toContain(callback);
    expect(list.stdout).not.toContain(secret!);

    const bad = await runCli(['client', 'create', '--name', 'X', '--callback', 'javascript:alert(1)'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);

    expect((await runCli(['client', 'delete', '--id', id!], env)).code).toBe(0);
    expect((await runCli(['client', 'list'], env)).stdout).not.toContain(id!);
    expect(await token(secret!)).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  }, 90_000);

  it('explains bad arguments in one line without a stack trace', async () => {
    const badRole = await runCli(
      ['user', 'add', '--email', 'x@example.com', '--password', 'long-enough-pass', '--role', 'owner'],
      env,
    );
    expect(badRole.code).toBe(1);
    expect(badRole.stderr.trim()).toBe('meridian: --role must be one of admin, editor, viewer (got "owner")');

    const badScope = await runCli(
      ['token', 'create', '--email', 'admin@test.local', '--name', 'x', '--scopes', 'everything'],
      env,
    );
    expect(badScope.code).toBe(1);
    expect(badScope.stderr).toMatch(/unknown scope everything; known scopes: workflows:read/);
    expect(badScope.stderr).not.toMatch(/\n\s+at /);

    const noUser = await runCli(['token', 'create', '--email', 'ghost@example.com', '--name', 'x'], env);
    expect(noUser.code).toBe(1);
    expect(noUser.stderr.trim()).toBe('meridian: no user with the email ghost@example.com');
  });

  it('refuses to start with a bad configuration value, naming it', async () => {
    const result = await runCli(['serve'], {
      MERIDIAN_DATA_DIR: t.dataDir,
      PORT: 'eighty',
      DATABASE_URL: 'mysql://db',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PORT: must be a number');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a second server on a data dir whose SQLite store is already served', async () => {
    const result = await runCli(['serve'], { MERIDIAN_DATA_DIR: t.dataDir, PORT: String(await freePort()) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `another Meridian server is already serving the data dir ${t.dataDir} (pid ${process.pid})`,
    );
  });
});

describe('meridian serve on a fresh data dir', () => {
  it('prints the MCP URL, how to sign in with a generated password, and how to create a token; stops on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'meridian-fresh-'));
    const port = await freePort();
    try {
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--demo'], {
        env: {
          ...process.env,
          MERIDIAN_DATA_DIR: dataDir,
          PORT: String(port),
          MERIDIAN_ADMIN_EMAIL: '',
          MERIDIAN_ADMIN_PASSWORD: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner in time:\n${out}`)), 20_000);
        child.stdout.on('data', () => {
          if (out.includes('API token:')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      expect(out).toContain(`MCP server URL:  http://localhost:${port}/mcp`);
      expect(out).toContain(`Sign in:         http://localhost:${port}/signin`);
      const password = /Password:\s+(\S+)\s+\(shown once/.exec(out)?.[1];
      expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(out).toContain('token create --email admin@demo.local');
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
