import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';

// oidc_payloads rows used to be keyed by the artifact's clear id: the refresh token, the code,
// the session cookie value. From here on the adapter stores SHA-256 (hex) of the id, and no
// payload repeats it (see StoreAdapter). This rewrites the rows written before, in JS so that
// SQLite and PostgreSQL take the same path. Grants keep their id (a reference, not a secret).
// The hash is spelled out here rather than imported: a migration must keep meaning what it
// meant when it was written.
const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
const OWN_ID = '{uid}';
const BATCH = 500;

interface Row {
  model: string;
  id: string;
  payload: string;
}

function rewritten(row: Row): string {
  const payload = JSON.parse(row.payload) as Record<string, unknown>;
  delete payload.jti;
  if (row.model === 'Interaction') {
    const session = payload.session as Record<string, unknown> | undefined;
    if (session) delete session.cookie;
    if (typeof payload.returnTo === 'string') payload.returnTo = payload.returnTo.split(row.id).join(OWN_ID);
  }
  return JSON.stringify(payload);
}

type Store = Kysely<{ oidc_payloads: Row }>;

export async function up(untyped: Kysely<unknown>): Promise<void> {
  const db = untyped as unknown as Store;
  // Keyset pagination over the primary key; a rewritten row may sort after the cursor and be
  // seen again, so the keys written by this run are remembered and skipped.
  const written = new Set<string>();
  let after = { model: '', id: '' };
  for (;;) {
    const rows = await db
      .selectFrom('oidc_payloads')
      .select(['model', 'id', 'payload'])
      .where('model', '!=', 'Grant')
      .where((eb) =>
        eb.or([
          eb('model', '>', after.model),
          eb.and([eb('model', '=', after.model), eb('id', '>', after.id)]),
        ]),
      )
      .orderBy('model')
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) return;
    for (const row of rows) {
      if (written.has(`${row.model}|${row.id}`)) continue;
      const key = sha256(row.id);
      written.add(`${row.model}|${key}`);
      await db
        .updateTable('oidc_payloads')
        .set({ id: key, payload: rewritten(row) })
        .where('model', '=', row.model)
        .where('id', '=', row.id)
        .execute();
    }
    const last = rows[rows.length - 1]!;
    after = { model: last.model, id: last.id };
  }
}

// Hashing is one-way: going back would leave every stored artifact unusable, so down() signs
// everybody out of OAuth (grants, and with them consents, are kept).
export async function down(untyped: Kysely<unknown>): Promise<void> {
  await (untyped as unknown as Store).deleteFrom('oidc_payloads').where('model', '!=', 'Grant').execute();
}
