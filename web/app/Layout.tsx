import { NavLink, Outlet } from 'react-router';

const SECTIONS: [string, string][] = [
  ['/workflows', 'Workflows'],
  ['/connections', 'Connections'],
  ['/maps', 'Maps'],
  ['/jobs', 'Jobs'],
  ['/developers/credentials', 'Developers › Credentials'],
  ['/developers/connected-apps', 'Connected apps'],
];

export function Layout() {
  return (
    <div className="layout">
      <nav aria-label="Workspace">
        <strong>Meridian</strong>
        {SECTIONS.map(([to, label]) => (
          <NavLink key={to} to={to}>
            {label}
          </NavLink>
        ))}
      </nav>
      <main>
        <Outlet />
      </main>
    </div>
  );
}
