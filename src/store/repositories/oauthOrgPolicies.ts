import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { Caller } from '../Caller.ts';

export interface OAuthOrgPolicy {
  dcrEnabled: boolean;
  cimdMode: 'any' | 'listed';
  hostRules: Array<{ host: string; rule: 'allow' | 'block' }>;
}

/** An organization's rules for clients nobody pre-registered (defaults: allow). */
export async function oauthOrgPolicy(db: Kysely<Database>, orgId: string): Promise<OAuthOrgPolicy> {
  const row = await db
    .selectFrom('oauth_org_policies')
    .selectAll()
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  const rules = await db
    .selectFrom('oauth_cimd_host_rules')
    .select(['host', 'rule'])
    .where('org_id', '=', orgId)
    .orderBy('host')
    .execute();
  return {
    dcrEnabled: row ? row.dcr_enabled === 1 : true,
    cimdMode: row?.cimd_mode ?? 'any',
    hostRules: rules,
  };
}

export async function setOAuthOrgPolicy(
  db: Kysely<Database>,
  caller: Caller,
  policy: { dcrEnabled: boolean; cimdMode: 'any' | 'listed' },
): Promise<void> {
  const values = {
    dcr_enabled: policy.dcrEnabled ? 1 : 0,
    cimd_mode: policy.cimdMode,
    updated_at: Date.now(),
  };
  await db
    .insertInto('oauth_org_policies')
    .values({ org_id: caller.orgId, ...values })
    .onConflict((oc) => oc.column('org_id').doUpdateSet(values))
    .execute();
}

export async function setCimdHostRule(
  db: Kysely<Database>,
  caller: Caller,
  host: string,
  rule: 'allow' | 'block' | 'none',
): Promise<void> {
  const normalized = host.trim().toLowerCase();
  if (rule === 'none') {
    await db
      .deleteFrom('oauth_cimd_host_rules')
      .where('org_id', '=', caller.orgId)
      .where('host', '=', normalized)
      .execute();
    return;
  }
  await db
    .insertInto('oauth_cimd_host_rules')
    .values({ org_id: caller.orgId, host: normalized, rule, created_at: Date.now() })
    .onConflict((oc) => oc.columns(['org_id', 'host']).doUpdateSet({ rule }))
    .execute();
}

/** Why this organization refuses a client, or undefined when it may be authorized. */
export function policyRefusal(
  policy: OAuthOrgPolicy,
  client: { kind: string; clientId: string },
): string | undefined {
  if (client.kind === 'dcr' && !policy.dcrEnabled) {
    return 'Your organization does not allow self-registered applications. An administrator can create an OAuth client for it under Developers › Credentials › OAuth Clients.';
  }
  if (client.kind === 'cimd') {
    const host = new URL(client.clientId).hostname.toLowerCase();
    const rule = policy.hostRules.find((r) => r.host === host)?.rule;
    if (rule === 'block') return `Your organization blocks applications from ${host}.`;
    if (policy.cimdMode === 'listed' && rule !== 'allow') {
      return `Your organization allows only listed application hosts, and ${host} is not one of them. An administrator can allow it under Developers › Credentials › OAuth Clients.`;
    }
  }
  return undefined;
}
