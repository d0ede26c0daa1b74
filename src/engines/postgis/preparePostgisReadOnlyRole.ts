import pg from 'pg';
import { EngineError } from '../Engine.ts';
import { toPostgisEngineError } from './toPostgisEngineError.ts';

export interface ReadOnlyRoleOptions {
  /** Role to create or reset: lower-case letters, digits and `_`, at most 63 bytes. */
  role: string;
  password: string;
  /** Schemas whose tables the role may read (now and, for tables the admin creates later, by default). Default `['public']`. */
  schemas?: string[];
}

const namePattern = /^[a-z_][a-z0-9_]{0,62}$/;
/** Predefined roles that would let a member read or write server files or run programs (G7). */
const dangerousRoles = [
  'pg_read_server_files',
  'pg_write_server_files',
  'pg_execute_server_program',
  'pg_write_all_data',
];

/**
 * Creates (or resets) the role a PostGIS connection should use: it can log in and SELECT from
 * the given schemas of the admin URL's database, and nothing else. It is not a superuser, owns
 * nothing, is a member of no role, cannot read or write server files or run programs, starts
 * every transaction read-only (`default_transaction_read_only`), and has PostGIS raster's GDAL
 * drivers and out-db rasters disabled. Run it with a superuser (or the database owner with
 * CREATEROLE) URL; the engine itself still opens every query with `BEGIN READ ONLY`.
 */
export async function preparePostgisReadOnlyRole(
  adminUrl: string,
  options: ReadOnlyRoleOptions,
): Promise<void> {
  const { role, password } = options;
  const schemas = options.schemas ?? ['public'];
  if (!namePattern.test(role)) throw new EngineError('sql', 'role names must match ^[a-z_][a-z0-9_]{0,62}$');
  for (const schema of schemas)
    if (!namePattern.test(schema)) throw new EngineError('sql', `invalid schema name "${schema}"`);
  if (password.length < 12)
    throw new EngineError('sql', 'the role password must have at least 12 characters');

  const secrets = [adminUrl, password];
  try {
    secrets.push(new URL(adminUrl).password, new URL(adminUrl).hostname);
  } catch {
    throw new EngineError('unavailable', 'the admin connection URL is not valid');
  }
  const client = new pg.Client({
    connectionString: adminUrl,
    connectionTimeoutMillis: 5_000,
    application_name: 'meridian-setup',
  });
  client.on('error', () => undefined);
  const id = pg.escapeIdentifier(role);
  try {
    await client.connect();
    await client.query('BEGIN');
    const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount === 1;
    const attributes = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT';
    await client.query(
      `${exists ? 'ALTER' : 'CREATE'} ROLE ${id} ${attributes} PASSWORD ${pg.escapeLiteral(password)}`,
    );
    const memberships = await client.query<{ name: string }>(
      'SELECT r.rolname AS name FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1)',
      [role],
    );
    for (const { name } of memberships.rows)
      await client.query(`REVOKE ${pg.escapeIdentifier(name)} FROM ${id}`);
    for (const name of dangerousRoles) {
      const present = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
      if (present.rowCount) await client.query(`REVOKE ${pg.escapeIdentifier(name)} FROM ${id}`);
    }
    await client.query(`ALTER ROLE ${id} SET default_transaction_read_only = on`);
    await client.query(`ALTER ROLE ${id} SET postgis.gdal_enabled_drivers = 'DISABLE_ALL'`);
    await client.query(`ALTER ROLE ${id} SET postgis.enable_outdb_rasters = off`);
    await client.query(
      `GRANT CONNECT ON DATABASE ${pg.escapeIdentifier((await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db)} TO ${id}`,
    );
    for (const schema of schemas) {
      const s = pg.escapeIdentifier(schema);
      await client.query(`REVOKE CREATE ON SCHEMA ${s} FROM ${id}`);
      await client.query(`GRANT USAGE ON SCHEMA ${s} TO ${id}`);
      await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${id}`);
      await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${id}`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw toPostgisEngineError(error, secrets);
  } finally {
    await client.end().catch(() => undefined);
  }
}
