/**
 * Server-rendered HTML for the pages that must work without JavaScript (sign-in, the first
 * credentials page). Every interpolated value is escaped unless wrapped with `raw()`.
 */
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export class RawHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function raw(value: string): RawHtml {
  return new RawHtml(value);
}

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(value: unknown): string {
  if (value instanceof RawHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === false || value === null || value === undefined) return '';
  return escapeHtml(value);
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): RawHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new RawHtml(out);
}

const STYLE = `
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f5f6f8; }
  body { margin: 0; }
  header { background: #14213d; color: #fff; padding: 0.8rem 1.5rem; display: flex; gap: 1.5rem; align-items: center; }
  header a { color: #fff; text-decoration: none; } header .brand { font-weight: 700; margin-right: auto; }
  main { max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; }
  .card { background: #fff; border-radius: 8px; padding: 1.5rem; box-shadow: 0 1px 3px rgba(0,0,0,.12); margin-bottom: 1.5rem; }
  label { display: block; margin: 0.8rem 0 0.3rem; font-weight: 600; }
  input, select { width: 100%; box-sizing: border-box; padding: 0.5rem; border: 1px solid #b8bfcc; border-radius: 4px; font: inherit; }
  button { margin-top: 1rem; padding: 0.55rem 1.1rem; border: 0; border-radius: 4px; background: #1f6feb; color: #fff; font: inherit; cursor: pointer; }
  button.danger { background: #c62828; margin: 0; padding: 0.3rem 0.7rem; }
  table { width: 100%; border-collapse: collapse; } th, td { text-align: left; padding: 0.45rem; border-bottom: 1px solid #e3e6eb; vertical-align: top; }
  .error { background: #fdecea; color: #8a1c1c; padding: 0.8rem; border-radius: 4px; }
  .secret { background: #e8f5e9; padding: 0.8rem; border-radius: 4px; word-break: break-all; font-family: ui-monospace, monospace; }
  .muted { color: #5c667a; font-size: 0.9rem; }
  .badge { background: #fff4e5; color: #7a4100; border-radius: 4px; padding: 0.1rem 0.4rem; font-size: 0.8rem; font-weight: 600; }
  #useDefault:checked ~ .custom-callbacks { display: none; }
  textarea { width: 100%; box-sizing: border-box; min-height: 12rem; padding: 0.5rem; border: 1px solid #b8bfcc; border-radius: 4px; font-family: ui-monospace, monospace; }
  pre { background: #f0f2f5; padding: 0.8rem; border-radius: 4px; overflow-x: auto; font-size: 0.85rem; }
  .notice { background: #e8f5e9; color: #1b5e20; padding: 0.8rem; border-radius: 4px; }
  .inline { display: inline; margin: 0; }
`;

export function page(
  title: string,
  body: RawHtml,
  nav?: { email: string; orgName: string; csrfToken: string },
): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Meridian</title>
        <style>
          ${raw(STYLE)}
        </style>
      </head>
      <body>
        <header>
          <a class="brand" href="/">Meridian</a>
          ${
            nav
              ? html`<a href="/app/workflows">Workflows</a>
                  <a href="/app/connections">Connections</a>
                  <a href="/app/jobs">Jobs</a>
                  <a href="/developers/credentials">Developers › Credentials</a>
                  <a href="/developers/credentials/oauth-clients">OAuth Clients</a>
                  <a href="/developers/connected-apps">Connected apps</a>
                  <span class="muted" style="color:#c9d1e0">${nav.email} · ${nav.orgName}</span>
                  <form method="post" action="/signout" style="margin:0">
                    <input type="hidden" name="_csrf" value="${nav.csrfToken}" /><button style="margin:0">
                      Sign out
                    </button>
                  </form>`
              : ''
          }
        </header>
        <main>${body}</main>
      </body>
    </html>`.value;
}
