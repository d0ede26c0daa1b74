/* eslint-disable @typescript-eslint/no-explicit-any -- oidc-provider is untyped; its hook arguments are typed at use */
import Provider, { errors, interactionPolicy } from 'oidc-provider';
import { createHash, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { MeridianConfig } from '../../config.ts';
import type { Database } from '../../store/schema.ts';
import { loadPrincipal } from '../../store/repositories/users.ts';
import { DCR_PREFIX, PREREGISTERED_PREFIX } from '../../store/repositories/oauthClients.ts';
import { ALL_SCOPES, DEFAULT_TOKEN_SCOPES, type Scope } from '../scopes.ts';
import { StoreAdapter } from './StoreAdapter.ts';
import { SIGNING_ALG, type PrivateJwk } from './signingKeys.ts';
import { redirectUriMatches, loopbackParts } from './redirectUriPolicy.ts';
import { assertRedirectUris } from './assertRedirectUris.ts';
import { clientKindOf, clientServesOrg, parseAccountId, type ProviderClient } from './meridianClient.ts';
import { consentFingerprint, storedConsentFingerprint } from './consentFingerprint.ts';
import { createCimdFetch, type CimdFetchOptions } from '../cimd/createCimdFetch.ts';
import { ClientIdMetadataPolicy } from '../cimd/ClientIdMetadataPolicy.ts';
import { renderOAuthErrorPage } from './renderOAuthErrorPage.ts';

/** Scopes that belong to the MCP resource (everything but offline_access, an AS scope). */
export const RESOURCE_SCOPES: readonly Scope[] = ALL_SCOPES.filter((s) => s !== 'offline_access');

export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  revocation: '/oauth/revoke',
  registration: '/oauth/register',
  jwks: '/oauth/jwks',
} as const;

export interface OidcProviderOptions {
  config: MeridianConfig;
  db: Kysely<Database>;
  serverKey: Buffer;
  signingKeys: PrivateJwk[];
  /** Test seam: DNS for CIMD fetches. */
  cimdResolve?: CimdFetchOptions['resolve'];
  cimdOnConnect?: CimdFetchOptions['onConnect'];
}

function cookieKeys(serverKey: Buffer): string[] {
  return [
    Buffer.from(hkdfSync('sha256', serverKey, Buffer.alloc(0), 'meridian oauth cookies v1', 32)).toString(
      'base64url',
    ),
  ];
}

/** Longest client_name a client may give itself (what the store keeps for a client's name). */
const CLIENT_NAME_MAX = 200;

/** Self-registrations with the same metadata get the same id: they collapse into one client. */
function selfRegisteredClientId(body: Record<string, unknown>): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
          )
        : value;
  return (
    DCR_PREFIX +
    createHash('sha256')
      .update(JSON.stringify(canonical(body)))
      .digest('base64url')
      .slice(0, 32)
  );
}

/**
 * Runs for every client oidc-provider builds (pre-registered and self-registered clients from
 * the store, CIMD documents, registrations): the client's kind comes from the shape of its id,
 * never from its metadata, and its callback URLs must pass our policy.
 */
function validateClientMetadata(ctx: any, key: string, _value: unknown, metadata: Record<string, any>): void {
  if (key === 'meridian_org_id') {
    if (metadata.meridian_kind !== 'preregistered') delete metadata.meridian_org_id;
    return;
  }
  if (key !== 'meridian_kind') return;
  const id = String(metadata.client_id ?? '');
  const registering = ctx?.oidc?.route === 'registration';
  const kind = registering
    ? 'dcr'
    : id.startsWith('https://')
      ? 'cimd'
      : id.startsWith(DCR_PREFIX)
        ? 'dcr'
        : id.startsWith(PREREGISTERED_PREFIX)
          ? 'preregistered'
          : undefined;
  if (!kind) throw new errors.InvalidClientMetadata('unrecognised client');
  metadata.meridian_kind = kind;
  // The name is shown on the consent page and stored for Connected apps: a self-described
  // client (registration, CIMD) gets a cap. One registered before the cap keeps working, cut.
  if (typeof metadata.client_name === 'string' && [...metadata.client_name].length > CLIENT_NAME_MAX) {
    const problem = `client_name must be at most ${CLIENT_NAME_MAX} characters`;
    if (registering) throw new errors.InvalidClientMetadata(problem);
    if (kind === 'cimd') throw new errors.InvalidClientMetadata(`the metadata document's ${problem}`);
    metadata.client_name = [...metadata.client_name].slice(0, CLIENT_NAME_MAX).join('');
  }
  // Clients declare the MCP scopes they want (`scope` in RFC 7591 / CIMD); the provider would
  // check them against its own OIDC scopes and refuse. Scopes are decided per request (and
  // narrowed by the user's role), so the declaration is dropped rather than enforced.
  delete metadata.scope;

  if (registering) {
    const body = (ctx.oidc.body ?? {}) as Record<string, unknown>;
    if ('client_id' in body || 'client_secret' in body) {
      throw new errors.InvalidClientMetadata(
        'client_id and client_secret are assigned by the server and must not be sent',
      );
    }
    if ('software_statement' in body)
      throw new errors.InvalidSoftwareStatement('software statements are not accepted here');
    if (body.token_endpoint_auth_method !== 'none') {
      throw new errors.InvalidClientMetadata(
        'only public clients may register themselves (token_endpoint_auth_method "none", with PKCE); ask an administrator for a client with a secret',
      );
    }
  }
  try {
    assertRedirectUris(metadata.redirect_uris, kind === 'dcr' ? 5 : 10);
  } catch (error) {
    // A CIMD document is client metadata, so its faults are invalid_client_metadata (C10).
    if (kind === 'cimd')
      throw new errors.InvalidClientMetadata(
        `the metadata document's ${(error as { error_description?: string }).error_description}`,
      );
    throw error;
  }
}

