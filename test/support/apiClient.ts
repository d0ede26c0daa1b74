import { FormClient } from './formClient.ts';

/**
 * The workspace JSON API as the SPA calls it: a signed-in session cookie, and the session's CSRF
 * token (from GET /api/v1/session) in X-CSRF-Token on every write unless a test leaves it out.
 */
export class ApiClient {
  private constructor(
    readonly form: FormClient,
    readonly csrfToken: string,
  ) {}

  static async signIn(baseUrl: string, email: string, password: string): Promise<ApiClient> {
    const form = new FormClient(baseUrl);
    const signedIn = await form.signIn(email, password);
    if (signedIn.status !== 303 && signedIn.status !== 302)
      throw new Error(`sign-in failed for ${email}: ${signedIn.status}`);
    const session = (await (await form.get('/api/v1/session')).json()) as { csrfToken: string };
    return new ApiClient(form, session.csrfToken);
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    options: { csrf?: boolean } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {
      cookie: [...this.form.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.csrf !== false && method !== 'GET') headers['x-csrf-token'] = this.csrfToken;
    return fetch(this.form.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });
  }

  async json<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await this.request(method, path, body);
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
}
