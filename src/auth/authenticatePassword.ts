import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { findUserForSignIn } from '../store/repositories/users.ts';
import { normalizeEmail } from '../store/normalizeEmail.ts';
import { membershipsOf, type MembershipView } from '../store/repositories/organizations.ts';
import { dummyPasswordHash, verifyPassword } from '../crypto/index.ts';

/**
 * Checks an email and password for every sign-in form (workspace, OAuth interaction). The
 * password is verified against a dummy hash when the account is unknown, so the answer and its
 * timing are the same whether the email or the password was wrong. Returns the user and their
 * organization (`preferOrgId` when they belong to it, else their first), or undefined (unknown,
 * wrong password, disabled, in no organization).
 */
export async function authenticatePassword(
  db: Kysely<Database>,
  email: string,
  password: string,
  preferOrgId?: string,
): Promise<{ userId: string; membership: MembershipView } | undefined> {
  const user = await findUserForSignIn(db, email);
  const passwordOk = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash()));
  if (!user || !passwordOk || user.disabled_at !== null) return undefined;
  const memberships = await membershipsOf(db, user.id);
  const membership = memberships.find((m) => m.orgId === preferOrgId) ?? memberships[0];
  return membership && { userId: user.id, membership };
}

/**
 * Rate limit for sign-in posts, per account and address: stops guessing one account without
 * letting one noisy address lock everybody else out. Keyed on the parsed form, so it must run
 * at preHandler (buildApp registers the limiter there). The account part is the email exactly
 * as the lookup reads it: any spelling that reaches the account spends its budget.
 */
export const SIGN_IN_RATE_LIMIT = {
  max: 10,
  timeWindow: '5 minutes',
  keyGenerator: (request: { ip: string; body?: unknown }) =>
    `${request.ip}|${normalizeEmail(String((request.body as { email?: unknown })?.email ?? ''))}`,
};
