import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { JobFailure, resultQuotaExceededMessage } from './JobErrors.ts';
import { orgResultBytes } from './orgResultBytes.ts';

/** The organization's stored-result quota a sink checks each page against. */
export interface ResultQuota {
  orgId: string;
  maxBytes: number;
  /** How long results are kept, for the message telling the user what to do. */
  retentionMs: number;
}

/**
 * Where a job writes its rows: buffered into pages of `pageSize` and stored under the job's
 * current attempt, up to `maxRows` (then `truncated`). Memory stays at one page whatever the
 * result's size. With a quota, a page that would take the organization's stored results over
 * it fails the job (JobFailure) before it is written; the runner then drops the pages written so
 * far, so no partial result is ever published.
 */
export class ResultSink {
  private buffer: Record<string, unknown>[] = [];
  private pageNo = 0;
  private written = 0;
  /** Bytes of the pages stored so far (what the job's `result_bytes` counts). */
  bytes = 0;
  columns: { name: string; type: string }[] = [];
  truncated = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly jobId: string,
    private readonly attempt: number,
    private readonly pageSize: number,
    private readonly maxRows: number,
    private readonly quota?: ResultQuota,
  ) {}

  get rowCount(): number {
    return this.written + this.buffer.length;
  }

  setColumns(columns: { name: string; type: string }[]): void {
    this.columns = columns;
  }

  /** Adds rows; resolves false once the cap is reached (the caller should stop producing). */
  async write(rows: Record<string, unknown>[]): Promise<boolean> {
    for (const row of rows) {
      if (this.rowCount >= this.maxRows) {
        this.truncated = true;
        return false;
      }
      this.buffer.push(row);
      if (this.buffer.length >= this.pageSize) await this.flush();
    }
    return true;
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    const text = JSON.stringify(rows, (_key, value) => (typeof value === 'bigint' ? Number(value) : value));
    const bytes = Buffer.byteLength(text);
    // Checked per page, not atomically with other jobs' writes: jobs of one organization running
    // at once can overshoot the quota by at most a page each.
    if (this.quota && (await orgResultBytes(this.db, this.quota.orgId)) + bytes > this.quota.maxBytes) {
      throw new JobFailure(resultQuotaExceededMessage(this.quota.maxBytes, this.quota.retentionMs));
    }
    await this.db
      .insertInto('job_result_pages')
      .values({
        job_id: this.jobId,
        attempt: this.attempt,
        page_no: this.pageNo++,
        first_row: this.written,
        row_count: rows.length,
        rows: text,
      })
      .execute();
    // Not in one transaction with the page: if the process dies in between, the attempt's pages
    // are dropped when its lease is recovered, and a new attempt starts counting from zero.
    await this.db
      .updateTable('jobs')
      .set((eb) => ({ result_bytes: eb('result_bytes', '+', bytes) }))
      .where('id', '=', this.jobId)
      .where('attempt', '=', this.attempt)
      .execute();
    this.written += rows.length;
    this.bytes += bytes;
  }
}