export function createOidcProvider(options: OidcProviderOptions): Provider {
  const { config, db, serverKey } = options;
  const issuer = config.issuer;
  const mcpResource = config.mcpUrl.href;
  const { oauth } = config;
  const cimdPolicy = new ClientIdMetadataPolicy({
    ownOrigin: config.publicUrl.origin,
    fetchesPerMinutePerAddress: oauth.cimd.fetchesPerMinute,
  });
  const cimdFetch = createCimdFetch({
    allowHosts: oauth.cimd.allowHosts,
    maxBytes: oauth.cimd.maxBytes,
    timeoutMs: oauth.cimd.timeoutMs,
    staleTtlMs: oauth.cimd.staleTtlMs,
    ca: oauth.cimd.caFile ? readFileSync(oauth.cimd.caFile, 'utf8') : undefined,
    resolve: options.cimdResolve,
    onConnect: options.cimdOnConnect,
  });

  const policy = interactionPolicy.base();
  // An organization's own client used by someone outside it: the interaction page says so,
  // even when an old grant would have let consent be skipped (audit #4).
  policy.get('consent').checks.add(
    new interactionPolicy.Check(
      'meridian_client_org',
      'the client belongs to another organization',
      'access_denied',
      (ctx: any) => {
        const account = parseAccountId(String(ctx.oidc.session?.accountId ?? ''));
        return account && !clientServesOrg(ctx.oidc.client as ProviderClient, account.orgId)
          ? interactionPolicy.Check.REQUEST_PROMPT
          : interactionPolicy.Check.NO_NEED_TO_PROMPT;
      },
    ),
  );
  policy.get('consent').checks.add(
    new interactionPolicy.Check(
      'meridian_reconsent',
      'consent to this client must be confirmed again',
      'consent_required',
      async (ctx: any) => {
        const { oidc } = ctx;
        if (oidc.result?.consent) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        const client = oidc.client as ProviderClient;
        if (clientKindOf(client) === 'preregistered') return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        // A client anyone can create (CIMD, self-registered) gets no silent consent on a
        // cross-site navigation: that is how a lookalike client rides an old consent (A14).
        if (ctx.get('sec-fetch-site') === 'cross-site') return interactionPolicy.Check.REQUEST_PROMPT;
        const grantId = oidc.grant?.jti;
        if (!grantId) return interactionPolicy.Check.REQUEST_PROMPT;
        const expected = consentFingerprint(String(oidc.params.redirect_uri), client.redirectUris);
        return (await storedConsentFingerprint(db, grantId)) === expected
          ? interactionPolicy.Check.NO_NEED_TO_PROMPT
          : interactionPolicy.Check.REQUEST_PROMPT;
      },
    ),
  );

  const provider = new Provider(issuer, {
    adapter: (name: string) => new StoreAdapter(name, db),
    clients: [],
    jwks: { keys: options.signingKeys },
    findAccount: async (ctx: any, accountId: string, token?: unknown) => {
      const parsed = parseAccountId(accountId);
      // At the token endpoint (code or refresh token redemption) the account must be one the
      // client may serve: a grant made before this check, or by any other path, yields nothing.
      const client = ctx?.oidc?.client as ProviderClient | undefined;
      if (token && parsed && client && !clientServesOrg(client, parsed.orgId)) {
        // InvalidGrant would keep the reason in error_detail, which clients never see.
        throw new errors.CustomOIDCProviderError(
          'invalid_grant',
          'this client was registered by another organization and cannot act for this account',
        );
      }
      const principal = parsed && (await loadPrincipal(db, parsed.userId, parsed.orgId));
      // A user disabled or removed from the organization has no account: refresh fails (B13).
      if (!principal) return undefined;
      return { accountId, claims: async () => ({ sub: accountId }) };
    },
    cookies: {
      keys: cookieKeys(serverKey),
      long: { signed: true, httpOnly: true, sameSite: 'lax', secure: config.publicUrl.protocol === 'https:' },
      short: {
        signed: true,
        httpOnly: true,
        sameSite: 'lax',
        secure: config.publicUrl.protocol === 'https:',
      },
      names: {
        session: 'meridian_oauth_session',
        interaction: 'meridian_oauth_interaction',
        resume: 'meridian_oauth_resume',
      },
    },
    routes: OAUTH_ROUTES,
    scopes: ['openid', 'offline_access'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    // A3: the redirect_uri is always required, even for a client with one registered URI.
    allowOmittingSingleRegisteredRedirectUri: false,
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: SIGNING_ALG,
    },
    extraClientMetadata: {
      properties: ['meridian_kind', 'meridian_org_id'],
      validator: validateClientMetadata,
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      introspection: { enabled: false },
      revocation: {
        enabled: true,
        // RFC 7009: a client revokes only its own tokens. A confidential client is told; a
        // public one (anyone can claim its id) gets the usual 200 and nothing happens.
        allowedPolicy: (_ctx: unknown, client: ProviderClient, token: { clientId: string }) => {
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod !== 'none')
            throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
          return false;
        },
      },
      pushedAuthorizationRequests: { enabled: false },
      registration: {
        enabled: oauth.dcrEnabled,
        initialAccessToken: false,
        issueRegistrationAccessToken: false,
        idFactory: (ctx: any) => selfRegisteredClientId((ctx.oidc.body ?? {}) as Record<string, unknown>),
      },
      resourceIndicators: {
        enabled: true,
        // One MCP endpoint: a request without `resource` means it (A9).
        defaultResource: () => mcpResource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resourceIndicator: string) => {
          if (resourceIndicator !== mcpResource) {
            throw new errors.InvalidTarget(`the only resource served here is ${mcpResource}`);
          }
          return {
            scope: RESOURCE_SCOPES.join(' '),
            audience: mcpResource,
            accessTokenTTL: oauth.accessTokenTtlS,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: SIGNING_ALG } },
          };
        },
      },
      clientIdMetadataDocument: {
        enabled: true,
        ack: 'draft-02',
        allowFetch: (ctx: any, clientId: string) => cimdPolicy.allowFetch(clientId, ctx?.ip),
        allowClient: () => true,
        cacheDuration: { min: oauth.cimd.cacheMinS, max: 86_400 },
      },
    },
    fetch: (url: string) => cimdFetch(url),
    fetchResponseBodyLimits: {
      'client_id metadata document': oauth.cimd.maxBytes,
      jwks_uri: 64 * 1024,
      sector_identifier_uri: 64 * 1024,
    },
    ttl: {
      AccessToken: oauth.accessTokenTtlS,
      AuthorizationCode: oauth.codeTtlS,
      IdToken: 600,
      Interaction: 30 * 60,
      Session: Math.floor(config.sessionTtlMs / 1000),
      // A grant outlives any one refresh chain (each chain is capped at the absolute lifetime
      // from its own sign-in): a remembered consent reused late still yields a full chain.
      Grant: oauth.refreshAbsoluteTtlS * 2,
      RefreshToken: (_ctx: unknown, token: { iiat?: number; iat?: number }) => {
        const now = Math.floor(Date.now() / 1000);
        const started = token.iiat ?? token.iat ?? now;
        const remaining = oauth.refreshAbsoluteTtlS - (now - started);
        // Past the absolute lifetime the new token is born expired: refresh fails (B13).
        return Math.max(1, Math.min(oauth.refreshTokenTtlS, remaining));
      },
    },
    // MCP clients rarely ask for offline_access, and an hourly sign-in is not acceptable: every
    // grant of a client allowed to refresh gets a refresh token, rotated on every use.
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    // JWT access tokens are not stored; the grant is. `gid` lets /mcp check the grant still
    // exists (one primary-key lookup), which is what every kind of revocation deletes.
    extraTokenClaims: async (_ctx: unknown, token: { kind: string; grantId?: string }) =>
      token.kind === 'AccessToken' && token.grantId ? { gid: token.grantId } : undefined,
    expiresWithSession: async () => false,
    conformIdTokenClaims: true,
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/oauth/interaction/${interaction.uid}`,
      policy,
    },
    clientBasedCORS: (_ctx: unknown, origin: string, client: ProviderClient) => {
      const allowed = (client.metadata().allowed_origins as string[] | undefined) ?? [];
      if (allowed.includes(origin)) return true;
      return client.redirectUris.some((uri) => {
        try {
          if (new URL(uri).origin === origin) return true;
        } catch {
          return false;
        }
        // Browser-based public clients on a loopback port chosen at run time.
        const asked = loopbackParts(`${origin}/`);
        const registered = loopbackParts(uri);
        return (
          client.clientAuthMethod === 'none' && !!asked && !!registered && asked.host === registered.host
        );
      });
    },
    renderError: async (ctx: any, out: { error: string; error_description?: string }, error: unknown) => {
      ctx.type = 'html';
      ctx.body = await renderOAuthErrorPage({ db, ctx, out, error });
    },
  });

  // RFC 8252 §7.3 for every public client (CIMD and self-registered clients usually say
  // application_type "web"): any port on a loopback callback, nothing else looser.
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(
    this: ProviderClient,
    value: string,
  ) {
    return redirectUriMatches(
      value,
      this.redirectUris,
      this.clientAuthMethod === 'none' || this.applicationType === 'native',
    );
  };

  return provider;
}

export { DEFAULT_TOKEN_SCOPES };
