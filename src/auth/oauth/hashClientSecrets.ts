import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import { PREREGISTERED_PREFIX, secretHashFor } from '../../store/repositories/oauthClients.ts';

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/**
 * Client secrets are stored only as hashes, and oidc-provider compares the presented secret
 * with what the store gives it (the hash). So before a request reaches the provider, a
 * pre-registered client's secret is replaced by its hash (the previous secret maps to the
 * current hash during its rotation grace period). A secret sent in the body (client_secret_post)
 * moves to the Basic header, so both methods work for clients whose platform picks one; a
 * request using both is left alone for the provider to refuse (one method only, RFC 6749 §2.3).
 */
export async function hashClientSecrets(
  db: Kysely<Database>,
  body: string,
  authorization: string | undefined,
): Promise<{ body: string; authorization: string | undefined }> {
  const params = new URLSearchParams(body);
  const fromHeader = parseBasic(authorization);
  const bodySecret = params.get('client_secret');
  if (fromHeader && bodySecret !== null) return { body, authorization };
  if (fromHeader) {
    if (!fromHeader.id.startsWith(PREREGISTERED_PREFIX)) return { body, authorization };
    return {
      body,
      authorization: basic(fromHeader.id, await secretHashFor(db, fromHeader.id, fromHeader.secret)),
    };
  }
  const bodyId = params.get('client_id');
  if (
    bodySecret !== null &&
    bodyId?.startsWith(PREREGISTERED_PREFIX) &&
    params.getAll('client_id').length === 1 &&
    params.getAll('client_secret').length === 1
  ) {
    params.delete('client_secret');
    params.delete('client_id');
    return {
      body: params.toString(),
      authorization: basic(bodyId, await secretHashFor(db, bodyId, bodySecret)),
    };
  }
  return { body, authorization };
}
