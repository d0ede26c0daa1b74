import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { startTestServer, type StoreKind, type TestServer } from '../../support/testServer.ts';
import { connectLegacyClient, connectModernClient } from '../../support/mcpClients.ts';
import { FormClient } from '../../support/formClient.ts';

const TABLES = [
  'organizations',
  'users',
  'memberships',
  'api_tokens',
  'web_sessions',
  'mcp_sessions',
  'audit_log',
];

// Exercises every path that handles a secret, then looks for the secrets in clear in every
// table row and in every log line the server wrote.
function secretsSuite(kind: StoreKind) {
  let t: TestServer;
  const secrets: string[] = [];

  beforeAll(async () => {
    t = await startTestServer(kind);
    const user = await t.addUser({
      email: 'secretive@example.com',
      password: 'hunter2-but-longer',
      role: 'admin',
    });
    secrets.push(user.password, 'admin-password-123');
    const token = await t.createToken(user);
    secrets.push(token, token.slice(29));
    const modern = await connectModernClient(t.mcpUrl, token);
    await modern.callTool({ name: 'whoami', arguments: {} });
    await modern.close();
    const { client, transport } = await connectLegacyClient(t.mcpUrl, token);
    await client.listTools();
    secrets.push(transport.sessionId!);
    await client.close();
    const form = new FormClient(t.url);
    await form.signIn(user.email, user.password);
    await form.signIn(user.email, 'a-wrong-password-attempt');
    secrets.push('a-wrong-password-attempt', form.cookies.get('meridian_session')!);
    // A rejected, garbled token still must not be logged.
    await fetch(t.mcpUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}x`, 'content-type': 'application/json' },
      body: '{}',
    });
  });
  afterAll(async () => t?.stop());

  it('stores no password, token, session id or cookie in clear', async () => {
    const dump: string[] = [];
    for (const table of TABLES) {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(
        t.server.store.db,
      );
      dump.push(JSON.stringify(rows.rows));
    }
    if (kind === 'sqlite') {
      // The raw database files too, WAL included: nothing readable on disk.
      for (const file of readdirSync(t.dataDir).filter((f) => f.startsWith('meridian.db'))) {
        dump.push(readFileSync(join(t.dataDir, file)).toString('latin1'));
      }
    }
    const everything = dump.join('\n');
    expect(everything).toContain('secretive@example.com');
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });

  it('logs no password, token, session id or cookie', () => {
    const logs = t.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });
}

describe('no secrets at rest or in logs (SQLite)', () => secretsSuite('sqlite'));
import { describeWithPostgres } from '../../support/postgres.ts';
describeWithPostgres('no secrets at rest or in logs (PostgreSQL)', () => secretsSuite('postgres'));
