import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/testServer.ts';

// SECURITY-TESTS.md J1 (credential stuffing at sign-in: 429 + Retry-After per account and
// address, no user enumeration) and J2 (X-Forwarded-For counts only from a configured proxy).
// The sign-in form allows 10 attempts per 5 minutes per (address, account).
const LIMIT = 10;

async function csrfCookie(base: string): Promise<string> {
  const response = await fetch(`${base}/signin`);
  const cookie = /meridian_csrf=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
  if (!cookie) throw new Error('no CSRF cookie from GET /signin');
  return cookie;
}

async function signIn(
  base: string,
  csrf: string,
  email: string,
  password: string,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${base}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: `meridian_csrf=${csrf}`,
      ...headers,
    },
    body: new URLSearchParams({ _csrf: csrf, email, password, next: '/developers/credentials' }).toString(),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    text: await response.text(),
  };
}

/**
 * The `LIMIT` failed attempts a budget allows, sent at once: password hashing (scrypt) dominates
 * and runs on the thread pool. The limiter counts synchronously, so all of them are still 401.
 */
async function expectRejected(attempt: (i: number) => Promise<{ status: number }>) {
  const statuses = (await Promise.all(Array.from({ length: LIMIT }, (_, i) => attempt(i)))).map(
    (r) => r.status,
  );
  expect(statuses).toEqual(Array(LIMIT).fill(401));
}

describe('J1/J2 sign-in rate limiting without a trusted proxy', () => {
  let t: TestServer;
  let csrf: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    await t.addUser({ email: 'alice@example.com', password: 'alice-password-123' });
    await t.addUser({ email: 'bob@example.com', password: 'bob-password-1234' });
    csrf = await csrfCookie(t.url);
  });
  afterAll(async () => t?.stop());

  it('J1 a wrong password and an unknown account get the same answer (no enumeration)', async () => {
    const wrongPassword = await signIn(t.url, csrf, 'bob@example.com', 'not-the-password');
    const unknownAccount = await signIn(t.url, csrf, 'nobody@example.com', 'not-the-password');
    expect(wrongPassword.status).toBe(401);
    expect(unknownAccount.status).toBe(401);
    const message = (text: string) => /<p class="error"[^>]*>([^<]*)<\/p>/.exec(text)?.[1];
    expect(message(wrongPassword.text)).toBe('The email or password is not correct.');
    expect(message(unknownAccount.text)).toBe(message(wrongPassword.text));
  });

  it('J1+J2 the 11th attempt on one account → 429 with Retry-After, whatever X-Forwarded-For claims', async () => {
    await expectRejected((i) =>
      signIn(t.url, csrf, 'alice@example.com', `guess-${i}`, { 'x-forwarded-for': `203.0.113.${i + 1}` }),
    );
    const blocked = await signIn(t.url, csrf, 'alice@example.com', 'alice-password-123', {
      'x-forwarded-for': '198.51.100.77',
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.retryAfter)).toBeGreaterThan(0);
    expect(blocked.text).not.toContain('alice-password-123');
  });

  it('J1 the limit is per account: another account from the same address still signs in', async () => {
    const other = await signIn(t.url, csrf, 'bob@example.com', 'bob-password-1234');
    expect(other.status).toBe(303);
  });
});

describe('J2 sign-in rate limiting behind a configured proxy (MERIDIAN_TRUST_PROXY)', () => {
  let t: TestServer;
  let csrf: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { env: { MERIDIAN_TRUST_PROXY: '127.0.0.1' } });
    await t.addUser({ email: 'carol@example.com', password: 'carol-password-123' });
    csrf = await csrfCookie(t.url);
  });
  afterAll(async () => t?.stop());

  it('each client address the trusted proxy names has its own budget', async () => {
    await expectRejected((i) =>
      signIn(t.url, csrf, 'carol@example.com', `guess-${i}`, { 'x-forwarded-for': '203.0.113.10' }),
    );
    expect(
      (await signIn(t.url, csrf, 'carol@example.com', 'guess', { 'x-forwarded-for': '203.0.113.10' })).status,
    ).toBe(429);
    // Another client behind the same proxy is not locked out by the first one's failures.
    expect(
      (
        await signIn(t.url, csrf, 'carol@example.com', 'carol-password-123', {
          'x-forwarded-for': '203.0.113.20',
        })
      ).status,
    ).toBe(303);
  });

  it('a client cannot escape by prepending addresses: only the hop the proxy appended counts', async () => {
    // The trusted proxy appends the real client (203.0.113.10, already over budget); whatever the
    // client itself put in front is ignored.
    const spoofed = await signIn(t.url, csrf, 'carol@example.com', 'guess', {
      'x-forwarded-for': '198.51.100.1, 203.0.113.10',
    });
    expect(spoofed.status).toBe(429);
  });
});

describe('J2 a proxy list that does not name the caller: X-Forwarded-For is ignored', () => {
  let t: TestServer;
  let csrf: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { env: { MERIDIAN_TRUST_PROXY: '10.0.0.0/8' } });
    await t.addUser({ email: 'dave@example.com', password: 'dave-password-123' });
    csrf = await csrfCookie(t.url);
  });
  afterAll(async () => t?.stop());

  it('rotating X-Forwarded-For from an untrusted socket does not reset the budget', async () => {
    await expectRejected((i) =>
      signIn(t.url, csrf, 'dave@example.com', `guess-${i}`, { 'x-forwarded-for': `203.0.113.${i + 1}` }),
    );
    expect(
      (await signIn(t.url, csrf, 'dave@example.com', 'guess', { 'x-forwarded-for': '203.0.113.99' })).status,
    ).toBe(429);
  });
});
