import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Caller } from '../store/Caller.ts';
import { findUserByEmail, loadPrincipal } from '../store/repositories/users.ts';
import { membershipsOf } from '../store/repositories/organizations.ts';
import { CliError } from './withStore.ts';

/** The user a CLI command acts as: their membership in `orgSlug`, or in their first organization. */
export async function callerFor(db: Kysely<Database>, email: string, orgSlug?: string): Promise<Caller> {
  const user = await findUserByEmail(db, email);
  if (!user) throw new CliError(`no user with the email ${email}`);
  const memberships = await membershipsOf(db, user.id);
  const membership = orgSlug ? memberships.find((m) => m.orgSlug === orgSlug) : memberships[0];
  if (!membership)
    throw new CliError(
      orgSlug ? `${email} is not a member of ${orgSlug}` : `${email} belongs to no organization`,
    );
  const principal = await loadPrincipal(db, user.id, membership.orgId);
  if (!principal) throw new CliError(`${email} is disabled`);
  return { orgId: principal.orgId, userId: principal.userId, role: principal.role };
}
