import { OAuthError, OAuthErrorCode, type AuthInfo } from '@modelcontextprotocol/server';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet } from 'jose';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { Principal } from '../../store/repositories/users.ts';
import type { BearerVerifier } from '../createTokenVerifier.ts';
import type { McpCaller } from '../McpCaller.ts';
import { StoreUnavailableError } from '../StoreUnavailableError.ts';
import { effectiveScopes } from '../scopes.ts';
import { parseAccountId } from './meridianClient.ts';
import { SIGNING_ALG, loadSigningKeys, publicJwkOf } from './signingKeys.ts';
import { reusableQuery } from '../../store/reusableQuery.ts';

export interface AccessTokenVerifierOptions {
  db: Kysely<Database>;
  serverKey: Buffer;
  issuer: string;
  /** The only audience accepted: our MCP endpoint URL. */
  audience: string;
  /** Minimum gap between key reloads when an unknown kid shows up (after a rotation). */
  keyReloadIntervalMs?: number;
}

/** The principal (as `loadPrincipal` returns it) and the grant, from one query. */
interface LiveRow extends Principal {
  toolCatalogVersion: number | string;
  grantLive: number | null;
  clientName: string | null;
  /** Set for a pre-registered client: the organization it belongs to. */
  clientOrgId: string | null;
}

// A JWT is only looked at as ours when it is shaped like one (three base64url parts).
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

/**
 * Verifies our OAuth access tokens at /mcp: signature with our own keys only (ES256; `none`,
 * HS256 and unknown kids fail), `typ` at+jwt, issuer, audience = the MCP URL exactly, expiry.
 * Then one indexed query answers everything that can change after issue: does the token's grant
 * still exist (revoking a refresh token, the grant, the client, or replaying a code deletes
 * it; JWT access tokens themselves are not stored), is the user still
 * active and a member, with which role. So revocation is effective on the very next request,
 * on every process, with no cache to wait for.
 */
/**
 * The signed-in account behind a token, live: user, membership, organization, whether the grant
 * still stands, and the client's name. One query, built once (it runs on every MCP request).
 */
const selectLiveAccount = reusableQuery(
  (
    db: Kysely<Database>,
    grantId: string,
    subject: string,
    now: number,
    clientId: string,
    userId: string,
    orgId: string,
  ) =>
    db
      .selectFrom('users')
      .innerJoin('memberships', 'memberships.user_id', 'users.id')
      .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
      .leftJoin('oauth_clients', (join) => join.on('oauth_clients.id', '=', clientId))
      .select([
        'users.id as userId',
        'users.email',
        'users.display_name as displayName',
        'organizations.id as orgId',
        'organizations.name as orgName',
        'organizations.slug as orgSlug',
        'organizations.tool_catalog_version as toolCatalogVersion',
        'memberships.role',
        sql<
          number | null
        >`(select 1 from oidc_payloads g where g.model = 'Grant' and g.id = ${grantId} and g.account_id = ${subject} and (g.expires_at is null or g.expires_at > ${now}))`.as(
          'grantLive',
        ),
        'oauth_clients.name as clientName',
        sql<string | null>`case when oauth_clients.kind = 'preregistered' then oauth_clients.org_id end`.as(
          'clientOrgId',
        ),
      ])
      .where('users.id', '=', userId)
      .where('memberships.org_id', '=', orgId)
      .where('users.disabled_at', 'is', null),
  6,
);

export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): BearerVerifier {
  const { db } = options;
  let jwks: ReturnType<typeof createLocalJWKSet> | undefined;
  let lastLoad = 0;
  const lastUsedWritten = new Map<string, number>();

  async function keySet(force: boolean) {
    const interval = options.keyReloadIntervalMs ?? 30_000;
    if (!jwks || (force && Date.now() - lastLoad > interval)) {
      const keys = await loadSigningKeys(db, options.serverKey);
      jwks = createLocalJWKSet({ keys: keys.map(publicJwkOf) } as JSONWebKeySet);
      lastLoad = Date.now();
    }
    return jwks;
  }

  async function verifySignature(token: string) {
    const verifyOptions = {
      issuer: options.issuer,
      audience: options.audience,
      typ: 'at+jwt',
      algorithms: [SIGNING_ALG],
      requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id', 'gid'],
    };
    try {
      return await jwtVerify(token, await keySet(false), verifyOptions);
    } catch (error) {
      // A key added by a rotation in another process: reload once, then decide.
      if (error instanceof joseErrors.JWKSNoMatchingKey)
        return jwtVerify(token, await keySet(true), verifyOptions);
      throw error;
    }
  }

  function touch(grantId: string) {
    const now = Date.now();
    if ((lastUsedWritten.get(grantId) ?? 0) > now - LAST_USED_WRITE_INTERVAL_MS) return;
    lastUsedWritten.set(grantId, now);
    if (lastUsedWritten.size > 10_000) lastUsedWritten.clear();
    db.updateTable('oidc_payloads')
      .set({ last_used_at: now })
      .where('model', '=', 'Grant')
      .where('id', '=', grantId)
      .execute()
      .catch(() => undefined);
  }

  return async (token: string): Promise<AuthInfo | undefined> => {
    if (!JWT_SHAPE.test(token)) return undefined;
    let payload;
    try {
      ({ payload } = await verifySignature(token));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired)
        throw new OAuthError(OAuthErrorCode.InvalidToken, 'The access token has expired');
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError) {
        throw new OAuthError(OAuthErrorCode.InvalidToken, 'The access token is not valid for this server');
      }
      throw new StoreUnavailableError(error);
    }
    const account = parseAccountId(String(payload.sub));
    const grantId = String(payload.gid);
    const clientId = String(payload.client_id);
    if (!account)
      throw new OAuthError(OAuthErrorCode.InvalidToken, 'The access token is not valid for this server');

    let row: LiveRow | undefined;
    try {
      [row] = (await selectLiveAccount(
        db,
        grantId,
        String(payload.sub),
        Date.now(),
        clientId,
        account.userId,
        account.orgId,
      )) as LiveRow[];
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
    if (!row)
      throw new OAuthError(
        OAuthErrorCode.InvalidToken,
        'The access token belongs to a user who is no longer active in this organization',
      );
    if (row.grantLive === null || row.grantLive === undefined)
      throw new OAuthError(OAuthErrorCode.InvalidToken, 'The access token has been revoked');
    // A token another organization's client obtained for this user before that was refused at
    // issuance (audit #4) is no better than one issued today.
    if (row.clientOrgId !== null && row.clientOrgId !== undefined && row.clientOrgId !== row.orgId)
      throw new OAuthError(
        OAuthErrorCode.InvalidToken,
        'The access token was issued to an application of another organization',
      );

    const tokenScopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    const principal = {
      userId: row.userId,
      email: row.email,
      displayName: row.displayName,
      orgId: row.orgId,
      orgName: row.orgName,
      orgSlug: row.orgSlug,
      role: row.role,
    };
    touch(grantId);
    const caller: McpCaller = {
      orgId: principal.orgId,
      userId: principal.userId,
      role: principal.role,
      principal,
      method: 'oauth',
      credentialId: grantId,
      clientId,
      clientName: row.clientName ?? (clientId.startsWith('https://') ? new URL(clientId).host : undefined),
      scopes: effectiveScopes(tokenScopes, principal.role),
      toolCatalogVersion: Number(row.toolCatalogVersion),
    };
    return {
      token,
      clientId,
      scopes: caller.scopes,
      expiresAt: Number(payload.exp),
      resource: new URL(options.audience),
      extra: { caller },
    };
  };
}
