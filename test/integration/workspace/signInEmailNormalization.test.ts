import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type StoreKind, type TestServer } from '../../support/testServer.ts';
import { describeWithPostgres } from '../../support/postgres.ts';
import { FormClient } from '../../support/formClient.ts';
import { CALLBACK, preregisteredClient } from '../../support/oauthFixtures.ts';
import { authorizeUrl, CookieJar, get, pkcePair, postForm } from '../../support/oauthHttp.ts';
import { up as normalizeUserEmails } from '../../../src/store/migrations/0010_normalize_user_emails.ts';

// Audit #6 (issue 11): the sign-in limiter keyed on the untrimmed, lower-cased email while the
// lookup trimmed it, so " admin@…" reached the same account with a fresh budget. Both sign-in
// pages now key and look up by one normalizeEmail (trim, NFC, lower case).
function normalizationSuite(kind: StoreKind) {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(async () => t?.stop());

  /** Ten wrong guesses spend the budget; every other spelling of the address must get 429. */
  async function exhaust(post: (email: string, password: string) => Promise<Response>, email: string) {
    for (let i = 0; i < 10; i++) expect((await post(email, `guess-${i}`)).status).toBe(401);
    const spellings = [` ${email}`, `${email.toUpperCase()} `, `\t${email}\n`];
    return Promise.all(spellings.map(async (s) => (await post(s, 'still-guessing')).status));
  }

  it('audit #6: on /signin, " admin@…" with a leading space reaches the account and spends the same budget (429)', async () => {
    const dave = await t.addUser({ email: 'dave@example.com', password: 'dave-password-123' });
    // The spaced spelling is the account (the lookup trims): that is why it must share the budget.
    const dana = await t.addUser({ email: 'dana@example.com', password: 'dana-password-123' });
    expect((await new FormClient(t.url).signIn(` ${dana.email}`, dana.password)).status).toBe(303);

    const client = new FormClient(t.url);
    const csrf = FormClient.csrfFrom(await (await client.get('/signin')).text());
    const post = (email: string, password: string) =>
      client.post('/signin', { _csrf: csrf, email, password });
    expect(await exhaust(post, dave.email)).toEqual([429, 429, 429]);
  });

  it('audit #6: on the OAuth sign-in page, " admin@…" with a leading space spends the same budget (429)', async () => {
    const admin = await t.addUser({
      email: 'erin@example.com',
      password: 'erin-password-123',
      role: 'admin',
    });
    const client = await preregisteredClient(t, admin);
    const jar = new CookieJar();
    const start = await get(
      authorizeUrl(t.url, {
        clientId: client.id,
        redirectUri: CALLBACK,
        codeChallenge: pkcePair().challenge,
        codeChallengeMethod: 'S256',
        resource: t.mcpUrl,
      }),
      jar,
    );
    const html = await (await get(new URL(start.headers.get('location')!, t.url).href, jar)).text();
    const action = /action="(\/oauth\/interaction\/[^"]+\/login)"/.exec(html)![1]!;
    const csrf = FormClient.csrfFrom(html);
    const post = (email: string, password: string) =>
      postForm(new URL(action, t.url).href, jar, { _csrf: csrf, email, password });
    expect(await exhaust(post, admin.email)).toEqual([429, 429, 429]);
  });

  it('audit #6: an address typed in decomposed Unicode signs in to the account stored composed, and the reverse', async () => {
    const composed = 'jos\u00e9@example.com';
    const decomposed = 'jose\u0301@example.com';
    await t.addUser({ email: composed, password: 'jose-password-123' });
    expect((await new FormClient(t.url).signIn(decomposed, 'jose-password-123')).status).toBe(303);
    // Created from the decomposed spelling ("n" + combining tilde), stored as NFC ("ñ").
    await t.addUser({ email: 'ren\u0303e@example.com', password: 'renee-password-123' });
    const stored = await t.server.store.db
      .selectFrom('users')
      .select('email')
      .where('email', 'like', 're%e@example.com')
      .executeTakeFirst();
    expect(stored?.email).toBe('re\u00f1e@example.com');
    expect((await new FormClient(t.url).signIn('RE\u00d1E@example.com', 'renee-password-123')).status).toBe(
      303,
    );
  });

  it('audit #6: migration 0009 rewrites an address stored decomposed, so its owner can still sign in', async () => {
    const user = await t.addUser({ email: 'zoe@example.com', password: 'zoe-password-123' });
    const db = t.server.store.db;
    // As an account created before NFC was part of the rule could be stored.
    await db
      .updateTable('users')
      .set({ email: 'zoe\u0301@example.com' })
      .where('id', '=', user.userId)
      .execute();
    expect((await new FormClient(t.url).signIn('zo\u00e9@example.com', user.password)).status).toBe(401);
    await normalizeUserEmails(db as never);
    expect((await new FormClient(t.url).signIn('zoe\u0301@example.com', user.password)).status).toBe(303);
  });
}

describe('sign-in emails are normalized once (SQLite)', () => normalizationSuite('sqlite'));
describeWithPostgres('sign-in emails are normalized once (PostgreSQL)', () => normalizationSuite('postgres'));
