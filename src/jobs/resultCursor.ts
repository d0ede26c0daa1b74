/**
 * Opaque cursors over a job's result rows, shared by get_job_results and the workspace API so
 * a page read in one can be continued in the other. Bound to the job: a cursor of another job
 * is refused rather than silently read at its offset.
 */
interface ResultCursor {
  j: string;
  o: number;
}

export function encodeResultCursor(jobId: string, offset: number): string {
  return Buffer.from(JSON.stringify({ j: jobId, o: offset } satisfies ResultCursor)).toString('base64url');
}

/** The offset a cursor points at, or a message saying why it cannot be used for this job. */
export function decodeResultCursor(text: string, jobId: string): number | string {
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as ResultCursor;
    if (cursor.j !== jobId || !Number.isInteger(cursor.o) || cursor.o < 0)
      return 'This cursor belongs to another job; pass the nextCursor returned for this job_id, or none.';
    return cursor.o;
  } catch {
    return 'The cursor is not valid; pass the nextCursor of a previous get_job_results answer, or none.';
  }
}
