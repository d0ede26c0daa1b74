import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { FormClient } from '../../support/formClient.ts';

describe('workspace sign-in', () => {
  let t: TestServer;
  let bob: TestUser;

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    bob = await t.addUser({ email: 'bob@example.com', password: 'bob-password-123', role: 'viewer' });
  });
  afterAll(async () => t?.stop());

  it('renders a sign-in page that works without JavaScript and cannot be framed', async () => {
    const client = new FormClient(t.url);
    const response = await client.get('/signin');
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain('<form method="post" action="/signin">');
    expect(body).not.toContain('<script');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('signs in, sets an HttpOnly SameSite=Lax session cookie and redirects with 303', async () => {
    const client = new FormClient(t.url);
    const response = await client.signIn(bob.email, bob.password);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/app/');
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('meridian_session='))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const session = await client.get('/api/v1/session');
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ user: { email: 'bob@example.com', role: 'viewer' } });
  });

  it('gives the same answer for a wrong password and an unknown account', async () => {
    const wrongPassword = await new FormClient(t.url).signIn(bob.email, 'not-his-password');
    const unknownUser = await new FormClient(t.url).signIn('nobody@example.com', 'whatever-password');
    expect(wrongPassword.status).toBe(401);
    expect(unknownUser.status).toBe(401);
    const message = (html: string) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(html)?.[1];
    const a = message(await wrongPassword.text());
    const b = message(await unknownUser.text());
    expect(a).toBe('The email or password is not correct.');
    expect(b).toBe(a);
  });

  it('refuses a sign-in post without the CSRF token, or from another origin', async () => {
    const client = new FormClient(t.url);
    const page = await (await client.get('/signin')).text();
    const csrf = FormClient.csrfFrom(page);
    const missing = await client.post('/signin', { email: bob.email, password: bob.password });
    expect(missing.status).toBe(403);
    const forged = await client.post('/signin', {
      _csrf: 'x'.repeat(43),
      email: bob.email,
      password: bob.password,
    });
    expect(forged.status).toBe(403);
    const crossSite = await client.post(
      '/signin',
      { _csrf: csrf, email: bob.email, password: bob.password },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.status).toBe(403);
    const fetchSite = await client.post(
      '/signin',
      { _csrf: csrf, email: bob.email, password: bob.password },
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(fetchSite.status).toBe(403);
    expect(client.cookies.has('meridian_session')).toBe(false);
  });

  it('never redirects off-site after sign-in (open-redirect attempts)', async () => {
    // Its own account: the sign-in limiter counts attempts per account and address.
    const dave = await t.addUser({ email: 'dave@example.com', password: 'dave-password-123' });
    for (const next of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
      '/%0d%0aLocation:%20https://evil.example',
    ]) {
      const client = new FormClient(t.url);
      const response = await client.signIn(dave.email, dave.password, next);
      expect(response.status).toBe(303);
      const location = response.headers.get('location')!;
      expect(location.startsWith('/')).toBe(true);
      expect(location.startsWith('//')).toBe(false);
      expect(new URL(location, t.url).origin).toBe(new URL(t.url).origin);
    }
    const ok = await new FormClient(t.url).signIn(
      dave.email,
      dave.password,
      '/app/developers/credentials?tab=tokens',
    );
    expect(ok.headers.get('location')).toBe('/app/developers/credentials?tab=tokens');
  });

  it('issues a fresh session id at every sign-in (no session fixation) and ends it at sign-out', async () => {
    const erin = await t.addUser({ email: 'erin@example.com', password: 'erin-password-123' });
    const client = new FormClient(t.url);
    await client.signIn(erin.email, erin.password);
    const first = client.cookies.get('meridian_session');
    await client.signIn(erin.email, erin.password);
    const second = client.cookies.get('meridian_session');
    expect(first).toBeTruthy();
    expect(second).not.toBe(first);

    // The SPA's sign-out button posts the session's CSRF token (from GET /api/v1/session) to /signout.
    const { csrfToken } = (await (await client.get('/api/v1/session')).json()) as { csrfToken: string };
    const stolen = client.cookies.get('meridian_session')!;
    expect((await client.post('/signout', { _csrf: 'forged' })).status).toBe(403);
    const out = await client.post('/signout', { _csrf: csrfToken });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/signin');
    const replay = await fetch(`${t.url}/app/developers/credentials`, {
      redirect: 'manual',
      headers: { cookie: `meridian_session=${stolen}` },
    });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toMatch(/^\/signin/);
    expect(
      (await fetch(`${t.url}/api/v1/session`, { headers: { cookie: `meridian_session=${stolen}` } })).status,
    ).toBe(401);
  });

  it('rate-limits repeated sign-in attempts for one account from one address with 429 and Retry-After', async () => {
    const victim = await t.addUser({ email: 'carol@example.com', password: 'carol-password-123' });
    const client = new FormClient(t.url);
    const page = await (await client.get('/signin')).text();
    const csrf = FormClient.csrfFrom(page);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const response = await client.post('/signin', {
        _csrf: csrf,
        email: victim.email,
        password: `guess-${i}`,
      });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Another account from the same address is not locked out by it.
    const frank = await t.addUser({ email: 'frank@example.com', password: 'frank-password-123' });
    const other = await new FormClient(t.url).signIn(frank.email, frank.password);
    expect(other.status).toBe(303);
  });
});
