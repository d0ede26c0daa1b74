import { FormClient } from './formClient.ts';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * The workspace JSON API as the SPA calls it: signed in through the real sign-in form, the
 * session cookie on every request, the session's CSRF token in X-CSRF-Token on writes (unless a
 * test leaves it out on purpose).
 */
export class WorkspaceApiClient {
  readonly form: FormClient;
  csrfToken = '';

  constructor(readonly baseUrl: string) {
    this.form = new FormClient(baseUrl);
  }

  static async signIn(baseUrl: string, email: string, password: string): Promise<WorkspaceApiClient> {
    const client = new WorkspaceApiClient(baseUrl);
    const signedIn = await client.form.signIn(email, password);
    if (signedIn.status !== 303) throw new Error(`sign-in failed: ${signedIn.status}`);
    const session = await client.get<{ csrfToken: string }>('/api/v1/session');
    client.csrfToken = session.body.csrfToken;
    return client;
  }

  private cookie(): string {
    return [...this.form.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get<T = Record<string, unknown>>(path: string): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path);
  }

  async send<T = Record<string, unknown>>(
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    options: { csrf?: string | null } = {},
  ): Promise<ApiResponse<T>> {
    return this.request<T>(method, path, body, options.csrf === undefined ? this.csrfToken : options.csrf);
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    csrf?: string | null,
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', cookie: this.cookie() };
    if (csrf) headers['x-csrf-token'] = csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(this.baseUrl + path, {
      method,
      headers,
      redirect: 'manual',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  }
}
