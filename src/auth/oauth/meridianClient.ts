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

/** accountId encodes who acts: the organization and the user (`<orgId>.<userId>`). */
export function accountIdOf(orgId: string, userId: string): string {
  return `${orgId}.${userId}`;
}

export function parseAccountId(accountId: string): { orgId: string; userId: string } | undefined {
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(accountId);
  return match ? { orgId: match[1]!, userId: match[2]! } : undefined;
}
