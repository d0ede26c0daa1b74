import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../AppContext.ts';
import { listApiTokens, revokeApiToken, type ApiTokenSummary } from '../../store/repositories/apiTokens.ts';
import { recordAudit } from '../../store/repositories/auditLog.ts';
import { DEFAULT_TOKEN_SCOPES, SCOPES, scopesForRole, type Scope, issueApiToken } from '../../auth/index.ts';
import { requireApiSession } from './apiSession.ts';
import { parseBody } from './parseBody.ts';
import { sendErrorProblem, sendProblem } from './problem.ts';

/** Expiry choices the workspace offers; the CLI takes any duration. */
export const TOKEN_EXPIRY_CHOICES = ['7d', '30d', '90d', '365d', 'never'] as const;

const TOKEN_SCOPES = (Object.keys(SCOPES) as Scope[]).filter((scope) => scope !== 'offline_access');

const createTokenBody = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Give the token a name, e.g. the agent and machine it is for.')
    .max(100, 'At most 100 characters.'),
  scopes: z
    .array(
      z.enum(TOKEN_SCOPES as [Scope, ...Scope[]], { error: `Known scopes: ${TOKEN_SCOPES.join(', ')}.` }),
    )
    .min(1, 'Pick at least one scope.')
    .default(DEFAULT_TOKEN_SCOPES),
  expiresIn: z
    .enum(TOKEN_EXPIRY_CHOICES, { error: `Choose one of ${TOKEN_EXPIRY_CHOICES.join(', ')}.` })
    .default('30d'),
});

export type ApiTokenState = 'active' | 'expired' | 'revoked';

export interface ApiTokenView extends ApiTokenSummary {
  state: ApiTokenState;
}

function viewOf(token: ApiTokenSummary, now = Date.now()): ApiTokenView {
  const state: ApiTokenState =
    token.revokedAt !== null
      ? 'revoked'
      : token.expiresAt !== null && token.expiresAt <= now
        ? 'expired'
        : 'active';
  // Only the summary's fields: a created token's secret never reaches a list.
  const { id, name, scopes, createdAt, lastUsedAt, expiresAt, revokedAt } = token;
  return { id, name, scopes, createdAt, lastUsedAt, expiresAt, revokedAt, state };
}

/**
 * Developers › Credentials › API access tokens, for CLI agents: the caller's own tokens (never
 * anyone else's, whatever the role), created with the secret shown once, and revoked.
 */
export function registerCredentialsApiRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = ctx.store.db;

  app.get('/api/v1/api-tokens', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const now = Date.now();
    const tokens = await listApiTokens(db, api.caller);
    return {
      tokens: tokens.map((token) => viewOf(token, now)),
      scopes: scopesForRole(api.caller.role)
        .filter((scope) => scope !== 'offline_access')
        .map((scope) => ({
          scope,
          description: SCOPES[scope],
          default: DEFAULT_TOKEN_SCOPES.includes(scope),
        })),
      expiryChoices: TOKEN_EXPIRY_CHOICES,
      mcpUrl: ctx.config.mcpUrl.href,
    };
  });

  app.post('/api/v1/api-tokens', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const body = parseBody(createTokenBody, request, reply);
    if (!body) return reply;
    try {
      const created = await issueApiToken(db, api.caller, {
        name: body.name,
        scopes: body.scopes.join(' '),
        expiresIn: body.expiresIn,
        actor: 'workspace',
        ip: request.ip,
      });
      // The only time the secret is returned; the response is no-store (requireApiSession).
      return reply.code(201).send({ token: viewOf(created), secret: created.token });
    } catch (error) {
      // A refused token request is about its scopes (the name and expiry are checked by the schema).
      return sendErrorProblem(reply, error, { field: 'scopes' });
    }
  });

  // Revoked, not deleted: the row stays listed as revoked for the audit trail.
  app.delete<{ Params: { id: string } }>('/api/v1/api-tokens/:id', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    if (!(await revokeApiToken(db, api.caller, request.params.id))) {
      return sendProblem(reply, 404, 'No active token of yours has this id; it may be revoked already.');
    }
    await recordAudit(db, {
      ...api.caller,
      actor: 'workspace',
      action: 'api_token.revoke',
      target: request.params.id,
      ip: request.ip,
    });
    return reply.code(204).send();
  });
}
