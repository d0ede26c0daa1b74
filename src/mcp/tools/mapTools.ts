import { z } from 'zod';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { defineTool, type McpTool } from '../McpTool.ts';
import type { McpCaller } from '../../auth/index.ts';
import type { McpResourceSpec } from '../McpResourceSpec.ts';
import { toolError } from '../toolResults.ts';
import { findMaps, getMap } from '../../maps/index.ts';
import {
  mapLayerSchema,
  viewportSchema,
  type MapLayer,
  type RenderedMap,
  MAP_APP_MIME_TYPE,
  MAP_APP_URI,
  mapAppCsp,
  readMapAppHtml,
  MapRenderError,
  mapPageUrl,
  type MapServices,
  resolveMap,
  renderMapPng,
} from '../../maps/index.ts';

const READ_ONLY = { readOnlyHint: true, openWorldHint: false } as const;

/** MCP Apps: the view hosts load to show render_map's result (the legacy flat key for older hosts too). */
export const MAP_TOOL_META = { ui: { resourceUri: MAP_APP_URI }, 'ui/resourceUri': MAP_APP_URI };

function sourceLabel(layer: MapLayer): string {
  const s = layer.source;
  return s.kind === 'table'
    ? `table ${s.connection}.${s.table}`
    : s.kind === 'workflow'
      ? `workflow ${s.tool}`
      : `job ${s.jobId}`;
}

/** What the model reads: each layer's size and whether it was cut down, then the link. */
export function describeRenderedMap(map: RenderedMap): string {
  const layers = map.layers.map((layer) => {
    const cut = [
      layer.truncated
        ? `showing ${layer.featureCount} of ${layer.totalFeatures} (capped)`
        : `${layer.featureCount} feature(s)`,
      layer.simplified ? 'geometry simplified' : '',
      layer.legend ? `coloured by ${layer.legend.column}` : '',
    ].filter(Boolean);
    return `- ${layer.title}: ${cut.join(', ')}`;
  });
  return [
    `Map "${map.title}" with ${map.layers.length} layer(s):`,
    ...layers,
    map.link
      ? `Open it in the workspace: ${map.link}`
      : 'This map is not saved; the user can save it from the workspace.',
  ].join('\n');
}

const adhocLayerSchema = mapLayerSchema.extend({
  id: mapLayerSchema.shape.id
    .optional()
    .describe('Layer id (letters, digits, - and _); defaults to layer-1, layer-2, …'),
});

const renderInput = z.object({
  mapId: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe('A saved map id, from find_maps. Give either mapId or layers.'),
  title: z.string().max(200).optional().describe('Title of an ad-hoc map'),
  description: z.string().max(4000).optional(),
  layers: z
    .array(adhocLayerSchema)
    .min(1)
    .max(10)
    .optional()
    .describe(
      'Layers of an ad-hoc map, drawn in order. source: {kind:"table", connection, table} | {kind:"workflow", tool, arguments} | {kind:"job", jobId}. ' +
        'style: fillColor/strokeColor (#rrggbb), opacity, pointRadius, colorBy {kind:"categories"|"ramp", column}, tooltipColumns.',
    ),
  viewport: viewportSchema
    .optional()
    .describe('Where to open ([longitude, latitude] center and zoom); fitted to the features when left out'),
});

