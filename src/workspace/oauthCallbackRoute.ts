import type { FastifyInstance } from 'fastify';
import { html, page } from '../http/html.ts';

/**
 * The "default callback" of clients created with default callback URLs: for trying a client by
 * hand (curl, scripts). It shows the result; it never forwards it anywhere.
 */
export function registerOAuthCallbackRoute(app: FastifyInstance): void {
  app.get<{ Querystring: Record<string, string | undefined> }>('/oauth/callback', async (request, reply) => {
    const { code, error, error_description: description, state } = request.query;
    return reply
      .type('text/html')
      .header('Cache-Control', 'no-store')
      .send(
        page(
          'Authorization result',
          html`<div class="card">
            <h1>Authorization ${error ? 'failed' : 'complete'}</h1>
            ${
              error
                ? html`<p class="error"><code>${error}</code> ${description ?? ''}</p>`
                : html`<p>Authorization code (valid for 60 seconds):</p>
                    <p class="secret">${code ?? ''}</p>`
            }
            ${state ? html`<p class="muted">state: <code>${state}</code></p>` : ''}
          </div>`,
        ),
      );
  });
}
