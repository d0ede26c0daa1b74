/**
 * The SPA's one way to call the workspace JSON API (/api/v1): same-origin cookies, the session's
 * CSRF token on every write, and RFC 9457 problems turned into ApiError so pages can show the
 * server's own detail and point at fields.
 */
export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

export interface SessionInfo {
  user: { id: string; email: string; role: 'admin' | 'editor' | 'viewer' };
  organization: { id: string; name: string };
  csrfToken: string;
  mcpUrl: string;
}

let session: Promise<SessionInfo> | undefined;

/** The signed-in session; a 401 sends the browser to sign in and come back here. */
export function getSession(): Promise<SessionInfo> {
  session ??= request<SessionInfo>('GET', '/api/v1/session').catch((error: unknown) => {
    session = undefined;
    throw error;
  });
  return session;
}

export async function apiGet<T>(path: string): Promise<T> {
  return request<T>('GET', path);
}

export async function apiSend<T>(
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const { csrfToken } = await getSession();
  return request<T>(method, path, body, csrfToken);
}

async function request<T>(method: string, path: string, body?: unknown, csrfToken?: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    window.location.assign(
      `/signin?next=${encodeURIComponent(window.location.pathname + window.location.search)}`,
    );
    throw new ApiError(401, 'Sign in first.');
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  const payload: unknown = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    const problem = (typeof payload === 'object' && payload !== null ? payload : {}) as {
      detail?: string;
      errors?: FieldError[];
    };
    throw new ApiError(
      response.status,
      problem.detail ?? `The server answered ${response.status}.`,
      problem.errors ?? [],
    );
  }
  return payload as T;
}

/** Any thrown value as an ApiError (status 0 when the request never got an answer). */
export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError
    ? error
    : new ApiError(0, error instanceof Error ? error.message : String(error));
}

/** Field → message, from a 422's field errors. */
export function fieldMessages(error: ApiError | undefined): Record<string, string> {
  return Object.fromEntries((error?.errors ?? []).map((e) => [e.field, e.message]));
}
