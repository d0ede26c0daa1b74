import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Caller } from '../store/Caller.ts';
import { createApiToken, type CreatedApiToken } from '../store/repositories/apiTokens.ts';
import { recordAudit } from '../store/repositories/auditLog.ts';
import { parseDuration } from '../config.ts';
import { DEFAULT_TOKEN_SCOPES, parseScopes, scopesForRole } from './scopes.ts';
import { MeridianError } from '../errors/MeridianError.ts';

export class TokenRequestError extends MeridianError {
  override name = 'TokenRequestError';
  override readonly code: string = 'invalid_token_request';
  override readonly status: number = 422;
  override readonly showable: boolean = true;
}

/**
 * Creates an API access token for a caller, from the CLI or the workspace: validates the name,
 * scopes (only those the caller's role allows) and expiry, stores the hash, audits it.
 */
export async function issueApiToken(
  db: Kysely<Database>,
  caller: Caller,
  input: { name: string; scopes?: string; expiresIn?: string; actor: string; ip?: string },
): Promise<CreatedApiToken> {
  const name = input.name.trim();
  if (!name || name.length > 100) throw new TokenRequestError('The token name must be 1 to 100 characters.');
  let scopes: string[];
  try {
    scopes = input.scopes?.trim() ? parseScopes(input.scopes) : DEFAULT_TOKEN_SCOPES;
  } catch (error) {
    throw new TokenRequestError((error as Error).message);
  }
  if (scopes.includes('offline_access')) {
    throw new TokenRequestError(
      'offline_access is for OAuth refresh tokens; an API token needs no refresh, leave it out.',
    );
  }
  const allowed = new Set<string>(scopesForRole(caller.role));
  const beyond = scopes.filter((s) => !allowed.has(s));
  if (beyond.length)
    throw new TokenRequestError(`Your role (${caller.role}) cannot grant: ${beyond.join(', ')}.`);
  let expiresAt: number | null = null;
  if (input.expiresIn && input.expiresIn !== 'never') {
    try {
      expiresAt = Date.now() + parseDuration(input.expiresIn);
    } catch {
      throw new TokenRequestError(
        `"${input.expiresIn}" is not an expiry; use never, or a duration like 30d or 12h.`,
      );
    }
  }
  const token = await createApiToken(db, caller, { name, scopes, expiresAt });
  await recordAudit(db, {
    orgId: caller.orgId,
    userId: caller.userId,
    actor: input.actor,
    action: 'api_token.create',
    target: token.id,
    detail: { name, scopes, expiresAt },
    ip: input.ip ?? null,
  });
  return token;
}
