import type { Kysely } from 'kysely';

// The bytes of result pages a job's current attempt has stored, kept by its ResultSink as it
// writes them: an organization's stored result bytes are the sum over its running jobs and
// unexpired succeeded ones, which the per-organization result quota is checked against (without
// reading the pages themselves).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('jobs')
    .addColumn('result_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').dropColumn('result_bytes').execute();
}
