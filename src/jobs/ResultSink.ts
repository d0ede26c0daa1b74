import type { Kysely } from 'kysely';
import type { Database, JobResultPagesTable } from '../store/schema.ts';
import type { JobPhases } from './JobPhases.ts';

/**
 * Pages stored per INSERT: one round trip per several pages rather than one per page (a 10k-row
 * result is 3 writes, not 20), while memory still holds only a few pages.
 */
const PAGES_PER_WRITE = 8;

/**
 * Where a job writes its rows: cut into pages of `pageSize` and stored under the job's current
 * attempt, up to `maxRows` (then `truncated`). Memory stays at a few pages whatever the result's
 * size.
 */
export class ResultSink {
  private buffer: Record<string, unknown>[] = [];
  private pageNo = 0;
  private written = 0;
  columns: { name: string; type: string }[] = [];
  truncated = false;
  private sealed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly jobId: string,
    private readonly attempt: number,
    private readonly pageSize: number,
    private readonly maxRows: number,
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
    const whole = Math.floor(this.buffer.length / this.pageSize) * this.pageSize;
    const take = partial ? this.buffer.length : whole;
    if (take === 0) return;
    const rows = this.buffer.slice(0, take);
    this.buffer = this.buffer.slice(take);
    const pages: JobResultPagesTable[] = [];
    for (let from = 0; from < rows.length; from += this.pageSize) {
      const page = rows.slice(from, from + this.pageSize);
      pages.push({
        job_id: this.jobId,
        attempt: this.attempt,
        page_no: this.pageNo++,
        first_row: this.written + from,
        row_count: page.length,
        rows: JSON.stringify(page, (_key, value) => (typeof value === 'bigint' ? Number(value) : value)),
      });
    }
    const insert = () => this.db.insertInto('job_result_pages').values(pages).execute();
    await (this.phases ? this.phases.time('store', insert) : insert());
    this.written += rows.length;
  }
}
