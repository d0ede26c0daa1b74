import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

/**
 * Where a job writes its rows: buffered into pages of `pageSize` and stored under the job's
 * current attempt, up to `maxRows` (then `truncated`). Memory stays at one page whatever the
 * result's size.
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
    if (this.sealed) throw new Error('the job was stopped; its result is no longer accepted');
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    await this.db
      .insertInto('job_result_pages')
      .values({
        job_id: this.jobId,
        attempt: this.attempt,
        page_no: this.pageNo++,
        first_row: this.written,
        row_count: rows.length,
        rows: JSON.stringify(rows, (_key, value) => (typeof value === 'bigint' ? Number(value) : value)),
      })
      .execute();
    this.written += rows.length;
  }
}
