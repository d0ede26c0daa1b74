import type { Kysely } from 'kysely';
import type { Database, JobResultPagesTable } from '../store/schema.ts';
import { JobFailure, resultQuotaExceededMessage } from './JobErrors.ts';
import type { JobPhases } from './JobPhases.ts';
import { orgResultBytes } from './orgResultBytes.ts';

/** The organization's stored-result quota a sink checks each write against. */
export interface ResultQuota {
  orgId: string;
  maxBytes: number;
  /** How long results are kept, for the message telling the user what to do. */
  retentionMs: number;
}

/**
 * Pages stored per write: one quota check, one INSERT and one byte count for several pages
 * rather than three round trips per page (a 10k-row result: 3 writes, not 20), while memory
 * still holds only a few pages.
 */
const PAGES_PER_WRITE = 8;

/**
 * Where a job writes its rows: cut into pages of `pageSize` and stored under the job's current
 * attempt, up to `maxRows` (then `truncated`). Memory stays at a few pages whatever the result's
 * size. With a quota, a write that would take the organization's stored results over it fails
 * the job (JobFailure) before it is stored; the runner then drops the pages written so far, so
 * no partial result is ever published.
 */
export class ResultSink {
  private buffer: Record<string, unknown>[] = [];
  private pageNo = 0;
  private written = 0;
  /** Bytes of the pages stored so far (what the job's `result_bytes` counts). */
  bytes = 0;
  columns: { name: string; type: string }[] = [];
  truncated = false;
  private sealed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly jobId: string,
    private readonly attempt: number,
    private readonly pageSize: number,
    private readonly maxRows: number,
    private readonly quota?: ResultQuota,
    private readonly phases?: JobPhases,
  ) {}

  get rowCount(): number {
    return this.written + this.buffer.length;
  }

  setColumns(columns: { name: string; type: string }[]): void {
    this.columns = columns;
  }

  /** After this every write fails: the runner has given up on the job (see JobRunner). */
  seal(): void {
    this.sealed = true;
    this.buffer = [];
  }

  /** Adds rows; resolves false once the cap is reached (the caller should stop producing). */
  async write(rows: Record<string, unknown>[]): Promise<boolean> {
    if (this.sealed) throw new Error('the job was stopped; its result is no longer accepted');
    const room = this.maxRows - this.rowCount;
    const kept = rows.length > room ? rows.slice(0, Math.max(room, 0)) : rows;
    for (const row of kept) this.buffer.push(row);
    if (this.buffer.length >= this.pageSize * PAGES_PER_WRITE) await this.store(false);
    if (rows.length > room) {
      this.truncated = true;
      return false;
    }
    return true;
  }

  /** Stores everything buffered, the last partial page included. */
  async flush(): Promise<void> {
    if (this.sealed) throw new Error('the job was stopped; its result is no longer accepted');
    await this.store(true);
  }

  private async store(partial: boolean): Promise<void> {
    const take = partial
      ? this.buffer.length
      : Math.floor(this.buffer.length / this.pageSize) * this.pageSize;
    if (take === 0) return;
    const rows = this.buffer.slice(0, take);
    this.buffer = this.buffer.slice(take);
    const pages: JobResultPagesTable[] = [];
    let bytes = 0;
    for (let from = 0; from < rows.length; from += this.pageSize) {
      const page = rows.slice(from, from + this.pageSize);
      const text = JSON.stringify(page, (_key, value) => (typeof value === 'bigint' ? Number(value) : value));
      bytes += Buffer.byteLength(text);
      pages.push({
        job_id: this.jobId,
        attempt: this.attempt,
        page_no: this.pageNo++,
        first_row: this.written + from,
        row_count: page.length,
        rows: text,
      });
    }
    const write = async () => {
      // Checked per write, not atomically with other jobs' writes: jobs of one organization
      // running at once can overshoot the quota by at most one write each.
      if (this.quota && (await orgResultBytes(this.db, this.quota.orgId)) + bytes > this.quota.maxBytes) {
        throw new JobFailure(resultQuotaExceededMessage(this.quota.maxBytes, this.quota.retentionMs));
      }
      await this.db.insertInto('job_result_pages').values(pages).execute();
      // Not in one transaction with the pages: if the process dies in between, the attempt's
      // pages are dropped when its lease is recovered, and a new attempt counts from zero.
      await this.db
        .updateTable('jobs')
        .set((eb) => ({ result_bytes: eb('result_bytes', '+', bytes) }))
        .where('id', '=', this.jobId)
        .where('attempt', '=', this.attempt)
        .execute();
    };
    await (this.phases ? this.phases.time('store', write) : write());
    this.written += rows.length;
    this.bytes += bytes;
  }
}
