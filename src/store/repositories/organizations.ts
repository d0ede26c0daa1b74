import type { Kysely } from 'kysely';
import type { Database, Role } from '../schema.ts';
import type { Caller } from '../Caller.ts';
import { randomId } from '../../crypto/index.ts';

export interface Organization {
  id: string;
  name: string;
  slug: string;
}

export async function createOrganization(
  db: Kysely<Database>,
  name: string,
  slug: string,
): Promise<Organization> {
  const org = { id: randomId(), name, slug, created_at: Date.now() };
  await db.insertInto('organizations').values(org).execute();
  return { id: org.id, name, slug };
}

export async function findOrganizationBySlug(
  db: Kysely<Database>,
  slug: string,
): Promise<Organization | undefined> {
  return db
    .selectFrom('organizations')
    .select(['id', 'name', 'slug'])
    .where('slug', '=', slug)
    .executeTakeFirst();
}

/** The organization's longest-standing admin, as a caller: who acts for bootstrap and CLI steps. */
export async function firstAdminOf(db: Kysely<Database>, orgId: string): Promise<Caller | undefined> {
  const admin = await db
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('role', '=', 'admin')
    .orderBy('created_at')
    .executeTakeFirst();
  return admin && { orgId, userId: admin.user_id, role: 'admin' };
}

export async function addMembership(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
  role: Role,
): Promise<void> {
  await db
    .insertInto('memberships')
    .values({ org_id: orgId, user_id: userId, role, created_at: Date.now() })
    .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ role }))
    .execute();
}

export interface MembershipView {
  orgId: string;
  orgName: string;
  orgSlug: string;
  role: Role;
}

/** The organizations a user belongs to, oldest membership first. */
export async function membershipsOf(db: Kysely<Database>, userId: string): Promise<MembershipView[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
    .select([
      'organizations.id as orgId',
      'organizations.name as orgName',
      'organizations.slug as orgSlug',
      'memberships.role',
    ])
    .where('memberships.user_id', '=', userId)
    .orderBy('memberships.created_at')
    .execute();
  return rows.map((r) => ({ orgId: r.orgId, orgName: r.orgName, orgSlug: r.orgSlug, role: r.role }));
}
