import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type StoreKind, type TestServer, type TestUser } from '../../support/testServer.ts';
import { describeWithPostgres } from '../../support/postgres.ts';
import { CALLBACK, preregisteredClient, signInAndGetTokens } from '../../support/oauthFixtures.ts';
import {
  authorizeUrl,
  basicAuth,
  CookieJar,
  driveAuthorization,
  mcpWhoami,
  pkcePair,
  postForm,
  tokenRequest,
} from '../../support/oauthHttp.ts';
import { addMembership, createOrganization } from '../../../src/store/repositories/organizations.ts';

// Audit #4 (issue 11): a pre-registered client is its organization's own; a member of another
// organization could sign in through it (and got no "unverified" label). Now the interaction
// refuses with a page, and the token endpoint and /mcp refuse whatever was obtained before.
function clientOrgSuite(kind: StoreKind) {
  let t: TestServer;
  let alice: TestUser; // admin of org A (demo), which registers the client
  let bob: TestUser; // member of org B only
  let client: { id: string; secret: string; redirectUri: string };

  const start = (jar: CookieJar) =>
    driveAuthorization(
      t.url,
      authorizeUrl(t.url, {
        clientId: client.id,
        redirectUri: CALLBACK,
        codeChallenge: pkcePair().challenge,
        codeChallengeMethod: 'S256',
        resource: t.mcpUrl,
      }),
      { email: bob.email, password: bob.password, jar },
    );

  beforeAll(async () => {
    t = await startTestServer(kind);
    alice = await t.addUser({ email: 'alice@a.example', role: 'admin' });
    bob = await t.addUser({ email: 'bob@b.example', role: 'admin', orgSlug: 'org-b' });
    const created = await preregisteredClient(t, alice);
    client = { id: created.id, secret: created.secret, redirectUri: CALLBACK };
  });
  afterAll(async () => t?.stop());

  it('audit #4: a member of another organization gets a page saying so, and no code even when posting allow', async () => {
    const jar = new CookieJar();
    const result = await start(jar);
    expect(result.location).toBeUndefined();
    expect(result.page?.status).toBe(403);
    const html = result.page!.html;
    expect(html).toContain('This application belongs to another organization');
    expect(html).toContain('bob@b.example');
    expect(html).not.toContain('id="allow"');
    expect(html).not.toContain('Unverified app');
    // Never names the organization that registered it.
    expect(html).not.toContain(alice.orgId);
    expect(html).not.toMatch(/>demo</);

    // A hand-made "allow" on that form is a denial: back to the client without a code.
    const action = /action="(\/oauth\/interaction\/[^"]+\/confirm)"/.exec(html)![1]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    let response = await postForm(new URL(action, t.url).href, jar, { _csrf: csrf, decision: 'allow' });
    for (let i = 0; i < 5 && response.status === 303; i++) {
      const next = new URL(response.headers.get('location')!, t.url);
      if (next.origin !== new URL(t.url).origin) {
        expect(next.searchParams.get('code')).toBeNull();
        expect(next.searchParams.get('error')).toBe('access_denied');
        return;
      }
      response = await fetch(next, { redirect: 'manual', headers: { cookie: jar.header() } });
      jar.store(response);
    }
    throw new Error(`never returned to the client (status ${response.status})`);
  });

  it('audit #4: tokens and grants obtained before the check stop working: refresh is invalid_grant, /mcp is 401, a new request shows the page', async () => {
    // What the unchecked server allowed: bob's grant and tokens from a client that was then
    // org B's. Moving the client to org A makes it exactly a foreign org's client with a grant.
    const own = await preregisteredClient(t, bob);
    const jar = new CookieJar();
    const tokens = await signInAndGetTokens(
      t,
      bob,
      { id: own.id, secret: own.secret, redirectUri: CALLBACK },
      { jar },
    );
    expect((await mcpWhoami(t.mcpUrl, tokens.access_token)).status).toBe(200);
    await t.server.store.db
      .updateTable('oauth_clients')
      .set({ org_id: alice.orgId })
      .where('id', '=', own.id)
      .execute();

    const refreshed = await tokenRequest(
      t.url,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      { authorization: basicAuth(own.id, own.secret) },
    );
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
    expect(String(refreshed.body.error_description)).toMatch(/another organization/);

    const mcp = await mcpWhoami(t.mcpUrl, tokens.access_token);
    expect(mcp.status).toBe(401);
    expect(mcp.wwwAuthenticate).toMatch(/invalid_token/);

    // Same browser (provider session and remembered grant): no silent code, the page instead.
    const again = await driveAuthorization(
      t.url,
      authorizeUrl(t.url, {
        clientId: own.id,
        redirectUri: CALLBACK,
        codeChallenge: pkcePair().challenge,
        codeChallengeMethod: 'S256',
        resource: t.mcpUrl,
      }),
      { email: bob.email, password: bob.password, jar },
    );
    expect(again.location?.searchParams.get('code') ?? null).toBeNull();
    expect(again.page?.status).toBe(403);
    expect(again.page?.html).toContain('This application belongs to another organization');
  });

  it('audit #4: a user in both organizations signs in through it as a member of the client\u2019s organization', async () => {
    const org = await createOrganization(t.server.store.db, 'org-c', 'org-c');
    const carol = await t.addUser({ email: 'carol@c.example', role: 'editor', orgSlug: 'org-c' });
    await addMembership(t.server.store.db, alice.orgId, carol.userId, 'viewer');
    expect(carol.orgId).toBe(org.id);
    const tokens = await signInAndGetTokens(t, carol, client, { jar: new CookieJar() });
    const whoami = await mcpWhoami(t.mcpUrl, tokens.access_token);
    expect(whoami.status).toBe(200);
    const result = whoami.body?.result as { structuredContent: { organization: { id: string } } };
    expect(result.structuredContent.organization.id).toBe(alice.orgId);
  });

  it('audit #4: the organization\u2019s own members still connect (consent, code, tokens, refresh)', async () => {
    const tokens = await signInAndGetTokens(t, alice, client, { jar: new CookieJar() });
    expect((await mcpWhoami(t.mcpUrl, tokens.access_token)).status).toBe(200);
    const refreshed = await tokenRequest(
      t.url,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      { authorization: basicAuth(client.id, client.secret) },
    );
    expect(refreshed.status).toBe(200);
  });
}

describe('pre-registered clients serve their own organization (SQLite)', () => clientOrgSuite('sqlite'));
describeWithPostgres('pre-registered clients serve their own organization (PostgreSQL)', () =>
  clientOrgSuite('postgres'),
);
