import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import { html, page, type RawHtml } from '../../http/html.ts';
import { findClientRecord } from '../../store/repositories/oauthClients.ts';
import { CimdFetchError } from '../cimd/CimdFetchError.ts';

interface ErrorContext {
  db: Kysely<Database>;
  ctx: {
    oidc?: {
      params?: Record<string, unknown>;
      client?: { clientId: string; clientName?: string; redirectUris: string[] };
    };
    query?: Record<string, unknown>;
  };
  out: { error: string; error_description?: string };
  error: unknown;
}

/** The most specific human reason in an error's cause chain (CIMD fetch problems mostly). */
function reasonOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth++) {
    if (current instanceof CimdFetchError) return current.reason;
    const detail = (current as { error_detail?: unknown }).error_detail;
    if (typeof detail === 'string' && detail) return detail;
    current = (current as { cause?: unknown }).cause;
  }
  if (
    error instanceof Error &&
    /response too large/.test(String((error as { cause?: Error }).cause?.message))
  )
    return 'the document is too large';
  return undefined;
}

function param(ctx: ErrorContext['ctx'], name: string): string | undefined {
  const value = ctx.oidc?.params?.[name] ?? ctx.query?.[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The page a person sees when an authorization request cannot go back to the client: the
 * client is unknown, disabled or its metadata document failed, or the callback URL is not
 * registered. Never a redirect (the callback is exactly what we cannot trust), and always a
 * sentence saying what to fix. No stack trace, no secret.
 */
export async function renderOAuthErrorPage({ db, ctx, out, error }: ErrorContext): Promise<string> {
  const clientId = param(ctx, 'client_id');
  let title = 'This sign-in request cannot continue';
  let body: RawHtml;

  if (out.error === 'invalid_client' || out.error === 'invalid_client_metadata') {
    if (clientId?.startsWith('https://')) {
      const reason = reasonOf(error) ?? out.error_description ?? 'the document is not valid';
      title = 'The application\u2019s metadata document could not be used';
      body = html`<p>
          The application identifies itself with the metadata document at <code>${clientId}</code>, and it
          could not be used:
        </p>
        <p class="error">${reason}</p>
        <p class="muted">
          If you run this application, fix the document (https only, no redirects,
          <code>client_id</code> equal to its URL, JSON, a few kilobytes, no client secrets). Otherwise try
          again later, or ask your administrator whether the host is blocked.
        </p>`;
    } else {
      const record = clientId ? await findClientRecord(db, clientId).catch(() => undefined) : undefined;
      if (record?.disabled) {
        title = 'This application is disabled';
        body = html`<p>
            The OAuth client <strong>${record.name}</strong> has been disabled by an administrator of its
            organization.
          </p>
          <p class="muted">
            An administrator can enable it again under Developers › Credentials › OAuth Clients.
          </p>`;
      } else {
        title = 'Unknown application';
        body = html`<p>
            No OAuth client with the ID <code>${clientId ?? '(none given)'}</code> is registered on this
            server.
          </p>
          <p class="muted">
            Check the Client ID you entered in the AI platform, or create a client under Developers ›
            Credentials › OAuth Clients. Platforms that support client metadata documents (Claude.ai, Claude
            Code) need no client: paste only the MCP Server URL.
          </p>`;
      }
    }
  } else if (out.error === 'invalid_redirect_uri' || /redirect_uri/.test(out.error_description ?? '')) {
    const client = ctx.oidc?.client;
    const requested = param(ctx, 'redirect_uri');
    const name = client?.clientName ?? clientId ?? 'the client';
    const registered = client?.redirectUris ?? [];
    title = 'Callback URL not registered';
    body = html`<p>
        The application <strong>${name}</strong> asked to return to
        <code>${requested ?? '(no callback URL given)'}</code>, which is not one of its registered callback
        URLs.
      </p>
      <p>Registered callback URLs for ${name}:</p>
      <ul>
        ${registered.length ? registered.map((u) => html`<li><code>${u}</code></li>`) : html`<li class="muted">none</li>`}
      </ul>
      <p class="muted">
        An administrator can add the exact URL under Developers › Credentials › OAuth Clients, or fix the
        callback URL in the application's settings. The match is exact (only the port of a loopback address
        may differ).
      </p>`;
  } else {
    body = html`<p class="error"><code>${out.error}</code>: ${out.error_description ?? ''}</p>
      <p class="muted">
        Start the connection again from the AI platform. If it keeps failing, tell your administrator the time
        and this code.
      </p>`;
  }
  return page(
    title,
    html`<div class="card">
      <h1>${title}</h1>
      ${body}
    </div>`,
  );
}
