import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../AppContext.ts';
import type { Caller } from '../../store/Caller.ts';
import {
  createPreregisteredClient,
  deleteOrgClient,
  listOrgClients,
  rotateClientSecret,
  setClientDisabled,
  updateClientCallbacks,
  type OAuthClientView,
} from '../../store/repositories/oauthClients.ts';
import {
  oauthOrgPolicy,
  setCimdHostRule,
  setOAuthOrgPolicy,
} from '../../store/repositories/oauthOrgPolicies.ts';
import { recordAudit } from '../../store/repositories/auditLog.ts';
import { CALLBACK_PRESETS, parseClientCallbacks } from '../../auth/index.ts';
import { requireApiSession } from './apiSession.ts';
import { parseBody } from './parseBody.ts';
import { sendErrorProblem, sendProblem } from './problem.ts';

/** How long a rotated-out secret keeps working, so deployments can roll to the new one. */
const SECRET_GRACE_MS = 24 * 3_600_000;

const urlList = z
  .array(z.string().max(2100, 'At most 2100 characters per URL.'))
  .max(20, 'At most 20 entries.');

const createClientBody = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Give the client a name, e.g. the platform it is for.')
    .max(100, 'At most 100 characters.'),
  /** Exact callback URLs, added to the preset's. */
  callbacks: urlList.default([]),
  origins: urlList.default([]),
  preset: z
    .enum(Object.keys(CALLBACK_PRESETS) as [string, ...string[]], {
      error: `Known presets: ${Object.keys(CALLBACK_PRESETS).join(', ')}.`,
    })
    .optional(),
  /** Meridian's own /oauth/callback, for trying a client by hand. */
  useDefault: z.boolean().default(false),
});

const updateClientBody = z
  .object({
    callbacks: urlList.optional(),
    origins: urlList.optional(),
    disabled: z.boolean().optional(),
  })
  .refine(
    (body) => body.callbacks !== undefined || body.origins !== undefined || body.disabled !== undefined,
    {
      message: 'Send callbacks, origins or disabled.',
    },
  );

const policyBody = z.object({
  dcrEnabled: z.boolean({ error: 'true or false: may applications register themselves (DCR)?' }),
  cimdMode: z.enum(['any', 'listed'], {
    error: 'any (any public https host unless blocked) or listed (only allowed hosts).',
  }),
});

const hostRuleBody = z.object({
  host: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9.-]{1,253}$/, 'Enter a host name such as claude.ai (no scheme, port or path).'),
  rule: z.enum(['allow', 'block'], { error: 'allow or block.' }),
});

/**
 * Developers › Credentials › OAuth clients, for administrators: the organization's pre-registered
 * clients (ID and secret shown once), the self-registered and CIMD clients its members
 * authorized, and the policy for clients nobody registered. Another organization's client
 * answers 404, like a missing one.
 */
