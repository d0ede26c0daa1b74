import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../AppContext.ts';
import { SecretBox } from '../../crypto/index.ts';
import {
  createConnection,
  listConnections,
  testConnection,
  type ResolvedConnection,
} from '../../connections/index.ts';
import { CatalogLookupError } from '../../catalog/CatalogBrowser.ts';
import { EngineError, withinTimeout, type ColumnDescription } from '../../engines/index.ts';
import { recordAudit } from '../../store/repositories/auditLog.ts';
import type { Caller } from '../../store/Caller.ts';
import { requireApiSession } from './apiSession.ts';
import { fieldErrorsOf, sendErrorProblem, sendProblem } from './problem.ts';

/**
 * Connections for the workspace: list, browse, add (admins), test. Credentials are write-only:
 * no answer ever contains a connection's URL or password (H8). The Maps editor picks a layer
 * source with the two browse endpoints, so their shapes stay small:
 *
 *   GET  /api/v1/connections
 *        → { connections: [{ id, name, kind: 'spatialite'|'postgis', description, restricted, createdAt }] }
 *   GET  /api/v1/connections/:name/tables
 *        → { connection, schemas: string[], tables: [{ schema, name, qualifiedName, rowEstimate: number|null,
 *             geometryColumns: [{ name, geometryType: string|null, srid: number|null }] }] }
 *          qualifiedName is what a map layer's `table` takes ("cities", or "public.cities" outside SQLite's main).
 *   GET  /api/v1/connections/:name/tables/:table   (:table is a name or schema.name)
 *        → { connection, table: { schema, name, qualifiedName, rowEstimate, columns: [{ name, type, nullable: boolean|null,
 *             geometryType: string|null, srid: number|null }] } }
 *   POST /api/v1/connections  (admin) body { name, url: 'postgres://…', description? } → 201 { connection }
 *   POST /api/v1/connections/:name/test → { ok: true, tables, schemas, message } | { ok: false, message }
 *
 * A connection the caller may not use answers 404, like one that does not exist.
 */
const CATALOG_TIMEOUT_MS = 10_000;

const addBody = z.object({
  name: z
    .string()
    .trim()
    .regex(
      /^[a-z][a-z0-9_-]{0,62}$/,
      'a connection name is 1–63 characters: lower-case letters, digits, "_" and "-", starting with a letter',
    ),
  url: z
    .string()
    .trim()
    .max(2000)
    // The message never repeats the URL: it may carry a password.
    .refine(
      (url) => URL.canParse(url) && ['postgres:', 'postgresql:'].includes(new URL(url).protocol),
      'the URL must look like postgres://user:password@host:5432/database',
    ),
  description: z.string().trim().max(500, 'the description is limited to 500 characters').default(''),
  // Where editors' save-as-table steps create tables; absent, the connection never writes.
  saveSchema: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]{0,62}$/,
      'a schema name is letters, digits and _ (max 63), starting with a letter or _',
    )
    .optional(),
});

function qualifiedName(schema: string, name: string): string {
  return schema === 'main' || schema === '' ? name : `${schema}.${name}`;
}

function isGeometry(c: ColumnDescription): boolean {
  return c.type === 'geometry' || c.geometryType !== undefined;
}

