/** A timestamp (ms) as the workspace shows it: UTC, to the minute; `empty` for none. */
export function formatTime(ms: number | null | undefined, empty = '—'): string {
  return ms === null || ms === undefined
    ? empty
    : new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

/** A timestamp (ms) in the browser's own time zone and locale; `—` for none. */
export function formatLocalTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : new Date(ms).toLocaleString();
}
