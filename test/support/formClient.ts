/**
 * A tiny cookie-keeping HTTP client for server-rendered forms: enough to sign in and post forms
 * the way a browser without JavaScript would.
 */
export class FormClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  private absorb(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index).trim();
      const value = pair!.slice(index + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(this.baseUrl + path, {
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), ...headers },
    });
    this.absorb(response);
    return response;
  }

  async post(
    path: string,
    form: Record<string, string | string[]>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) for (const v of [value].flat()) body.append(key, v);
    const response = await fetch(this.baseUrl + path, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: this.cookieHeader(),
        ...headers,
      },
      body,
    });
    this.absorb(response);
    return response;
  }

  /** The value of the first hidden `_csrf` field on a page. */
  static csrfFrom(pageHtml: string): string {
    const match = /name="_csrf" value="([^"]+)"/.exec(pageHtml);
    if (!match) throw new Error('no _csrf field on the page');
    return match[1]!;
  }

  async signIn(email: string, password: string, next?: string): Promise<Response> {
    const page = await (await this.get(`/signin${next ? `?next=${encodeURIComponent(next)}` : ''}`)).text();
    const nextField = /name="next" value="([^"]*)"/.exec(page)?.[1] ?? '';
    return this.post('/signin', {
      _csrf: FormClient.csrfFrom(page),
      email,
      password,
      next: nextField.replace(/&amp;/g, '&'),
    });
  }
}
