import { useEffect, useState } from 'react';
import { getSession, type SessionInfo } from './api.ts';

/** The signed-in session (user, organization, role, CSRF token, MCP URL); undefined while loading. */
export function useSession(): { session?: SessionInfo; error?: Error } {
  const [state, setState] = useState<{ session?: SessionInfo; error?: Error }>({});
  useEffect(() => {
    let live = true;
    getSession().then(
      (session) => live && setState({ session }),
      (error: unknown) =>
        live && setState({ error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}
