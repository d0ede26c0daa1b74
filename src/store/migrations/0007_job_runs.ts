import type { Kysely } from 'kysely';

// One row per time a worker ran a job: which process (lease owner), which attempt, when it
// started and when that worker stopped, and how. The jobs row keeps only the latest attempt;
// this is the evidence that a job never ran in two places at once (R5) and of what a retry
// replaced (R1, R6).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('job_runs')
    .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('outcome', 'text')
    .execute();
  await db.schema.createIndex('job_runs_job').on('job_runs').columns(['job_id', 'started_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('job_runs').ifExists().execute();
}
