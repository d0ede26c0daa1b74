/* eslint-disable @typescript-eslint/no-explicit-any -- oidc-provider interaction details are untyped */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHmac } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { AppContext } from '../../AppContext.ts';
import { html, page, type RawHtml } from '../../http/html.ts';
import { currentSession, sessionCookie } from '../webSession.ts';
import { createWebSession } from '../../store/repositories/webSessions.ts';
import { recordAudit } from '../../store/repositories/auditLog.ts';
import { rememberCimdClient } from '../../store/repositories/oauthClients.ts';
import { oauthOrgPolicy, policyRefusal } from '../../store/repositories/oauthOrgPolicies.ts';
import { loadPrincipal } from '../../store/repositories/users.ts';
import { authenticatePassword, SIGN_IN_RATE_LIMIT } from '../authenticatePassword.ts';
import { safeEqual } from '../../crypto/index.ts';
import { isScope, DEFAULT_TOKEN_SCOPES, type Scope } from '../scopes.ts';
import { RESOURCE_SCOPES } from './createOidcProvider.ts';
import { SCOPE_DESCRIPTIONS } from './scopeDescriptions.ts';
import {
  accountIdOf,
  clientDisplayName,
  clientKindOf,
  clientOrgOf,
  clientServesOrg,
  parseAccountId,
  type ProviderClient,
} from './meridianClient.ts';
import { consentFingerprint, storeConsentFingerprint } from './consentFingerprint.ts';
import { loopbackParts } from './redirectUriPolicy.ts';

type Params = { Params: { uid: string } };

/**
 * The pages oidc-provider hands the browser to: sign-in (our accounts and passwords; an open
 * workspace session counts) and consent (who the client is, where the code goes, what is
 * granted, in plain words). Forms are POST-only with a CSRF token bound to the interaction;
 * the pages get `frame-ancestors 'none'`, `no-store` and no referrer (A13).
 */
