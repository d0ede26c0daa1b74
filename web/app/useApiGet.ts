import { useCallback, useEffect, useState } from 'react';
import { apiGet } from './api.ts';

/** GETs a JSON API path; `reload()` fetches it again after a change. */
export function useApiGet<T>(path: string): { data?: T; error?: Error; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: Error }>({});
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    apiGet<T>(path).then(
      (data) => live && setState({ data }),
      (error: unknown) =>
        live &&
        setState((old) => ({ ...old, error: error instanceof Error ? error : new Error(String(error)) })),
    );
    return () => {
      live = false;
    };
  }, [path, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { ...state, reload };
}
