import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../../AppContext.ts';
import type { Caller } from '../../store/Caller.ts';
import { SecretBox } from '../../crypto/index.ts';
import {
  createMap,
  deleteMap,
  findMapByPublicToken,
  findMaps,
  getMap,
  removePublicLink,
  rotatePublicLink,
  updateMap,
  type MapRecord,
} from '../../maps/index.ts';
import {
  mapDefinitionSchema,
  type MapDefinition,
  MapRenderError,
  createMapServices,
  mapPageUrl,
  publicMapUrl,
  type MapServices,
  resolveMap,
  renderMapPng,
  mapSummary,
  savedMapView,
  checkLayerAccess,
  PublicMapViewer,
  PublicLinkBudgetError,
  PublicLinkUnavailableError,
} from '../../maps/index.ts';
import { requireApiSession } from './apiSession.ts';
import { fieldErrorsOf, sendErrorProblem, sendProblem } from './problem.ts';

const NOT_FOUND = 'There is no such map, or it is private to someone else.';
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The key sealing public-link tokens (its own HKDF purpose: never the connections' key). */
export function mapLinkBox(serverKey: Buffer): SecretBox {
  return new SecretBox(serverKey, 'map-public-links');
}

export function mapServicesOf(ctx: AppContext): MapServices {
  return createMapServices({
    db: ctx.store.db,
    connections: ctx.connections,
    catalog: ctx.catalog,
    jobs: ctx.jobs,
    jobLimits: ctx.config.jobs,
    publicUrl: ctx.config.publicUrl,
    maps: ctx.config.maps,
  });
}

/**
 * The maps JSON API (`/api/v1/maps…`, `/api/v1/public-maps/:token`): saved maps for the SPA,
 * live previews, the rendered data and image of a map, public links. A map the caller may not
 * see is a 404 like an unknown id; a change the caller may not make is a 403.
 */
export function registerMapsApiRoutes(app: FastifyInstance, ctx: AppContext): void {
  const db = ctx.store.db;
  const box = mapLinkBox(ctx.serverKey);
  const services = mapServicesOf(ctx);
  const publicViewer = new PublicMapViewer(services, ctx.config.maps.publicLinks);
  const publicUrl = ctx.config.publicUrl;

  const parseDefinition = (body: unknown, reply: FastifyReply): MapDefinition | undefined => {
    const parsed = mapDefinitionSchema.safeParse(body ?? {});
    if (parsed.success) return parsed.data;
    sendProblem(
      reply,
      422,
      'The map definition is not valid; see the field errors.',
      fieldErrorsOf(parsed.error.issues),
    );
    return undefined;
  };

  const render = (caller: Caller, record: MapRecord, link: string | null) =>
    resolveMap(services, caller, { ...record.definition, id: record.id, link }, { clientId: 'workspace' });

  const loadMap = async (caller: Caller, id: string, reply: FastifyReply): Promise<MapRecord | undefined> => {
    const record = ID_PATTERN.test(id) ? await getMap(db, caller, id, box) : undefined;
    if (!record) sendProblem(reply, 404, NOT_FOUND);
    return record;
  };

  app.get<{ Querystring: { q?: string } }>('/api/v1/maps', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const q = typeof request.query.q === 'string' ? request.query.q.slice(0, 200) : undefined;
    const maps = await findMaps(db, api.caller, { query: q, limit: 200 });
    return { maps: maps.map((m) => mapSummary(m, publicUrl)) };
  });

  app.post('/api/v1/maps', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const definition = parseDefinition(request.body, reply);
    if (!definition) return reply;
    try {
      // A map holds only what its author may read (audit #2): it may be shared and published later.
      await checkLayerAccess(db, api.caller, definition.layers);
    } catch (error) {
      return sendErrorProblem(reply, error);
    }
    const record = await createMap(db, api.caller, definition, box);
    return reply.code(201).send({ map: savedMapView(record, publicUrl) });
  });

  // Before /maps/:id in intent (find-my-way prefers the static segment anyway).
  app.post('/api/v1/maps/preview', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const body =
      request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
    const title = typeof body.title === 'string' && body.title.trim() !== '' ? body.title : 'Untitled map';
    const definition = parseDefinition({ ...body, title }, reply);
    if (!definition) return reply;
    try {
      return await resolveMap(
        services,
        api.caller,
        { ...definition, id: null, link: null },
        { clientId: 'workspace' },
      );
    } catch (error) {
      return sendErrorProblem(reply, error);
    }
  });

  app.get<{ Params: { id: string } }>('/api/v1/maps/:id', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const record = await loadMap(api.caller, request.params.id, reply);
    if (!record) return reply;
    return { map: savedMapView(record, publicUrl) };
  });

  app.put<{ Params: { id: string } }>('/api/v1/maps/:id', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const stored = await loadMap(api.caller, request.params.id, reply);
    if (!stored) return reply;
    const definition = parseDefinition(request.body, reply);
    if (!definition) return reply;
    try {
      // New or changed layers must be readable by the editor (audit #2); the public link, if
      // on, shows the map as whoever enabled it, and re-checks that user at every view.
      await checkLayerAccess(db, api.caller, definition.layers, stored.definition.layers);
      const record = await updateMap(db, api.caller, request.params.id, definition, box);
      if (!record) return sendProblem(reply, 404, NOT_FOUND);
      return { map: savedMapView(record, publicUrl) };
    } catch (error) {
      return sendErrorProblem(reply, error);
    }
  });

  app.delete<{ Params: { id: string } }>('/api/v1/maps/:id', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    if (!(await loadMap(api.caller, request.params.id, reply))) return reply;
    try {
      if (!(await deleteMap(db, api.caller, request.params.id))) return sendProblem(reply, 404, NOT_FOUND);
      return reply.code(204).send();
    } catch (error) {
      return sendErrorProblem(reply, error);
    }
  });

  app.post<{ Params: { id: string } }>('/api/v1/maps/:id/public-link', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    if (!(await loadMap(api.caller, request.params.id, reply))) return reply;
    try {
      // The link shows the map as the caller: every layer, hidden ones too, must be theirs to read (audit #2).
      const token = await rotatePublicLink(db, box, api.caller, request.params.id, (stored) =>
        checkLayerAccess(db, api.caller, stored.layers),
      );
      if (!token) return sendProblem(reply, 404, NOT_FOUND);
      return { publicLink: publicMapUrl(publicUrl, token) };
    } catch (error) {
      return sendErrorProblem(reply, error);
    }
  });

  app.delete<{ Params: { id: string } }>('/api/v1/maps/:id/public-link', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    if (!(await loadMap(api.caller, request.params.id, reply))) return reply;
    try {
      if (!(await removePublicLink(db, api.caller, request.params.id)))
        return sendProblem(reply, 404, NOT_FOUND);
      return reply.code(204).send();
    } catch (error) {
      return sendErrorProblem(reply, error);
    }
  });

  app.get<{ Params: { id: string } }>('/api/v1/maps/:id/rendered', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const record = await loadMap(api.caller, request.params.id, reply);
    if (!record) return reply;
    try {
      return await render(api.caller, record, mapPageUrl(publicUrl, record.id));
    } catch (error) {
      return sendErrorProblem(reply, error);
    }
  });

  app.get<{ Params: { id: string } }>('/api/v1/maps/:id/image.png', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const record = await loadMap(api.caller, request.params.id, reply);
    if (!record) return reply;
    try {
      const png = await renderMapPng(await render(api.caller, record, mapPageUrl(publicUrl, record.id)));
      // Rendered per request for this caller: never stored by a shared cache (H6).
      return reply.type('image/png').header('Cache-Control', 'private, no-store').send(png);
    } catch (error) {
      return sendErrorProblem(reply, error);
    }
  });

  // No sign-in: the token is the capability. Rate-limited per address, since it is open to anyone.
  app.get<{ Params: { token: string } }>(
    '/api/v1/public-maps/:token',
    { config: { rateLimit: { max: 60, timeWindow: '1 minute' } } },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store');
      const found = await findMapByPublicToken(db, request.params.token);
      if (!found)
        return sendProblem(
          reply,
          404,
          'This map link is not valid (it may have been turned off or replaced).',
        );
      try {
        // Seen as the user who turned the link on; the viewer may have no account, so no workspace link.
        return await publicViewer.view(found.map, found.enabler);
      } catch (error) {
        if (error instanceof PublicLinkUnavailableError)
          return sendProblem(
            reply,
            410,
            'This map link is no longer available; ask whoever shared it for a new one.',
          );
        if (error instanceof PublicLinkBudgetError)
          return sendProblem(
            reply.header('Retry-After', String(error.retryAfterSeconds)),
            429,
            `${error.message} Try again in ${error.retryAfterSeconds} s.`,
          );
        if (error instanceof MapRenderError && error.retryAfterSeconds !== undefined)
          return sendProblem(
            reply.header('Retry-After', String(error.retryAfterSeconds)),
            503,
            'This map is busy; try again in a few seconds.',
          );
        if (error instanceof MapRenderError)
          return sendProblem(reply, 422, 'This map cannot be drawn right now; tell its owner.');
        throw error;
      }
    },
  );
}
