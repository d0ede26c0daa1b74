import { ApiError } from '../../api.ts';

/** What to show for a failed request: the server's own detail when it sent one. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? `Could not reach the server: ${error.message}` : String(error);
}
