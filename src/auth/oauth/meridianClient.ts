import type { OAuthClientKind } from '../../store/schema.ts';

/** The parts of an oidc-provider Client instance we read. */
export interface ProviderClient {
  clientId: string;
  clientName?: string;
  redirectUris: string[];
  clientAuthMethod: string;
  applicationType?: string;
  meridian_kind?: OAuthClientKind;
  meridian_org_id?: string | null;
  clientIdMetadataDocument?: boolean;
  metadata(): Record<string, unknown>;
}

export function clientKindOf(client: ProviderClient): OAuthClientKind {
  if (client.clientId.startsWith('https://')) return 'cimd';
  return client.meridian_kind ?? 'dcr';
}

/** What the consent page and connected apps call a client: its name, and for CIMD its host. */
export function clientDisplayName(client: ProviderClient): string {
  const name = client.clientName?.trim();
  if (clientKindOf(client) === 'cimd') {
    const host = new URL(client.clientId).host;
    return name ? name : host;
  }
  return name || client.clientId;
}

/**
 * Whether the client may act for members of this organization. A pre-registered client is an
 * organization's own (its administrators created it, and it skips the "unverified" label), so
 * it serves that organization's members only; self-registered and CIMD clients belong to no
 * organization and serve anyone who consents.
 */
export function clientServesOrg(client: ProviderClient, orgId: string): boolean {
  if (clientKindOf(client) !== 'preregistered') return true;
  return !!client.meridian_org_id && client.meridian_org_id === orgId;
}

/** The organization a pre-registered client belongs to; undefined for every other kind. */
export function clientOrgOf(client: ProviderClient): string | undefined {
  return clientKindOf(client) === 'preregistered' ? (client.meridian_org_id ?? undefined) : undefined;
}

/** accountId encodes who acts: the organization and the user (`<orgId>.<userId>`). */
export function accountIdOf(orgId: string, userId: string): string {
  return `${orgId}.${userId}`;
}

export function parseAccountId(accountId: string): { orgId: string; userId: string } | undefined {
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(accountId);
  return match ? { orgId: match[1]!, userId: match[2]! } : undefined;
}
