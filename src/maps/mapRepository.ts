import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Caller } from '../store/Caller.ts';
import type { Database, MapsTable } from '../store/schema.ts';
import { hashSecret, randomId } from '../crypto/index.ts';
import type { SecretBox } from '../crypto/index.ts';
import { mapDefinitionSchema, type MapDefinition } from './mapDefinition.ts';
import { MeridianError } from '../errors/MeridianError.ts';

/**
 * Saved maps. Every query takes the caller: a map is visible to its owner, and to the members of
 * its organization when shared with it; a private map of someone else (or any map of another
 * organization) answers exactly like an id that does not exist. Admins get no exception for
 * private maps: "private" means the owner only. Changing a map (definition, deletion, public
 * link) is for its owner, or for editors and admins when the map is shared with the organization.
 */
export class MapAccessError extends MeridianError {
  override name = 'MapAccessError';
  override readonly code: string = 'map_access_denied';
  override readonly status: number = 403;
  override readonly showable: boolean = true;
}

export interface MapRecord {
  id: string;
  orgId: string;
  ownerUserId: string;
  ownerEmail: string;
  definition: MapDefinition;
  createdAt: number;
  updatedAt: number;
  canEdit: boolean;
  /** The public link's token (for callers who may edit the map), or null when the link is off. */
  publicToken: string | null;
}

type Row = MapsTable & { owner_email: string };

/** What find_maps matches: the title, description and the names of every layer's source. */
export function searchTextOf(definition: MapDefinition): string {
  const sources = definition.layers.map((layer) => {
    const s = layer.source;
    return s.kind === 'table'
      ? `${s.connection} ${s.table}`
      : s.kind === 'workflow'
        ? s.tool
        : `job ${s.jobId}`;
  });
  return [definition.title, definition.description, ...definition.layers.map((l) => l.title), ...sources]
    .join('\n')
    .toLowerCase();
}

function canEditRow(caller: Caller, row: Pick<MapsTable, 'owner_user_id' | 'visibility'>): boolean {
  if (row.owner_user_id === caller.userId) return true;
  return row.visibility === 'organization' && caller.role !== 'viewer';
}

function toRecord(caller: Caller, row: Row, box: SecretBox | undefined): MapRecord {
  const canEdit = canEditRow(caller, row);
  let publicToken: string | null = null;
  if (canEdit && box && row.public_token_sealed) {
    try {
      publicToken = box.open(row.public_token_sealed);
    } catch {
      // Sealed under another server key (restored backup): the link still works by its hash,
      // but it can no longer be shown; rotating it makes it visible again.
      publicToken = null;
    }
  }
  return {
    id: row.id,
    orgId: row.org_id,
    ownerUserId: row.owner_user_id,
    ownerEmail: row.owner_email,
    definition: mapDefinitionSchema.parse(JSON.parse(row.definition)),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    canEdit,
    publicToken,
  };
}

/** Maps of the caller's organization that the caller may see. */
function visible(db: Kysely<Database>, caller: Caller) {
  return db
    .selectFrom('maps')
    .innerJoin('users', 'users.id', 'maps.owner_user_id')
    .selectAll('maps')
    .select('users.email as owner_email')
    .where('maps.org_id', '=', caller.orgId)
    .where((eb) =>
      eb.or([eb('maps.owner_user_id', '=', caller.userId), eb('maps.visibility', '=', 'organization')]),
    );
}

