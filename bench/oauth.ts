/**
 * OAuth costs, measured on a real server over real HTTP (SQLite store, one process):
 * - the token endpoint for the authorization_code grant and the refresh_token grant;
 * - bearer validation per MCP request: the verifier alone (signature + one store query), and a
 *   whole `tools/call whoami` over HTTP with an OAuth JWT next to the same with an API token.
 * Run: node --import tsx bench/oauth.ts [iterations] [sqlite|postgres]
 */
import { performance } from 'node:perf_hooks';
import { startTestServer } from '../test/support/testServer.ts';
import {
  authorizeUrl,
  basicAuth,
  CookieJar,
  driveAuthorization,
  mcpWhoami,
  pkcePair,
  tokenRequest,
} from '../test/support/oauthHttp.ts';
import { CALLBACK, preregisteredClient, signInAndGetTokens } from '../test/support/oauthFixtures.ts';
import { createAccessTokenVerifier } from '../src/auth/oauth/createAccessTokenVerifier.ts';
import { loadOrCreateServerKey } from '../src/auth/serverKey.ts';

const N = Number(process.argv[2] ?? 200);
const KIND = process.argv[3] === 'postgres' ? 'postgres' : 'sqlite';

function summary(label: string, samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  console.log(
    `${label.padEnd(52)} n=${String(samples.length).padStart(5)}  mean ${mean.toFixed(3)} ms  p50 ${pct(50).toFixed(3)}  p95 ${pct(95).toFixed(3)}  p99 ${pct(99).toFixed(3)}`,
  );
  return mean;
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
}

console.log(`store: ${KIND}`);
const t = await startTestServer(KIND, {
  env: { MERIDIAN_LOG_LEVEL: 'warn', MERIDIAN_OAUTH_TOKEN_RATE_LIMIT: '1000000' },
});
try {
  const admin = await t.addUser({ email: 'bench@example.com', role: 'admin' });
  const client = await preregisteredClient(t, admin);
  const auth = { authorization: basicAuth(client.id, client.secret) };
  const jar = new CookieJar();

  // Codes first (the interaction is not what we measure), then redeem each one.
  const codes: Array<{ code: string; verifier: string }> = [];
  for (let i = 0; i < N; i++) {
    const { verifier, challenge } = pkcePair();
    const flow = await driveAuthorization(
      t.url,
      authorizeUrl(t.url, {
        clientId: client.id,
        redirectUri: CALLBACK,
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
      }),
      {
        email: admin.email,
        password: admin.password,
        jar,
      },
    );
    codes.push({ code: flow.location!.searchParams.get('code')!, verifier });
  }
  const codeTimes: number[] = [];
  for (const c of codes) {
    const [ms, r] = await time(() =>
      tokenRequest(
        t.url,
        { grant_type: 'authorization_code', code: c.code, code_verifier: c.verifier, redirect_uri: CALLBACK },
        auth,
      ),
    );
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    codeTimes.push(ms);
  }
  summary('POST /oauth/token authorization_code', codeTimes);

  let tokens = await signInAndGetTokens(
    t,
    admin,
    { id: client.id, secret: client.secret, redirectUri: CALLBACK },
    { jar },
  );
  const refreshTimes: number[] = [];
  let refreshToken = tokens.refresh_token!;
  for (let i = 0; i < N; i++) {
    const [ms, r] = await time(() =>
      tokenRequest(t.url, { grant_type: 'refresh_token', refresh_token: refreshToken }, auth),
    );
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    refreshToken = String(r.body.refresh_token);
    refreshTimes.push(ms);
  }
  summary('POST /oauth/token refresh_token (rotating)', refreshTimes);

  tokens = await signInAndGetTokens(
    t,
    admin,
    { id: client.id, secret: client.secret, redirectUri: CALLBACK },
    { jar },
  );
  const verify = createAccessTokenVerifier({
    db: t.server.store.db,
    serverKey: loadOrCreateServerKey(t.dataDir),
    issuer: t.url,
    audience: t.mcpUrl,
  });
  await verify(tokens.access_token);
  const verifyTimes: number[] = [];
  for (let i = 0; i < N * 10; i++) verifyTimes.push((await time(() => verify(tokens.access_token)))[0]);
  const verifyMean = summary('bearer check: JWT verify + 1 store query', verifyTimes);

  const apiToken = await t.createToken(admin);
  for (let i = 0; i < 20; i++) {
    await mcpWhoami(t.mcpUrl, tokens.access_token);
    await mcpWhoami(t.mcpUrl, apiToken);
  }
  const oauthTimes: number[] = [];
  const apiTimes: number[] = [];
  for (let i = 0; i < N * 2; i++) {
    oauthTimes.push((await time(() => mcpWhoami(t.mcpUrl, tokens.access_token)))[0]);
    apiTimes.push((await time(() => mcpWhoami(t.mcpUrl, apiToken)))[0]);
  }
  const oauthMean = summary('tools/call whoami over HTTP, OAuth JWT', oauthTimes);
  const apiMean = summary('tools/call whoami over HTTP, API token', apiTimes);
  console.log(
    `bearer check share of an OAuth MCP request: ${((verifyMean / oauthMean) * 100).toFixed(1)}%; OAuth/API-token request ratio ${(oauthMean / apiMean).toFixed(2)}`,
  );
} finally {
  await t.stop();
}