export function registerConnectionsApiRoutes(app: FastifyInstance, ctx: AppContext): void {
  // The same sealing as the server's registry (src/server.ts), so the registry can open it.
  const box = new SecretBox(ctx.serverKey, 'connections');

  /** The connection's engine, or a problem reply: 404 when not usable, 503 when unreachable. */
  async function resolveOr(
    reply: FastifyReply,
    caller: Caller,
    name: string,
  ): Promise<ResolvedConnection | undefined> {
    try {
      const resolved = await ctx.connections.resolve(caller, name);
      if (!resolved)
        sendProblem(
          reply,
          404,
          `There is no connection "${name}" you can use; GET /api/v1/connections lists yours.`,
        );
      return resolved;
    } catch (e) {
      sendProblem(
        reply,
        503,
        `The connection "${name}" cannot be used now: ${e instanceof EngineError ? e.message : 'its engine could not be started'}.`,
      );
      return undefined;
    }
  }

  async function catalogOr(reply: FastifyReply, resolved: ResolvedConnection) {
    try {
      return await withinTimeout(
        ctx.catalog.catalog(resolved.connection.id, resolved.engine),
        CATALOG_TIMEOUT_MS,
      );
    } catch (e) {
      sendProblem(
        reply,
        503,
        `The connection "${resolved.connection.name}" could not be read: ${e instanceof EngineError ? e.message : 'the engine could not be reached'}.`,
      );
      return undefined;
    }
  }

  app.get('/api/v1/connections', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    return { connections: await listConnections(ctx.store.db, api.caller) };
  });

  app.get<{ Params: { name: string } }>('/api/v1/connections/:name/tables', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const resolved = await resolveOr(reply, api.caller, request.params.name);
    if (!resolved) return reply;
    const catalog = await catalogOr(reply, resolved);
    if (!catalog) return reply;
    return {
      connection: resolved.connection.name,
      schemas: catalog.schemas,
      tables: catalog.tables.map((t) => ({
        schema: t.schema,
        name: t.name,
        qualifiedName: qualifiedName(t.schema, t.name),
        rowEstimate: t.rowEstimate ?? null,
        geometryColumns: t.columns
          .filter(isGeometry)
          .map((c) => ({ name: c.name, geometryType: c.geometryType ?? null, srid: c.srid ?? null })),
      })),
    };
  });

  app.get<{ Params: { name: string; table: string } }>(
    '/api/v1/connections/:name/tables/:table',
    async (request, reply) => {
      const api = await requireApiSession(ctx, request, reply);
      if (!api) return reply;
      const resolved = await resolveOr(reply, api.caller, request.params.name);
      if (!resolved) return reply;
      if (!(await catalogOr(reply, resolved))) return reply;
      try {
        const t = await ctx.catalog.findTable(resolved.connection.id, resolved.engine, request.params.table);
        return {
          connection: resolved.connection.name,
          table: {
            schema: t.schema,
            name: t.name,
            qualifiedName: qualifiedName(t.schema, t.name),
            rowEstimate: t.rowEstimate ?? null,
            columns: t.columns.map((c) => ({
              name: c.name,
              type: isGeometry(c) ? 'geometry' : c.type,
              nullable: c.nullable ?? null,
              geometryType: c.geometryType ?? null,
              srid: c.srid ?? null,
            })),
          },
        };
      } catch (e) {
        if (e instanceof CatalogLookupError)
          return sendProblem(
            reply,
            404,
            e.message.replace(
              'Call list_tables or search_tables to see the tables.',
              'GET …/tables lists them.',
            ),
          );
        throw e;
      }
    },
  );

  app.post('/api/v1/connections', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply, 'admin');
    if (!api) return reply;
    const body = addBody.safeParse(request.body ?? {});
    if (!body.success)
      return sendProblem(
        reply,
        422,
        'The connection is not valid; see errors.',
        fieldErrorsOf(body.error.issues),
      );
    const { name, url, description, saveSchema } = body.data;
    const { caller } = api;
    if ((await listConnections(ctx.store.db, caller)).some((c) => c.name === name)) {
      return sendProblem(reply, 422, `There is already a connection named "${name}".`, [
        { field: 'name', message: `"${name}" is taken; choose another name` },
      ]);
    }
    // Where it leads is judged before anything is stored; the refusal names the rule, never an
    // address the host resolved to.
    let refusal: string | undefined;
    try {
      refusal = await ctx.connections.refusalFor(url);
    } catch (e) {
      if (!(e instanceof EngineError)) throw e;
      refusal = e.message;
    }
    if (refusal)
      return sendProblem(reply, 422, `This connection is not allowed: ${refusal}.`, [
        { field: 'url', message: refusal },
      ]);
    try {
      const connection = await createConnection(ctx.store.db, box, caller, {
        name,
        kind: 'postgis',
        config: { url, ...(saveSchema ? { saveSchema } : {}) },
        description,
      });
      await recordAudit(ctx.store.db, {
        ...caller,
        actor: 'workspace',
        action: 'connection.create',
        target: connection.id,
        ip: request.ip,
      });
      return reply.code(201).send({ connection });
    } catch (e) {
      return sendErrorProblem(reply, e, { field: 'name' });
    }
  });

  app.post<{ Params: { name: string } }>('/api/v1/connections/:name/test', async (request, reply) => {
    // Testing changes nothing, so viewers may test what they can use; it is still a write for
    // CSRF purposes (a forged request would make the server connect somewhere on someone's behalf).
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const result = await testConnection(ctx.connections, api.caller, request.params.name);
    if (!result)
      return sendProblem(reply, 404, `There is no connection "${request.params.name}" you can use.`);
    return result;
  });
}
