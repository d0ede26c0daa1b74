import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, calculateJwkThumbprint, type JWK } from 'jose';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';

export const SIGNING_ALG = 'ES256';

/** A private signing key as oidc-provider wants it in its `jwks`. */
export type PrivateJwk = JWK & { kid: string; alg: string; use: 'sig' };

function encryptionKey(serverKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', serverKey, Buffer.alloc(0), 'meridian oauth signing keys v1', 32));
}

export function sealJwk(jwk: PrivateJwk, serverKey: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey(serverKey), iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(jwk), 'utf8'), cipher.final()]);
  return [
    'v1',
    iv.toString('base64url'),
    sealed.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
  ].join('.');
}

export function openJwk(text: string, serverKey: Buffer): PrivateJwk {
  const [version, iv, sealed, tag] = text.split('.');
  if (version !== 'v1' || !iv || !sealed || !tag) throw new Error('unreadable signing key record');
  const decipher = createDecipheriv('aes-256-gcm', encryptionKey(serverKey), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return JSON.parse(
      Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8'),
    ) as PrivateJwk;
  } catch {
    throw new Error(
      'the OAuth signing keys in the store were sealed with another server key (MERIDIAN_SECRET_KEY differs between processes?)',
    );
  }
}

async function newSigningKey(): Promise<PrivateJwk> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg: SIGNING_ALG, use: 'sig' };
}

/** Adds a new signing key; it signs from the next start of each process. Returns its kid. */
export async function addSigningKey(db: Kysely<Database>, serverKey: Buffer): Promise<string> {
  const jwk = await newSigningKey();
  await db
    .insertInto('oauth_signing_keys')
    .values({
      kid: jwk.kid,
      alg: jwk.alg,
      private_jwk_enc: sealJwk(jwk, serverKey),
      created_at: Date.now(),
      retired_at: null,
    })
    .execute();
  return jwk.kid;
}

/**
 * Keys that are not retired, newest first: the first one signs, all of them verify (so tokens
 * signed before a rotation stay valid until they expire). The first start generates one; when
 * several processes start at once, each reads back the store's list so they agree.
 */
export async function loadSigningKeys(db: Kysely<Database>, serverKey: Buffer): Promise<PrivateJwk[]> {
  const read = () =>
    db
      .selectFrom('oauth_signing_keys')
      .select(['kid', 'private_jwk_enc', 'created_at'])
      .where('retired_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('kid')
      .execute();
  let rows = await read();
  if (rows.length === 0) {
    await addSigningKey(db, serverKey);
    rows = await read();
  }
  return rows.map((row) => openJwk(row.private_jwk_enc, serverKey));
}

/** Retires every key but the newest `keep` (run after the access-token lifetime has passed). */
export async function retireOldSigningKeys(db: Kysely<Database>, keep = 1): Promise<string[]> {
  const rows = await db
    .selectFrom('oauth_signing_keys')
    .select('kid')
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'desc')
    .execute();
  const retire = rows.slice(keep).map((r) => r.kid);
  if (retire.length)
    await db
      .updateTable('oauth_signing_keys')
      .set({ retired_at: Date.now() })
      .where('kid', 'in', retire)
      .execute();
  return retire;
}

export function publicJwkOf(jwk: PrivateJwk): JWK {
  const { d: _d, ...publicPart } = jwk;
  return publicPart;
}
