import type { Kysely } from 'kysely';
import type { Database, Role } from '../schema.ts';
import { randomId } from '../../crypto/index.ts';
import { normalizeEmail } from '../normalizeEmail.ts';

export interface User {
  id: string;
  email: string;
  displayName: string;
  disabled: boolean;
}

/** `passwordHash` comes from the crypto module's `hashPassword`: the store never sees a password. */
export async function createUser(
  db: Kysely<Database>,
  input: { email: string; passwordHash: string; displayName?: string },
): Promise<User> {
  const email = normalizeEmail(input.email);
  const row = {
    id: randomId(),
    email,
    display_name: input.displayName ?? email.split('@')[0]!,
    password_hash: input.passwordHash,
    created_at: Date.now(),
    disabled_at: null,
  };
  await db.insertInto('users').values(row).execute();
  return { id: row.id, email, displayName: row.display_name, disabled: false };
}

/** For sign-in only: the one lookup by email, returning the hash to verify. */
export async function findUserForSignIn(db: Kysely<Database>, email: string) {
  return db
    .selectFrom('users')
    .select(['id', 'email', 'display_name', 'password_hash', 'disabled_at'])
    .where('email', '=', normalizeEmail(email))
    .executeTakeFirst();
}

export async function findUserByEmail(db: Kysely<Database>, email: string): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'email', 'display_name', 'disabled_at'])
    .where('email', '=', normalizeEmail(email))
    .executeTakeFirst();
  return (
    row && { id: row.id, email: row.email, displayName: row.display_name, disabled: row.disabled_at !== null }
  );
}

export async function deleteUser(db: Kysely<Database>, userId: string): Promise<void> {
  await db.deleteFrom('users').where('id', '=', userId).execute();
}

export async function disableUser(db: Kysely<Database>, userId: string): Promise<void> {
  await db.updateTable('users').set({ disabled_at: Date.now() }).where('id', '=', userId).execute();
}

/** The active principal behind a credential: the user, their org and role, if still valid. */
export interface Principal {
  userId: string;
  email: string;
  displayName: string;
  orgId: string;
  orgName: string;
  orgSlug: string;
  role: Role;
}

/** Loads the user's current membership in an org; undefined when disabled, deleted or removed. */
export async function loadPrincipal(
  db: Kysely<Database>,
  userId: string,
  orgId: string,
): Promise<Principal | undefined> {
  const row = await db
    .selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
    .select([
      'users.id as userId',
      'users.email',
      'users.display_name as displayName',
      'users.disabled_at',
      'organizations.id as orgId',
      'organizations.name as orgName',
      'organizations.slug as orgSlug',
      'memberships.role',
    ])
    .where('users.id', '=', userId)
    .where('memberships.org_id', '=', orgId)
    .executeTakeFirst();
  if (!row || row.disabled_at !== null) return undefined;
  return {
    userId: row.userId,
    email: row.email,
    displayName: row.displayName,
    orgId: row.orgId,
    orgName: row.orgName,
    orgSlug: row.orgSlug,
    role: row.role,
  };
}
