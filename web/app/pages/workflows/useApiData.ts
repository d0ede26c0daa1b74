import { useCallback, useEffect, useState } from 'react';
import { ApiError, apiGet, getSession, type SessionInfo } from '../../api.ts';

export interface ApiData<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): void;
}

/** GET `path` (again whenever it changes or `reload` is called); undefined path: nothing to load. */
export function useApiData<T>(path: string | undefined): ApiData<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({
    loading: path !== undefined,
  });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (path === undefined) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    apiGet<T>(path).then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error: asApiError(error), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function useSession(): SessionInfo | undefined {
  const [session, setSession] = useState<SessionInfo>();
  useEffect(() => {
    getSession().then(setSession, () => undefined);
  }, []);
  return session;
}

export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError
    ? error
    : new ApiError(0, error instanceof Error ? error.message : String(error));
}

/** Field → message, from a 422's field errors. */
export function fieldMessages(error: ApiError | undefined): Record<string, string> {
  return Object.fromEntries((error?.errors ?? []).map((e) => [e.field, e.message]));
}

export function formatTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : new Date(ms).toLocaleString();
}
