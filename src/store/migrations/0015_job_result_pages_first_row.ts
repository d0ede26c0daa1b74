import type { Kysely } from 'kysely';

// A read of rows offset…offset+limit looks its pages up by first_row. The primary key
// (job_id, attempt, page_no) cannot bound that, so every read walked all pages of the job and
// paging a large result to its end was quadratic.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('job_result_pages_first_row')
    .on('job_result_pages')
    .columns(['job_id', 'attempt', 'first_row'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('job_result_pages_first_row').ifExists().execute();
}
