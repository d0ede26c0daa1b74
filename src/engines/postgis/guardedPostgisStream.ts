import { Socket, type SocketConnectOpts } from 'node:net';
import pg from 'pg';
import { EngineError } from '../Engine.ts';

/** Where a connection URL leads, as `pg` itself reads it (query parameters and PG* defaults included). */
export interface PostgisTarget {
  /** A host name, an IP address, or a Unix socket directory (starts with `/`). */
  host: string;
  port: number;
  database: string;
}

/**
 * Vets one physical connection before it is opened and names the address to open it to: the
 * socket goes to exactly that address (pinned), so a DNS answer that changes between the check
 * and the connect cannot redirect it. Throws an `EngineError` to refuse.
 */
export type PostgisConnectGuard = (target: PostgisTarget) => Promise<{ address: string }>;

/**
 * Who answered, once connected: the postmaster's start time (to the microsecond) and the
 * database. Two connections with the same identity reached the same database of the same
 * server, however they got there (another name, address, port, a proxy).
 */
export interface PostgisServerIdentity {
  startedAt: string;
  database: string;
}

export const SERVER_IDENTITY_SQL =
  'SELECT pg_postmaster_start_time()::text AS "startedAt", current_database() AS database';

/**
 * Connection-URL parameters that make `pg-connection-string` read a file of this machine while
 * parsing (client certificate, key, CA): an organization's admin must not be able to point
 * Meridian at its own files. Certificates for a warehouse belong in server configuration.
 */
const LOCAL_FILE_PARAMETERS = ['sslcert', 'sslkey', 'sslrootcert', 'sslcrl'];

/** Throws `EngineError` for a URL `pg` cannot read, or one that names local files. */
export function postgisTarget(url: string): PostgisTarget {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // not WHATWG-parsable; pg's own parser below decides
  }
  const fileParameter = LOCAL_FILE_PARAMETERS.find((name) => parsed?.searchParams.has(name));
  if (fileParameter)
    throw new EngineError(
      'forbidden',
      `the connection URL parameter "${fileParameter}" names a file on the Meridian server, which connections may not do; remove it (sslmode=require or verify-full with the system's CAs still encrypts)`,
    );
  let client: pg.Client;
  try {
    // Constructing a client only parses its configuration; it connects on `connect()`.
    client = new pg.Client({ connectionString: url });
  } catch {
    throw new EngineError('unavailable', 'the connection URL is not valid');
  }
  return { host: client.host, port: client.port, database: client.database ?? '' };
}

/**
 * The `stream` factory for `pg`: a plain TCP socket whose `connect(port, host)` (how `pg` opens
 * it) first asks the guard, then connects to the address the guard vetted. TLS still verifies
 * the certificate against the host name, because `pg` hands that to `tls.connect` itself. A Unix
 * socket path (`connect(path)`) also goes through the guard, which decides whether it may be used.
 */
export function guardedPostgisStream(guard: PostgisConnectGuard, database: string): () => Socket {
  return () => {
    const socket = new Socket();
    const connect = socket.connect.bind(socket) as (options: SocketConnectOpts) => Socket;
    const guarded = (portOrPath: number | string, host?: string): Socket => {
      const target: PostgisTarget =
        host === undefined
          ? { host: String(portOrPath), port: 0, database }
          : { host, port: Number(portOrPath), database };
      guard(target).then(
        ({ address }) => {
          if (!socket.destroyed) connect({ port: target.port, host: address });
        },
        (error: unknown) =>
          socket.destroy(
            error instanceof Error ? error : new EngineError('forbidden', 'the connection was refused'),
          ),
      );
      return socket;
    };
    (socket as unknown as { connect: typeof guarded }).connect = guarded;
    return socket;
  };
}
