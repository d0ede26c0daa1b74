import { useCallback, useEffect, useState } from 'react';
import { ApiError, apiGet, asApiError } from './api.ts';

export interface ApiData<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): void;
}

/**
 * The SPA's one way for a page to read the JSON API: GET `path` (again whenever it changes or
 * `reload` is called); undefined path: nothing to load. While a new answer loads the last one
 * stays. A failed load clears it, unless `keepDataOnError`: a list that failed to refresh after a
 * change still shows what it had, under the error.
 */
export function useApi<T>(path: string | undefined, options: { keepDataOnError?: boolean } = {}): ApiData<T> {
  const { keepDataOnError = false } = options;
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
      (error: unknown) =>
        live &&
        setState((s) => ({
          ...(keepDataOnError ? { data: s.data } : {}),
          error: asApiError(error),
          loading: false,
        })),
    );
    return () => {
      live = false;
    };
  }, [path, generation, keepDataOnError]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
