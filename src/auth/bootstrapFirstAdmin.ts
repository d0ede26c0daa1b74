import type { Kysely } from 'kysely';
import { randomBytes } from 'node:crypto';
import type { Database } from '../store/schema.ts';
import { createUser, findUserByEmail } from '../store/repositories/users.ts';
import {
  addMembership,
  createOrganization,
  findOrganizationBySlug,
} from '../store/repositories/organizations.ts';
import { recordAudit } from '../store/repositories/auditLog.ts';
import { hashPassword } from '../crypto/index.ts';

export interface FirstAdmin {
  email: string;
  /** Set only when we generated it: shown once, never stored in clear or logged. */
  generatedPassword?: string;
  orgSlug: string;
}

/**
 * On an empty store, creates the first organization and its admin: the configured account, or
 * `admin@demo.local` with a random password that the caller prints once. Does nothing when
 * users exist already.
 */
export async function bootstrapFirstAdmin(
  db: Kysely<Database>,
  admin: { email?: string; password?: string },
  org: { name: string; slug: string } = { name: 'Demo', slug: 'demo' },
): Promise<FirstAdmin | undefined> {
  const existing = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (existing) return undefined;
  const email = admin.email ?? 'admin@demo.local';
  const generatedPassword = admin.password ? undefined : randomBytes(12).toString('base64url');
  const organization =
    (await findOrganizationBySlug(db, org.slug)) ?? (await createOrganization(db, org.name, org.slug));
  const user =
    (await findUserByEmail(db, email)) ??
    (await createUser(db, { email, passwordHash: await hashPassword(admin.password ?? generatedPassword!) }));
  await addMembership(db, organization.id, user.id, 'admin');
  await recordAudit(db, {
    orgId: organization.id,
    userId: user.id,
    actor: 'cli',
    action: 'bootstrap.first_admin',
  });
  return { email, generatedPassword, orgSlug: organization.slug };
}
