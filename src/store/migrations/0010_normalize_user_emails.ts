import type { Kysely } from 'kysely';

// Emails were stored trimmed and lower-cased; from here on also in Unicode NFC (see
// normalizeEmail), which is what sign-in looks them up as. Rewrites the few stored otherwise.
// An address whose NFC form another account already has is left as it is: merging two
// accounts is an administrator's decision, not a migration's.
// The rule is spelled out here rather than imported, so this migration keeps its meaning.
const normalized = (email: string) => email.trim().normalize('NFC').toLowerCase();

type Store = Kysely<{ users: { id: string; email: string } }>;

export async function up(untyped: Kysely<unknown>): Promise<void> {
  const db = untyped as unknown as Store;
  const users = await db.selectFrom('users').select(['id', 'email']).execute();
  const taken = new Set(users.map((u) => u.email));
  for (const user of users) {
    const email = normalized(user.email);
    if (email === user.email || taken.has(email)) continue;
    await db.updateTable('users').set({ email }).where('id', '=', user.id).execute();
    taken.add(email);
  }
}

// NFC is a spelling of the same address: nothing to undo.
export async function down(): Promise<void> {}