export function registerOAuthClientsApiRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = ctx.store.db;

  async function audit(
    caller: Caller,
    request: FastifyRequest,
    action: string,
    extra: { target?: string; detail?: Record<string, unknown> } = {},
  ) {
    await recordAudit(db, { ...caller, actor: 'workspace', action, ...extra, ip: request.ip });
  }

  async function findClient(caller: Caller, id: string): Promise<OAuthClientView | undefined> {
    return (await listOrgClients(db, caller)).find((client) => client.id === id);
  }

  app.get('/api/v1/oauth-clients', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply, 'admin');
    if (!api) return reply;
    return {
      clients: await listOrgClients(db, api.caller),
      presets: Object.entries(CALLBACK_PRESETS).map(([key, preset]) => ({ key, ...preset })),
      defaultCallbackUrl: new URL('/oauth/callback', ctx.config.publicUrl).href,
      mcpUrl: ctx.config.mcpUrl.href,
    };
  });

  app.post('/api/v1/oauth-clients', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply, 'admin');
    if (!api) return reply;
    const body = parseBody(createClientBody, request, reply);
    if (!body) return reply;
    try {
      const parsed = parseClientCallbacks({
        callbacks: body.callbacks.join(' '),
        origins: body.origins.join(' '),
        preset: body.preset,
        useDefault: body.useDefault,
        publicUrl: ctx.config.publicUrl,
      });
      const created = await createPreregisteredClient(db, api.caller, { name: body.name, ...parsed });
      await audit(api.caller, request, 'oauth_client.create', { target: created.id });
      const client = await findClient(api.caller, created.id);
      // The only time the secret is returned; the response is no-store (requireApiSession).
      return reply.code(201).send({ client, secret: created.secret });
    } catch (error) {
      return sendErrorProblem(reply, error);
    }
  });

  app.patch<{ Params: { id: string } }>('/api/v1/oauth-clients/:id', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply, 'admin');
    if (!api) return reply;
    const body = parseBody(updateClientBody, request, reply);
    if (!body) return reply;
    const { id } = request.params;
    const existing = await findClient(api.caller, id);
    // Only pre-registered clients are edited here; the others describe themselves.
    if (!existing || existing.kind !== 'preregistered')
      return sendProblem(reply, 404, 'No OAuth client of your organization that can be edited has this id.');
    if (body.callbacks !== undefined || body.origins !== undefined) {
      try {
        const parsed = parseClientCallbacks({
          callbacks: (body.callbacks ?? existing.redirectUris).join(' '),
          origins: (body.origins ?? existing.allowedOrigins).join(' '),
          publicUrl: ctx.config.publicUrl,
        });
        await updateClientCallbacks(db, api.caller, id, parsed);
        await audit(api.caller, request, 'oauth_client.callbacks', { target: id });
      } catch (error) {
        return sendErrorProblem(reply, error);
      }
    }
    if (body.disabled !== undefined && body.disabled !== existing.disabled) {
      await setClientDisabled(db, api.caller, id, body.disabled);
      await audit(api.caller, request, `oauth_client.${body.disabled ? 'disable' : 'enable'}`, {
        target: id,
      });
    }
    return { client: await findClient(api.caller, id) };
  });

  app.post<{ Params: { id: string } }>('/api/v1/oauth-clients/:id/secret', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply, 'admin');
    if (!api) return reply;
    const secret = await rotateClientSecret(db, api.caller, request.params.id, SECRET_GRACE_MS);
    if (!secret)
      return sendProblem(reply, 404, 'No pre-registered OAuth client of your organization has this id.');
    await audit(api.caller, request, 'oauth_client.rotate_secret', { target: request.params.id });
    return { secret, previousSecretValidUntil: Date.now() + SECRET_GRACE_MS };
  });

  app.delete<{ Params: { id: string } }>('/api/v1/oauth-clients/:id', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply, 'admin');
    if (!api) return reply;
    if (!(await deleteOrgClient(db, api.caller, request.params.id)))
      return sendProblem(reply, 404, 'No OAuth client of your organization has this id.');
    await audit(api.caller, request, 'oauth_client.delete', { target: request.params.id });
    return reply.code(204).send();
  });

  app.get('/api/v1/oauth-policy', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply, 'admin');
    if (!api) return reply;
    return { policy: await oauthOrgPolicy(db, api.caller.orgId) };
  });

  app.put('/api/v1/oauth-policy', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply, 'admin');
    if (!api) return reply;
    const body = parseBody(policyBody, request, reply);
    if (!body) return reply;
    await setOAuthOrgPolicy(db, api.caller, body);
    await audit(api.caller, request, 'oauth_policy.update', { detail: body });
    return { policy: await oauthOrgPolicy(db, api.caller.orgId) };
  });

  app.post('/api/v1/oauth-policy/cimd-hosts', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply, 'admin');
    if (!api) return reply;
    const body = parseBody(hostRuleBody, request, reply);
    if (!body) return reply;
    await setCimdHostRule(db, api.caller, body.host, body.rule);
    await audit(api.caller, request, 'oauth_policy.cimd_host', { detail: body });
    return { policy: await oauthOrgPolicy(db, api.caller.orgId) };
  });

  app.delete<{ Params: { host: string } }>(
    '/api/v1/oauth-policy/cimd-hosts/:host',
    async (request, reply) => {
      const api = await requireApiSession(ctx, request, reply, 'admin');
      if (!api) return reply;
      const host = request.params.host.trim().toLowerCase();
      await setCimdHostRule(db, api.caller, host, 'none');
      await audit(api.caller, request, 'oauth_policy.cimd_host', { detail: { host, rule: 'none' } });
      return { policy: await oauthOrgPolicy(db, api.caller.orgId) };
    },
  );
}
