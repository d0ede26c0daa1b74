import type { Kysely } from 'kysely';

// Durable jobs: state, attempts and leases in one table; results in pages keyed by attempt, so
// a stale attempt can never publish over a newer one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('input', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('cancel_requested_at', 'bigint')
    .addColumn('progress', 'real')
    .addColumn('progress_message', 'text')
    .addColumn('error', 'text')
    .addColumn('result_columns', 'text')
    .addColumn('result_row_count', 'bigint')
    .addColumn('result_truncated', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .execute();
  await db.schema.createIndex('jobs_queue').on('jobs').columns(['state', 'created_at']).execute();
  await db.schema.createIndex('jobs_owner').on('jobs').columns(['org_id', 'user_id', 'created_at']).execute();
  await db.schema
    .createIndex('jobs_idempotency')
    .on('jobs')
    .columns(['org_id', 'user_id', 'idempotency_key'])
    .unique()
    .where('idempotency_key', 'is not', null)
    .execute();

  await db.schema
    .createTable('job_result_pages')
    .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('page_no', 'integer', (c) => c.notNull())
    .addColumn('first_row', 'bigint', (c) => c.notNull())
    .addColumn('row_count', 'integer', (c) => c.notNull())
    .addColumn('rows', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('job_result_pages_pk', ['job_id', 'attempt', 'page_no'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('job_result_pages').ifExists().execute();
  await db.schema.dropTable('jobs').ifExists().execute();
}
