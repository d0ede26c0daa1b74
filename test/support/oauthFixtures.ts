import { createPreregisteredClient } from '../../src/store/repositories/oauthClients.ts';
import type { TestServer, TestUser } from './testServer.ts';
import {
  authorizeUrl,
  basicAuth,
  CookieJar,
  driveAuthorization,
  pkcePair,
  tokenRequest,
} from './oauthHttp.ts';

// One browser per user and server: after the first sign-in the workspace session signs them in
// (as a real browser would), which also keeps tests clear of the sign-in rate limit.
const browsers = new Map<string, CookieJar>();
export function browserFor(t: TestServer, user: TestUser): CookieJar {
  const key = `${t.url}|${user.email}`;
  let jar = browsers.get(key);
  if (!jar) browsers.set(key, (jar = new CookieJar()));
  return jar;
}

export const CALLBACK = 'https://platform.example/callback';

export async function preregisteredClient(
  t: TestServer,
  admin: TestUser,
  redirectUris: string[] = [CALLBACK],
) {
  return createPreregisteredClient(t.server.store.db, admin, {
    name: 'Test Platform',
    redirectUris,
    allowedOrigins: [],
  });
}

export interface IssuedTokens {
  access_token: string;
  refresh_token?: string;
  scope?: string;
  token_type: string;
  expires_in: number;
}

/** The whole authorization code flow over HTTP for a client; returns the token response. */
export async function signInAndGetTokens(
  t: TestServer,
  user: TestUser,
  client: { id: string; secret?: string; redirectUri: string },
  options: { scope?: string; jar?: CookieJar; resource?: string } = {},
): Promise<IssuedTokens> {
  const { verifier, challenge } = pkcePair();
  const state = 'st-' + Math.random().toString(36).slice(2);
  const result = await driveAuthorization(
    t.url,
    authorizeUrl(t.url, {
      clientId: client.id,
      redirectUri: client.redirectUri,
      scope: options.scope,
      state,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      resource: options.resource ?? t.mcpUrl,
    }),
    { email: user.email, password: user.password, jar: options.jar ?? browserFor(t, user) },
  );
  const code = result.location?.searchParams.get('code');
  if (!code) throw new Error(`no code: ${result.location?.href ?? result.page?.html.slice(0, 500)}`);
  const form: Record<string, string> = {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: client.redirectUri,
  };
  const headers: Record<string, string> = {};
  if (client.secret) headers.authorization = basicAuth(client.id, client.secret);
  else form.client_id = client.id;
  const response = await tokenRequest(t.url, form, headers);
  if (response.status !== 200) throw new Error(`token ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body as unknown as IssuedTokens;
}
