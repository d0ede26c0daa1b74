import type { Kysely } from 'kysely';
import type { Caller } from '../store/Caller.ts';
import type { ConnectionKind, ConnectionsTable, Database } from '../store/schema.ts';
import { randomId } from '../crypto/index.ts';
import type { SecretBox } from '../crypto/index.ts';
import { bumpToolCatalog } from '../store/toolCatalogVersion.ts';
import { MeridianError } from '../errors/MeridianError.ts';

// Which workflow tools a user sees depends on the connections they may use (tools/list shows
// the workflows whose connection the caller can use, by name). Every change to that — adding,
// deleting or sharing a connection — bumps the organization's tool catalog version in the same
// transaction, so cached listings are dropped and listening clients are told.

/** What callers see of a connection: never its credentials (they are write-only). */
export interface ConnectionView {
  id: string;
  name: string;
  kind: ConnectionKind;
  description: string;
  restricted: boolean;
  createdAt: number;
}

/** `saveSchema` (PostGIS): the schema editors' saved tables go to; absent, nothing is ever written. */
export type ConnectionConfig = { file: string } | { url: string; saveSchema?: string };

export class ConnectionAccessError extends MeridianError {
  override name = 'ConnectionAccessError';
  override readonly code: string = 'connection_refused';
  override readonly status: number = 422;
  override readonly showable: boolean = true;
}

const NAME_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

function toView(row: ConnectionsTable): ConnectionView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    description: row.description,
    restricted: row.restricted === 1,
    createdAt: row.created_at,
  };
}

export async function createConnection(
  db: Kysely<Database>,
  box: SecretBox,
  caller: Caller,
  input: {
    name: string;
    kind: ConnectionKind;
    config: ConnectionConfig;
    description?: string;
    restricted?: boolean;
  },
): Promise<ConnectionView> {
  if (caller.role !== 'admin')
    throw new ConnectionAccessError('Only organization admins can add connections.');
  if (!NAME_PATTERN.test(input.name)) {
    throw new ConnectionAccessError(
      'A connection name is 1–63 characters: lower-case letters, digits, "_" and "-", starting with a letter.',
    );
  }
  const now = Date.now();
  const row: ConnectionsTable = {
    id: randomId(),
    org_id: caller.orgId,
    name: input.name,
    kind: input.kind,
    description: input.description ?? '',
    sealed_config: box.seal(JSON.stringify(input.config)),
    restricted: input.restricted ? 1 : 0,
    created_by: caller.userId,
    created_at: now,
    updated_at: now,
  };
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('connections').values(row).execute();
    await bumpToolCatalog(trx, caller.orgId);
  });
  return toView(row);
}

/** Connections of the caller's organization that the caller may use. */
function usable(db: Kysely<Database>, caller: Caller) {
  let query = db.selectFrom('connections').selectAll().where('org_id', '=', caller.orgId);
  if (caller.role !== 'admin') {
    query = query.where((eb) =>
      eb.or([
        eb('restricted', '=', 0),
        eb.exists(
          eb
            .selectFrom('connection_members')
            .select('connection_members.user_id')
            .whereRef('connection_members.connection_id', '=', 'connections.id')
            .where('connection_members.user_id', '=', caller.userId),
        ),
      ]),
    );
  }
  return query;
}

export async function listConnections(db: Kysely<Database>, caller: Caller): Promise<ConnectionView[]> {
  return (await usable(db, caller).orderBy('name').execute()).map(toView);
}

/** By id or by name; undefined when it does not exist or the caller may not use it. */
export async function findConnection(
  db: Kysely<Database>,
  caller: Caller,
  idOrName: string,
): Promise<ConnectionsTable | undefined> {
  return usable(db, caller)
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .executeTakeFirst();
}

export async function deleteConnection(db: Kysely<Database>, caller: Caller, id: string): Promise<boolean> {
  if (caller.role !== 'admin')
    throw new ConnectionAccessError('Only organization admins can delete connections.');
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .deleteFrom('connections')
      .where('id', '=', id)
      .where('org_id', '=', caller.orgId)
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows) > 0;
    if (deleted) await bumpToolCatalog(trx, caller.orgId);
    return deleted;
  });
}

export async function setConnectionMembers(
  db: Kysely<Database>,
  caller: Caller,
  id: string,
  userIds: string[],
): Promise<void> {
  if (caller.role !== 'admin')
    throw new ConnectionAccessError('Only organization admins can share connections.');
  const connection = await db
    .selectFrom('connections')
    .select('id')
    .where('id', '=', id)
    .where('org_id', '=', caller.orgId)
    .executeTakeFirst();
  if (!connection) throw new ConnectionAccessError('No such connection.');
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('connection_members').where('connection_id', '=', id).execute();
    if (userIds.length)
      await trx
        .insertInto('connection_members')
        .values(userIds.map((user_id) => ({ connection_id: id, user_id })))
        .execute();
    await bumpToolCatalog(trx, caller.orgId);
  });
}

export function viewOf(row: ConnectionsTable): ConnectionView {
  return toView(row);
}
