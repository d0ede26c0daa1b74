import {
  ResourceNotFoundError,
  ResourceTemplate,
  type McpServer,
  type ReadResourceResult,
} from '@modelcontextprotocol/server';
import type { McpCaller } from '../auth/index.ts';
import type { McpServices } from './McpServices.ts';
import type { CallerNameCompleter } from './CallerNameCompleter.ts';
import { scopeChallengeFor } from './McpToolSpec.ts';
import { getMap } from '../maps/index.ts';
import { CatalogLookupError } from '../catalog/CatalogBrowser.ts';
import { mapPageUrl } from '../maps/index.ts';

export const MAP_RESOURCE_TEMPLATE = 'meridian://maps/{mapId}';
export const TABLE_RESOURCE_TEMPLATE = 'meridian://connections/{connection}/tables/{table}';

const JSON_TYPE = 'application/json';

function variable(value: string | string[] | undefined): string {
  const one = Array.isArray(value) ? value[0] : value;
  return one ?? '';
}

function json(uri: URL, value: unknown): ReadResourceResult {
  return { contents: [{ uri: uri.href, mimeType: JSON_TYPE, text: JSON.stringify(value, null, 2) }] };
}

/**
 * Saved maps and table schemas as resource templates, read with the caller's own access: a map
 * or connection the caller may not see answers exactly like one that does not exist
 * (-32002 "Resource not found", naming only the URI the client sent). Reading needs the scope of
 * the matching tools (maps:read like find_maps; connections:read like describe_table).
 */
export function registerSpatialResourceTemplates(
  server: McpServer,
  caller: McpCaller,
  services: McpServices & { publicUrl: URL },
  names: CallerNameCompleter,
): void {
  server.registerResource(
    'saved-map',
    new ResourceTemplate(MAP_RESOURCE_TEMPLATE, {
      list: undefined,
      complete: { mapId: (typed) => names.maps(caller, typed) },
    }),
    {
      title: 'Saved map',
      description:
        'A saved map: title, description, layers (sources and styles), viewport and workspace link. Draw it with render_map {mapId}.',
      mimeType: JSON_TYPE,
      scopeChallenge: scopeChallengeFor(['maps:read']),
    },
    async (uri, variables) => {
      const id = variable(variables.mapId);
      const record = id ? await getMap(services.db, caller, id) : undefined;
      if (!record) throw new ResourceNotFoundError(uri.href);
      return json(uri, {
        id: record.id,
        ...record.definition,
        link: mapPageUrl(services.publicUrl, record.id),
        updatedAt: new Date(record.updatedAt).toISOString(),
      });
    },
  );

  server.registerResource(
    'table-schema',
    new ResourceTemplate(TABLE_RESOURCE_TEMPLATE, {
      list: undefined,
      complete: {
        connection: (typed) => names.connections(caller, typed),
        table: (typed, context) => names.tables(caller, context?.arguments?.connection, typed),
      },
    }),
    {
      title: 'Table schema',
      description:
        'One table of a connection: columns and types, geometry type and SRID, row estimate and extent.',
      mimeType: JSON_TYPE,
      scopeChallenge: scopeChallengeFor(['connections:read']),
    },
    async (uri, variables) => {
      const connection = variable(variables.connection);
      const table = variable(variables.table);
      const resolved = connection ? await services.connections.resolve(caller, connection) : undefined;
      if (!resolved || !table) throw new ResourceNotFoundError(uri.href);
      try {
        const details = await services.catalog.describeTable(
          resolved.connection.id,
          resolved.engine,
          table,
          0,
        );
        const { sampleRows: _none, ...schema } = details;
        return json(uri, { connection: resolved.connection.name, ...schema });
      } catch (error) {
        if (error instanceof CatalogLookupError) throw new ResourceNotFoundError(uri.href);
        throw error;
      }
    },
  );
}
