import { createBrowserRouter, Navigate } from 'react-router';
import { Layout } from './Layout.tsx';
import { WorkflowsPage } from './pages/WorkflowsPage.tsx';
import { ConnectionsPage } from './pages/ConnectionsPage.tsx';
import { MapsPage } from './pages/MapsPage.tsx';
import { JobsPage } from './pages/JobsPage.tsx';
import { CredentialsPage } from './pages/CredentialsPage.tsx';
import { ConnectedAppsPage } from './pages/ConnectedAppsPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { SharedMapPage } from './pages/maps/SharedMapPage.tsx';

/**
 * One route per workspace section; each page lives in its own file under pages/. Keep this one
 * flat table. Pages that need no sign-in (the public map links under /app/shared/) go beside the
 * Layout route, not inside it: the Layout loads the session, and a 401 sends the visitor to sign in.
 */
export const router = createBrowserRouter(
  [
    {
      path: '/',
      element: <Layout />,
      children: [
        { index: true, element: <Navigate to="/workflows" replace /> },
        { path: 'workflows/*', element: <WorkflowsPage /> },
        { path: 'connections/*', element: <ConnectionsPage /> },
        { path: 'maps/*', element: <MapsPage /> },
        { path: 'jobs/*', element: <JobsPage /> },
        { path: 'developers', element: <Navigate to="/developers/credentials" replace /> },
        { path: 'developers/credentials/*', element: <CredentialsPage /> },
        { path: 'developers/connected-apps/*', element: <ConnectedAppsPage /> },
        { path: '*', element: <NotFoundPage /> },
      ],
    },
    // A public map link: outside the workspace layout, and no session needed (it never calls getSession).
    { path: 'shared/:token', element: <SharedMapPage /> },
  ],
  { basename: '/app' },
);
