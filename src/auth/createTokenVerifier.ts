import {
  OAuthError,
  OAuthErrorCode,
  type AuthInfo,
  type OAuthTokenVerifier,
} from '@modelcontextprotocol/server';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { verifyApiToken } from '../store/repositories/apiTokens.ts';
import { effectiveScopes } from './scopes.ts';
import type { McpCaller } from './McpCaller.ts';
import { StoreUnavailableError } from './StoreUnavailableError.ts';

/** Verifies another kind of bearer token (OAuth access JWTs); returns undefined when not its kind. */
export type BearerVerifier = (token: string) => Promise<AuthInfo | undefined>;

// AuthInfo must carry an expiry (the SDK refuses tokens without one). A non-expiring API token
// is re-checked against the store on every request, so this is only how long this one
// verification is good for, not a promise about the token.
const NON_EXPIRING_CHECK_VALIDITY_S = 300;

const REJECTION_MESSAGES = {
  malformed: 'The access token is malformed',
  unknown: 'The access token is not valid',
  revoked: 'The access token has been revoked',
  expired: 'The access token has expired',
  user_inactive: 'The access token belongs to a user who is no longer active in this organization',
} as const;

export function createTokenVerifier(options: {
  db: Kysely<Database>;
  mcpUrl: URL;
  otherVerifiers?: BearerVerifier[];
}): OAuthTokenVerifier {
  return {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      if (token.startsWith('mrd_')) {
        let verified;
        try {
          verified = await verifyApiToken(options.db, token);
        } catch (error) {
          throw new StoreUnavailableError(error);
        }
        if (typeof verified === 'string')
          throw new OAuthError(OAuthErrorCode.InvalidToken, REJECTION_MESSAGES[verified]);
        const { principal } = verified;
        const caller: McpCaller = {
          orgId: principal.orgId,
          userId: principal.userId,
          role: principal.role,
          principal,
          method: 'api_token',
          credentialId: verified.tokenId,
          clientId: `api-token:${verified.tokenId}`,
          scopes: effectiveScopes(verified.scopes, principal.role),
          toolCatalogVersion: verified.toolCatalogVersion,
        };
        const nowS = Math.floor(Date.now() / 1000);
        return {
          token,
          clientId: caller.clientId,
          scopes: caller.scopes,
          expiresAt:
            verified.expiresAt === null
              ? nowS + NON_EXPIRING_CHECK_VALIDITY_S
              : Math.floor(verified.expiresAt / 1000),
          resource: options.mcpUrl,
          extra: { caller },
        };
      }
      for (const verify of options.otherVerifiers ?? []) {
        const info = await verify(token);
        if (info) return info;
      }
      throw new OAuthError(OAuthErrorCode.InvalidToken, 'The access token is not valid');
    },
  };
}
