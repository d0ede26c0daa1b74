import { NavLink, Outlet } from 'react-router';
import { useSession } from './useSession.ts';
import { ErrorNotice } from './components/Notice.tsx';

const SECTIONS: [string, string][] = [
  ['/workflows', 'Workflows'],
  ['/connections', 'Connections'],
  ['/maps', 'Maps'],
  ['/jobs', 'Jobs'],
];

const DEVELOPER_SECTIONS: [string, string][] = [
  ['/developers/credentials', 'Credentials'],
  ['/developers/connected-apps', 'Connected apps'],
];

function Links({ sections }: { sections: [string, string][] }) {
  return (
    <ul>
      {sections.map(([to, label]) => (
        <li key={to}>
          <NavLink to={to}>{label}</NavLink>
        </li>
      ))}
    </ul>
  );
}

/** The workspace shell: navigation, who is signed in where, the MCP URL, sign-out; pages render in <main>. */
export function Layout() {
  const { session, error } = useSession();
  return (
    <div className="layout">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <a className="brand" href="/app/">
          Meridian
        </a>
        <nav aria-label="Workspace">
          <Links sections={SECTIONS} />
          <p className="group" id="developers-heading">
            Developers
          </p>
          <Links sections={DEVELOPER_SECTIONS} />
        </nav>
        {session && (
          <section className="whoami" aria-label="Signed in">
            <span id="session-email">{session.user.email}</span>
            <span>
              <span id="session-org">{session.organization.name}</span> ·{' '}
              <span className="role">{session.user.role}</span>
            </span>
            <span>
              MCP URL: <code id="mcp-url">{session.mcpUrl}</code>
            </span>
            {/* A plain form post: /signout checks the session's CSRF token and ends the session server-side. */}
            <form method="post" action="/signout">
              <input type="hidden" name="_csrf" value={session.csrfToken} />
              <button type="submit" className="secondary small">
                Sign out
              </button>
            </form>
          </section>
        )}
      </aside>
      <main id="main" className="content" tabIndex={-1}>
        <ErrorNotice error={error} />
        <Outlet />
      </main>
    </div>
  );
}