export async function createMap(
  db: Kysely<Database>,
  caller: Caller,
  definition: MapDefinition,
  box?: SecretBox,
): Promise<MapRecord> {
  const now = Date.now();
  const row: MapsTable = {
    id: randomId(),
    org_id: caller.orgId,
    owner_user_id: caller.userId,
    title: definition.title,
    description: definition.description,
    definition: JSON.stringify(definition),
    visibility: definition.visibility,
    search_text: searchTextOf(definition),
    public_token_hash: null,
    public_token_sealed: null,
    public_link_enabled_by: null,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('maps').values(row).execute();
  const created = await getMap(db, caller, row.id, box);
  if (!created) throw new Error('a map just created is not visible to its owner');
  return created;
}

/** The map, or undefined when it does not exist or the caller may not see it (the same answer). */
export async function getMap(
  db: Kysely<Database>,
  caller: Caller,
  id: string,
  box?: SecretBox,
): Promise<MapRecord | undefined> {
  const row = await visible(db, caller).where('maps.id', '=', id).executeTakeFirst();
  return row && toRecord(caller, row, box);
}

/** `%` and `_` in what a user types are literal characters, not wildcards. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Visible maps, newest first; `query` matches (case-insensitively) titles, descriptions and layer sources. */
export async function findMaps(
  db: Kysely<Database>,
  caller: Caller,
  options: { query?: string; limit?: number } = {},
  box?: SecretBox,
): Promise<MapRecord[]> {
  let query = visible(db, caller);
  const words = (options.query ?? '').trim().split(/\s+/).filter(Boolean).slice(0, 8);
  for (const word of words)
    query = query.where(sql<boolean>`maps.search_text LIKE ${likePattern(word)} ESCAPE '\\'`);
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
  const rows = await query.orderBy('maps.updated_at', 'desc').orderBy('maps.id').limit(limit).execute();
  return rows.map((row) => toRecord(caller, row, box));
}

/**
 * Loads a map for a change: undefined when the caller may not see it; MapAccessError when the
 * caller sees it but may not change it.
 */
async function editable(db: Kysely<Database>, caller: Caller, id: string): Promise<Row | undefined> {
  const row = await visible(db, caller).where('maps.id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  if (!canEditRow(caller, row)) {
    throw new MapAccessError(
      "Only the map's owner, or editors and admins for a map shared with the organization, can change it.",
    );
  }
  return row;
}

export async function updateMap(
  db: Kysely<Database>,
  caller: Caller,
  id: string,
  definition: MapDefinition,
  box?: SecretBox,
): Promise<MapRecord | undefined> {
  const row = await editable(db, caller, id);
  if (!row) return undefined;
  // Only the owner may make someone else's view of a map disappear by making it private.
  if (definition.visibility === 'private' && row.owner_user_id !== caller.userId) {
    throw new MapAccessError("Only the map's owner can make it private.");
  }
  await db
    .updateTable('maps')
    .set({
      title: definition.title,
      description: definition.description,
      definition: JSON.stringify(definition),
      visibility: definition.visibility,
      search_text: searchTextOf(definition),
      updated_at: Math.max(Date.now(), Number(row.updated_at) + 1),
    })
    .where('id', '=', id)
    .where('org_id', '=', caller.orgId)
    .execute();
  return getMap(db, caller, id, box);
}

export async function deleteMap(db: Kysely<Database>, caller: Caller, id: string): Promise<boolean> {
  const row = await editable(db, caller, id);
  if (!row) return false;
  const result = await db
    .deleteFrom('maps')
    .where('id', '=', id)
    .where('org_id', '=', caller.orgId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Turns the public link on, or rotates it (the old link stops working at once). Publishing
 * outside the organization needs the editor role besides the right to change the map. The link
 * then shows the map as the caller (its enabler): `checkSources` vets every layer against the
 * caller first (it throws to refuse), on the definition as stored at this moment.
 * Returns the new token, or undefined when the map is not visible to the caller.
 */
export async function rotatePublicLink(
  db: Kysely<Database>,
  box: SecretBox,
  caller: Caller,
  id: string,
  checkSources: (definition: MapDefinition) => Promise<void>,
): Promise<string | undefined> {
  const row = await editable(db, caller, id);
  if (!row) return undefined;
  if (caller.role === 'viewer')
    throw new MapAccessError('Viewers cannot publish maps by link; ask an editor or admin.');
  await checkSources(mapDefinitionSchema.parse(JSON.parse(row.definition)));
  const token = randomId();
  const result = await db
    .updateTable('maps')
    .set({
      public_token_hash: hashSecret(token),
      public_token_sealed: box.seal(token),
      public_link_enabled_by: caller.userId,
      updated_at: Math.max(Date.now(), Number(row.updated_at) + 1),
    })
    .where('id', '=', id)
    .where('org_id', '=', caller.orgId)
    // Unchanged since it was checked: a save in between could have added a layer the caller cannot read.
    .where('updated_at', '=', row.updated_at)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0)
    throw new MapAccessError('The map changed while its link was being turned on; try again.');
  return token;
}

export async function removePublicLink(db: Kysely<Database>, caller: Caller, id: string): Promise<boolean> {
  const row = await editable(db, caller, id);
  if (!row) return false;
  await db
    .updateTable('maps')
    .set({
      public_token_hash: null,
      public_token_sealed: null,
      public_link_enabled_by: null,
      updated_at: Math.max(Date.now(), Number(row.updated_at) + 1),
    })
    .where('id', '=', id)
    .where('org_id', '=', caller.orgId)
    .execute();
  return true;
}

/**
 * The map behind a public link, with the user who enabled the link as the caller its layers are
 * resolved as (audit #2): their current role applies, and `enabler` is null when that user (or
 * the map's owner) has left the organization or been disabled, so the link shows nothing.
 * The only lookup without a caller: the 128-bit token is the capability, matched by its hash.
 */
export async function findMapByPublicToken(
  db: Kysely<Database>,
  token: string,
): Promise<{ map: MapRecord; enabler: Caller | null } | undefined> {
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) return undefined;
  const row = await db
    .selectFrom('maps')
    .innerJoin('users', 'users.id', 'maps.owner_user_id')
    .leftJoin('users as enabler', 'enabler.id', 'maps.public_link_enabled_by')
    .leftJoin('memberships', (join) =>
      join
        .onRef('memberships.user_id', '=', 'maps.public_link_enabled_by')
        .onRef('memberships.org_id', '=', 'maps.org_id'),
    )
    .selectAll('maps')
    .select([
      'users.email as owner_email',
      'users.disabled_at as owner_disabled_at',
      'memberships.role as enabler_role',
      'enabler.disabled_at as enabler_disabled_at',
    ])
    .where('maps.public_token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  if (!row) return undefined;
  const enabler: Caller | null =
    row.public_link_enabled_by &&
    row.enabler_role &&
    row.enabler_disabled_at === null &&
    row.owner_disabled_at === null
      ? { orgId: row.org_id, userId: row.public_link_enabled_by, role: row.enabler_role }
      : null;
  const nobody: Caller = { orgId: row.org_id, userId: row.owner_user_id, role: 'viewer' };
  // The viewer has no account: the record says nothing about editing or the link itself.
  return { map: { ...toRecord(nobody, row, undefined), canEdit: false, publicToken: null }, enabler };
}
