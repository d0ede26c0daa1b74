import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';

/**
 * What a user saw when consenting to a CIMD or self-registered client: the callback the code
 * went to and the client's whole callback list. If either changes (a CIMD document now lists
 * another redirect URI), the remembered consent no longer applies (A14, CIMD §8.4).
 */
export function consentFingerprint(redirectUri: string, registeredRedirectUris: readonly string[]): string {
  return createHash('sha256')
    .update(JSON.stringify([redirectUri, [...registeredRedirectUris].sort()]))
    .digest('base64url');
}

export async function storeConsentFingerprint(
  db: Kysely<Database>,
  grantId: string,
  fingerprint: string,
): Promise<void> {
  await db
    .updateTable('oidc_payloads')
    .set({ consent_fingerprint: fingerprint })
    .where('model', '=', 'Grant')
    .where('id', '=', grantId)
    .execute();
}

export async function storedConsentFingerprint(
  db: Kysely<Database>,
  grantId: string,
): Promise<string | null | undefined> {
  const row = await db
    .selectFrom('oidc_payloads')
    .select('consent_fingerprint')
    .where('model', '=', 'Grant')
    .where('id', '=', grantId)
    .executeTakeFirst();
  return row?.consent_fingerprint;
}
