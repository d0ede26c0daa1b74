import { NavLink, Route, Routes } from 'react-router';
import { useSession } from '../useSession.ts';
import { ApiTokensPanel } from './developers/ApiTokensPanel.tsx';
import { OAuthClientsPanel } from './developers/OAuthClientsPanel.tsx';

/** Developers › Credentials: API access tokens (everyone, their own) and OAuth clients (admins). */
export function CredentialsPage() {
  const { session } = useSession();
  const isAdmin = session?.user.role === 'admin';
  return (
    <>
      <h1>Developers › Credentials</h1>
      <nav className="tabs" aria-label="Credentials">
        <NavLink to="/developers/credentials" end>
          API access tokens
        </NavLink>
        {isAdmin && <NavLink to="/developers/credentials/oauth-clients">OAuth clients</NavLink>}
      </nav>
      <Routes>
        <Route index element={<ApiTokensPanel />} />
        <Route path="oauth-clients" element={<OAuthClientsPanel />} />
      </Routes>
    </>
  );
}