export function registerInteractionRoutes(app: FastifyInstance, ctx: AppContext, provider: Provider): void {
  const { config, store, serverKey } = ctx;
  const db = store.db;
  const mcpResource = config.mcpUrl.href;
  const cookie = sessionCookie(ctx);

  const csrfFor = (uid: string) =>
    createHmac('sha256', serverKey).update(`oauth-interaction:${uid}`).digest('base64url');
  const csrfOk = (request: FastifyRequest<Params>) => {
    // With Referrer-Policy no-referrer, browsers send `Origin: null` on our own form posts; the
    // token (bound to this interaction) is what proves the form is ours.
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== 'null' && origin !== config.publicUrl.origin) return false;
    const sent = (request.body as Record<string, unknown> | undefined)?._csrf;
    return typeof sent === 'string' && safeEqual(sent, csrfFor(request.params.uid));
  };

  const send = (reply: FastifyReply, status: number, body: string, redirectUri?: unknown) => {
    // CSP form-action also governs where a form submission may end up after redirects: the
    // sign-in and consent forms finish at the client's (already validated) callback.
    let target: string;
    try {
      const url = new URL(String(redirectUri));
      target = url.origin !== 'null' ? url.origin : url.protocol;
    } catch {
      target = '';
    }
    reply.header(
      'Content-Security-Policy',
      `default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; form-action 'self'${target ? ` ${target}` : ''}`,
    );
    return reply.code(status).type('text/html').header('Cache-Control', 'no-store').send(body);
  };

  const expiredPage = () =>
    page(
      'Sign-in expired',
      html`<div class="card">
        <h1>This sign-in request has expired</h1>
        <p>Start the connection again from the application you were connecting (it opens a new request).</p>
      </div>`,
    );

  async function details(request: FastifyRequest<Params>, reply: FastifyReply) {
    try {
      const found = await provider.interactionDetails(request.raw, reply.raw);
      if (found.uid !== request.params.uid) return undefined;
      return found;
    } catch {
      return undefined;
    }
  }

  /** Tells the provider the outcome and sends the browser on (303, never 307). */
  async function finish(
    request: FastifyRequest<Params>,
    reply: FastifyReply,
    result: Record<string, unknown>,
  ) {
    const returnTo = await provider.interactionResult(request.raw, reply.raw, result, {
      mergeWithLastSubmission: true,
    });
    return reply.header('Cache-Control', 'no-store').redirect(returnTo, 303);
  }

  function requestedScopes(details: any): Scope[] {
    const asked = String(details.params.scope ?? '')
      .split(' ')
      .filter((s): s is Scope => isScope(s) && RESOURCE_SCOPES.includes(s));
    return asked.length ? asked : DEFAULT_TOKEN_SCOPES;
  }

  function signInPage(uid: string, client: ProviderClient, error?: string, email = '') {
    return page(
      'Sign in',
      html`<div class="card" style="max-width:28rem;margin:3rem auto">
        <h1>Sign in to Meridian</h1>
        <p><strong>${clientDisplayName(client)}</strong> wants to connect to your Meridian account.</p>
        ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
        <form method="post" action="/oauth/interaction/${uid}/login">
          <input type="hidden" name="_csrf" value="${csrfFor(uid)}" />
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="username" required value="${email}" />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <button type="submit">Sign in</button>
        </form>
      </div>`,
    );
  }

  function consentPage(
    uid: string,
    client: ProviderClient,
    interaction: any,
    who: { email: string; orgName: string },
    refusal?: string,
  ) {
    const kind = clientKindOf(client);
    const redirectUri = String(interaction.params.redirect_uri ?? '');
    let redirectHost = redirectUri;
    try {
      redirectHost = new URL(redirectUri).host;
    } catch {
      // a private-use scheme: show it whole
    }
    const scopes = requestedScopes(interaction);
    const unverified = kind !== 'preregistered';
    const localhostOnly =
      client.redirectUris.length > 0 && client.redirectUris.every((u) => loopbackParts(u));
    let body: RawHtml;
    if (refusal) {
      body = html`<p class="error">${refusal}</p>
        <form method="post" action="/oauth/interaction/${uid}/confirm">
          <input type="hidden" name="_csrf" value="${csrfFor(uid)}" />
          <button name="decision" value="deny">Return to the application</button>
        </form>`;
    } else {
      body = html`<p>
          <strong>${clientDisplayName(client)}</strong> wants to use Meridian as you
          (<strong>${who.email}</strong>, ${who.orgName}). It will be able to:
        </p>
        <ul class="scopes">
          ${scopes.map((s) => html`<li data-scope="${s}">${SCOPE_DESCRIPTIONS[s]}</li>`)}
        </ul>
        <p class="muted">
          It acts with your permissions: only the connections, datasets and maps your account can use. You can
          disconnect it at any time under Connected apps.
        </p>
        <form method="post" action="/oauth/interaction/${uid}/confirm" style="display:flex;gap:1rem">
          <input type="hidden" name="_csrf" value="${csrfFor(uid)}" />
          <button name="decision" value="allow" id="allow">Allow</button>
          <button
            name="decision"
            value="deny"
            id="deny"
            class="danger"
            style="margin-top:1rem;padding:0.55rem 1.1rem"
          >
            Deny
          </button>
        </form>`;
    }
    return page(
      'Authorize application',
      html`<div class="card" style="max-width:34rem;margin:3rem auto">
        <h1>Connect ${clientDisplayName(client)}?</h1>
        ${unverified ? html`<p class="muted"><span class="badge">Unverified app</span> This application registered itself; Meridian has not reviewed it.</p>` : ''}
        ${kind === 'cimd' ? html`<p>Identified by <strong class="client-host">${new URL(client.clientId).host}</strong> (<code>${client.clientId}</code>)</p>` : ''}
        <p>After you decide, you go back to <strong class="redirect-host">${redirectHost}</strong>.</p>
        ${localhostOnly && unverified ? html`<p class="error">This application only returns to addresses on your own computer. Continue only if you started it yourself.</p>` : ''}
        ${body}
      </div>`,
    );
  }

  /**
   * For a user outside the organization that registered the client (audit #4): no consent
   * form, only the way back. Names neither that organization nor anything of it.
   */
  function otherOrganizationPage(
    uid: string,
    client: ProviderClient,
    who: { email: string; orgName: string },
  ) {
    return page(
      'Application of another organization',
      html`<div class="card" style="max-width:34rem;margin:3rem auto">
        <h1>This application belongs to another organization</h1>
        <p class="error" role="alert">
          <strong>${clientDisplayName(client)}</strong> was registered by another organization on this
          Meridian server, and only that organization's members can connect it. You are signed in as
          <strong>${who.email}</strong> (${who.orgName}).
        </p>
        <p class="muted">
          To connect it to ${who.orgName}, an administrator of ${who.orgName} can create an OAuth client for
          it under Developers › Credentials › OAuth Clients and enter that Client ID in the application.
        </p>
        <form method="post" action="/oauth/interaction/${uid}/confirm">
          <input type="hidden" name="_csrf" value="${csrfFor(uid)}" />
          <button name="decision" value="deny">Return to the application</button>
        </form>
      </div>`,
    );
  }

  /**
   * The account a sign-in acts as: the user in the client's own organization when the client
   * has one and the user belongs to it, otherwise the organization they signed in to.
   */
  async function accountFor(client: ProviderClient, userId: string, orgId: string): Promise<string> {
    const clientOrg = clientOrgOf(client);
    if (clientOrg && clientOrg !== orgId && (await loadPrincipal(db, userId, clientOrg)))
      return accountIdOf(clientOrg, userId);
    return accountIdOf(orgId, userId);
  }

  app.get<Params>('/oauth/interaction/:uid', async (request, reply) => {
    const interaction = await details(request, reply);
    if (!interaction) return send(reply, 400, expiredPage());
    const client = (await provider.Client.find(interaction.params.client_id)) as ProviderClient | undefined;
    if (!client) return send(reply, 400, expiredPage());

    if (interaction.prompt.name === 'login') {
      // An open workspace session is a sign-in: the user still sees the consent page.
      const session = await currentSession(ctx, request);
      if (session) {
        return finish(request, reply, {
          login: {
            accountId: await accountFor(client, session.principal.userId, session.principal.orgId),
          },
        });
      }
      return send(reply, 200, signInPage(request.params.uid, client), interaction.params.redirect_uri);
    }
    const account = parseAccountId(String(interaction.session?.accountId ?? ''));
    const principal = account && (await loadPrincipal(db, account.userId, account.orgId));
    if (!principal) return send(reply, 400, expiredPage());
    if (!clientServesOrg(client, principal.orgId))
      return send(
        reply,
        403,
        otherOrganizationPage(request.params.uid, client, principal),
        interaction.params.redirect_uri,
      );
    const refusal = policyRefusal(await oauthOrgPolicy(db, principal.orgId), {
      kind: clientKindOf(client),
      clientId: client.clientId,
    });
    return send(
      reply,
      200,
      consentPage(request.params.uid, client, interaction, principal, refusal),
      interaction.params.redirect_uri,
    );
  });

  app.post<Params & { Body: { email?: string; password?: string } }>(
    '/oauth/interaction/:uid/login',
    {
      config: { rateLimit: SIGN_IN_RATE_LIMIT },
    },
    async (request, reply) => {
      if (!csrfOk(request))
        return send(
          reply,
          403,
          page(
            'Sign in',
            html`<div class="card">
              <p class="error">This form expired or did not come from Meridian.</p>
            </div>`,
          ),
        );
      const interaction = await details(request, reply);
      if (!interaction || interaction.prompt.name !== 'login') return send(reply, 400, expiredPage());
      const client = (await provider.Client.find(interaction.params.client_id)) as ProviderClient;
      const email = String(request.body?.email ?? '');
      const signedIn = await authenticatePassword(
        db,
        email,
        String(request.body?.password ?? ''),
        clientOrgOf(client),
      );
      if (!signedIn) {
        await recordAudit(db, {
          actor: client.clientId,
          action: 'oauth.signin.failed',
          ip: request.ip,
          detail: { email: email.slice(0, 200) },
        });
        return send(
          reply,
          401,
          signInPage(request.params.uid, client, 'The email or password is not correct.', email),
          interaction.params.redirect_uri,
        );
      }
      // A fresh workspace session (new cookie value: no fixation), so the workspace knows them too.
      const { userId, membership } = signedIn;
      const session = await createWebSession(db, {
        userId,
        orgId: membership.orgId,
        ttlMs: config.sessionTtlMs,
      });
      reply.setCookie(cookie.name, session.cookieValue, {
        ...cookie.options,
        expires: new Date(session.expiresAt),
      });
      await recordAudit(db, {
        orgId: membership.orgId,
        userId,
        actor: client.clientId,
        action: 'oauth.signin',
        ip: request.ip,
      });
      return finish(request, reply, { login: { accountId: accountIdOf(membership.orgId, userId) } });
    },
  );

  app.post<Params & { Body: { decision?: string } }>(
    '/oauth/interaction/:uid/confirm',
    async (request, reply) => {
      if (!csrfOk(request))
        return send(
          reply,
          403,
          page(
            'Authorize',
            html`<div class="card">
              <p class="error">This form expired or did not come from Meridian.</p>
            </div>`,
          ),
        );
      const interaction = await details(request, reply);
      if (!interaction || interaction.prompt.name !== 'consent') return send(reply, 400, expiredPage());
      const client = (await provider.Client.find(interaction.params.client_id)) as ProviderClient | undefined;
      const accountId = String(interaction.session?.accountId ?? '');
      const account = parseAccountId(accountId);
      const principal = account && (await loadPrincipal(db, account.userId, account.orgId));
      if (!client || !principal) return send(reply, 400, expiredPage());
      const foreignClient = !clientServesOrg(client, principal.orgId);
      const refusal = foreignClient
        ? 'the application was registered by another organization'
        : policyRefusal(await oauthOrgPolicy(db, principal.orgId), {
            kind: clientKindOf(client),
            clientId: client.clientId,
          });

      if (request.body?.decision !== 'allow' || refusal) {
        await recordAudit(db, {
          orgId: principal.orgId,
          userId: principal.userId,
          actor: client.clientId,
          action: 'oauth.consent.denied',
          ip: request.ip,
        });
        return finish(request, reply, {
          error: 'access_denied',
          error_description: foreignClient
            ? 'the application was registered by another organization; it can act only for its members'
            : refusal
              ? 'the organization does not allow this application'
              : 'the user denied access',
        });
      }

      const grant = interaction.grantId
        ? await provider.Grant.find(interaction.grantId)
        : new provider.Grant({ accountId, clientId: client.clientId });
      const missingOidc: string[] = interaction.prompt.details?.missingOIDCScope ?? [];
      if (missingOidc.length) grant.addOIDCScope(missingOidc.join(' '));
      grant.addResourceScope(mcpResource, requestedScopes(interaction).join(' '));
      const grantId: string = await grant.save();
      await storeConsentFingerprint(
        db,
        grantId,
        consentFingerprint(String(interaction.params.redirect_uri), client.redirectUris),
      );
      if (clientKindOf(client) === 'cimd')
        await rememberCimdClient(db, client.clientId, clientDisplayName(client));
      await recordAudit(db, {
        orgId: principal.orgId,
        userId: principal.userId,
        actor: client.clientId,
        action: 'oauth.consent.granted',
        target: grantId,
        detail: { scopes: requestedScopes(interaction) },
        ip: request.ip,
      });
      return finish(request, reply, { consent: { grantId } });
    },
  );
}
