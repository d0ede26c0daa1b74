import { FormClient } from './formClient.ts';

/**
 * A signed-in client of the workspace JSON API (/api/v1): signs in through the real form, reads
 * the session's CSRF token from GET /api/v1/session and sends it on writes, like the SPA does.
 */
export class ApiClient {
  csrfToken = '';

  constructor(readonly form: FormClient) {}

  static async signIn(baseUrl: string, email: string, password: string): Promise<ApiClient> {
    const form = new FormClient(baseUrl);
    const response = await form.signIn(email, password);
    if (response.status !== 303) throw new Error(`sign-in as ${email} answered ${response.status}`);
    const client = new ApiClient(form);
    const session = await client.get<{ csrfToken: string }>('/api/v1/session');
    client.csrfToken = session.body.csrfToken;
    return client;
  }

  /** The parsed JSON answer (or undefined for an empty body). */
  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    options: { csrf?: boolean; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const response = await this.raw(method, path, body, options);
    const text = await response.text();
    return {
      status: response.status,
      body: (text ? JSON.parse(text) : undefined) as T,
      headers: response.headers,
    };
  }

  /** The answer as it came, for non-JSON bodies (PNG) and header checks. */
  raw(
    method: string,
    path: string,
    body?: unknown,
    options: { csrf?: boolean; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      cookie: [...this.form.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.csrf !== false && method !== 'GET') headers['x-csrf-token'] = this.csrfToken;
    return fetch(this.form.baseUrl + path, {
      method,
      redirect: 'manual',
      headers: { ...headers, ...options.headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  get<T = Record<string, unknown>>(path: string) {
    return this.request<T>('GET', path);
  }
}