/** find_maps and render_map: the organization's saved maps and maps drawn on the fly, as the caller sees them. */
export function createMapTools(services: MapServices): McpTool[] {
  const find = defineTool({
    name: 'find_maps',
    title: 'Find saved maps',
    description:
      'Searches the saved maps you can see (yours and those shared with your organization) by words in their title, description and layer sources (table or workflow names). ' +
      'Returns ids, titles, descriptions and links; draw one with render_map {mapId}.',
    requiredScopes: ['maps:read'],
    inputSchema: z.object({
      query: z
        .string()
        .max(200)
        .optional()
        .describe('Words to look for; omit to list the most recently changed maps'),
      limit: z.number().int().min(1).max(50).default(20),
    }),
    annotations: { ...READ_ONLY, title: 'Find saved maps' },
    validateWithZodOnly: true,
    async handler(args, caller) {
      const maps = await findMaps(services.db, caller, { query: args.query, limit: args.limit });
      const found = maps.map((m) => ({
        id: m.id,
        title: m.definition.title,
        description: m.definition.description,
        visibility: m.definition.visibility,
        owner: m.ownerEmail,
        layers: m.definition.layers.map((l) => ({ title: l.title, source: sourceLabel(l) })),
        updatedAt: new Date(m.updatedAt).toISOString(),
        link: mapPageUrl(services.publicUrl, m.id),
      }));
      const text = found.length
        ? `${found.length} map(s):\n${found.map((m) => `- ${m.title} (id ${m.id}): ${m.layers.map((l) => l.source).join(', ')} — ${m.link}`).join('\n')}\nDraw one with render_map {"mapId": "<id>"}.`
        : args.query
          ? `No saved map you can see matches "${args.query}". Try other words, or call find_maps without a query to list recent maps.`
          : 'There are no saved maps you can see yet. Draw one with render_map and layers.';
      return { content: [{ type: 'text', text }], structuredContent: { maps: found } };
    },
  });

  const render = defineTool({
    name: 'render_map',
    title: 'Render a map',
    description:
      'Draws a map: a saved one ({mapId} from find_maps) or an ad-hoc one from layers over tables, published workflows (run with fixed arguments) or job results. ' +
      'Returns an interactive map where the host supports MCP Apps, plus a PNG image, a short description and, for saved maps, a link. Large layers are capped and simplified (the description says so).',
    requiredScopes: ['maps:read'],
    inputSchema: renderInput,
    annotations: { ...READ_ONLY, title: 'Render a map' },
    // Layers and styles nest deep: zod's messages ("a colour is #rgb or #rrggbb…") say how to fix a value.
    validateWithZodOnly: true,
    _meta: MAP_TOOL_META,
    async handler(args, caller) {
      if ((args.mapId === undefined) === (args.layers === undefined)) {
        return toolError(
          'Give either mapId (a saved map, from find_maps) or layers (an ad-hoc map), not both and not neither.',
        );
      }
      try {
        const rendered = await renderFor(services, caller, args);
        if (!rendered) {
          return toolError(
            `There is no saved map "${args.mapId}" that you can see. Call find_maps to search the maps available to you.`,
          );
        }
        return await mapResult(rendered);
      } catch (error) {
        if (error instanceof MapRenderError)
          return toolError(`${error.field ? `${error.field}: ` : ''}${error.message}`);
        throw error;
      }
    },
  });

  return [find, render];
}

async function renderFor(
  services: MapServices,
  caller: McpCaller,
  args: z.infer<typeof renderInput>,
): Promise<RenderedMap | undefined> {
  const options = { scopes: caller.scopes, clientId: caller.clientId };
  if (args.mapId !== undefined) {
    const record = await getMap(services.db, caller, args.mapId);
    if (!record) return undefined;
    const { definition } = record;
    return resolveMap(
      services,
      caller,
      {
        ...definition,
        viewport: args.viewport ?? definition.viewport,
        id: record.id,
        link: mapPageUrl(services.publicUrl, record.id),
      },
      options,
    );
  }
  const layers = args.layers!.map((layer, i) => ({ ...layer, id: layer.id ?? `layer-${i + 1}` }));
  return resolveMap(
    services,
    caller,
    {
      id: null,
      link: null,
      title: args.title?.trim() || 'Untitled map',
      description: args.description ?? '',
      viewport: args.viewport ?? null,
      layers,
    },
    options,
  );
}

async function mapResult(map: RenderedMap): Promise<CallToolResult> {
  const png = await renderMapPng(map);
  return {
    content: [
      { type: 'text', text: describeRenderedMap(map) },
      { type: 'image', data: png.toString('base64'), mimeType: 'image/png' },
    ],
    structuredContent: map as unknown as Record<string, unknown>,
  };
}

/**
 * The MCP Apps view as a resource: the built single-file HTML, with the CSP MCP Apps hosts
 * apply (no origins unless a basemap is configured) on both the listing and the content.
 */
export function createMapAppResource(basemapStyleUrl: string | null): McpResourceSpec {
  const ui = { csp: mapAppCsp(basemapStyleUrl), prefersBorder: true };
  return {
    name: 'map-view',
    uri: MAP_APP_URI,
    metadata: {
      title: 'Meridian map view',
      description: 'Interactive map for render_map results',
      mimeType: MAP_APP_MIME_TYPE,
      _meta: { ui },
    },
    async read() {
      return {
        contents: [
          { uri: MAP_APP_URI, mimeType: MAP_APP_MIME_TYPE, text: await readMapAppHtml(), _meta: { ui } },
        ],
      };
    },
  };
}
