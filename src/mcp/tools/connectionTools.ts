import { z } from 'zod';
import { defineTool, type McpTool } from '../McpTool.ts';
import type { McpServices } from '../McpServices.ts';
import type { McpCaller } from '../../auth/index.ts';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { listConnections, type ResolvedConnection } from '../../connections/index.ts';
import { CatalogLookupError } from '../../catalog/CatalogBrowser.ts';
import { EngineError } from '../../engines/index.ts';
import { markdownTable, toolError, toolResult } from '../toolResults.ts';

const READ_ONLY = { readOnlyHint: true, openWorldHint: false } as const;

type Resolution =
  | { ok: true; connection: ResolvedConnection['connection']; engine: ResolvedConnection['engine'] }
  | { ok: false; error: CallToolResult };

async function resolveOrExplain(services: McpServices, caller: McpCaller, name: string): Promise<Resolution> {
  const resolved = await services.connections.resolve(caller, name);
  if (resolved) return { ok: true, ...resolved };
  const mine = await listConnections(services.db, caller);
  const error = toolError(
    `There is no connection "${name}" that you can use.` +
      (mine.length
        ? ` Your connections: ${mine.map((c) => c.name).join(', ')}.`
        : ' You have no connections; ask an admin to share one.'),
  );
  return { ok: false, error };
}

function explain(error: unknown) {
  if (error instanceof CatalogLookupError || error instanceof EngineError) return toolError(error.message);
  throw error;
}

interface Cursor {
  c: string;
  o: number;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string, connectionId: string): number | string {
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
    if (cursor.c !== connectionId || !Number.isInteger(cursor.o) || cursor.o < 0)
      return 'This cursor belongs to another listing; call list_tables again without a cursor.';
    return cursor.o;
  } catch {
    return 'The cursor is not valid; pass the nextCursor of a previous list_tables result, or none.';
  }
}

/** The connection-browsing tools, all gated by `connections:read` and the caller's access. */
export function createConnectionTools(services: McpServices): McpTool[] {
  const listConnectionsTool = defineTool({
    name: 'list_connections',
    title: 'List data connections',
    description:
      'Lists the data warehouse connections you can use (name, engine, description). Pass a connection name to list_tables, describe_table or get_column_stats.',
    requiredScopes: ['connections:read'],
    inputSchema: z.object({}),
    annotations: { ...READ_ONLY, title: 'List data connections' },
    async handler(_args, caller) {
      const connections = await listConnections(services.db, caller);
      return toolResult(
        connections.length
          ? `${connections.length} connection(s):\n${connections.map((c) => `- ${c.name} (${c.kind}): ${c.description}`).join('\n')}`
          : 'You have no connections. An admin can add or share one in the workspace.',
        {
          connections: connections.map(({ id, name, kind, description }) => ({
            id,
            name,
            kind,
            description,
          })),
        },
      );
    },
  });

  const listTables = defineTool({
    name: 'list_tables',
    title: 'List tables',
    description:
      'Lists the tables of a connection with their geometry column and row estimate, a page at a time. Use search_tables to find tables by name across all connections.',
    requiredScopes: ['connections:read'],
    inputSchema: z.object({
      connection: z.string().min(1).max(200).describe('Connection name, from list_connections'),
      schema: z.string().max(200).optional().describe('Only tables of this schema'),
      limit: z.number().int().min(1).max(200).default(50).describe('Tables per page'),
      cursor: z.string().max(500).optional().describe('nextCursor from the previous page'),
    }),
    annotations: { ...READ_ONLY, title: 'List tables' },
    async handler(args, caller) {
      const resolved = await resolveOrExplain(services, caller, args.connection);
      if (!resolved.ok) return resolved.error;
      const offset = args.cursor ? decodeCursor(args.cursor, resolved.connection.id) : 0;
      if (typeof offset === 'string') return toolError(offset);
      try {
        const { tables } = await services.catalog.catalog(resolved.connection.id, resolved.engine);
        const filtered = tables.filter((t) => args.schema === undefined || t.schema === args.schema);
        const page = filtered.slice(offset, offset + args.limit).map((t) => {
          const geometry = t.columns.find((c) => c.geometryType !== undefined || c.type === 'geometry');
          return {
            schema: t.schema,
            name: t.name,
            columns: t.columns.length,
            rowEstimate: t.rowEstimate ?? null,
            geometry: geometry
              ? {
                  column: geometry.name,
                  type: geometry.geometryType ?? 'GEOMETRY',
                  srid: geometry.srid ?? null,
                }
              : null,
          };
        });
        const next =
          offset + args.limit < filtered.length
            ? encodeCursor({ c: resolved.connection.id, o: offset + args.limit })
            : undefined;
        return toolResult(
          `${filtered.length} table(s) in ${resolved.connection.name}; showing ${page.length} from ${offset + 1}.\n` +
            page
              .map(
                (t) =>
                  `- ${t.schema}.${t.name} (~${t.rowEstimate ?? '?'} rows${t.geometry ? `, ${t.geometry.type} ${t.geometry.column}` : ''})`,
              )
              .join('\n') +
            (next ? '\nMore: call again with the nextCursor.' : ''),
          {
            connection: resolved.connection.name,
            total: filtered.length,
            tables: page,
            ...(next && { nextCursor: next }),
          },
        );
      } catch (error) {
        return explain(error);
      }
    },
  });

  const searchTables = defineTool({
    name: 'search_tables',
    title: 'Search tables',
    description:
      'Finds tables whose name or column names contain the search text, across every connection you can use. Returns connection, table and the matching columns.',
    requiredScopes: ['connections:read'],
    inputSchema: z.object({
      query: z
        .string()
        .min(1)
        .max(100)
        .describe('Text to look for in table and column names, e.g. "county" or "population"'),
      limit: z.number().int().min(1).max(100).default(20),
    }),
    annotations: { ...READ_ONLY, title: 'Search tables' },
    async handler(args, caller) {
      const needle = args.query.toLowerCase();
      const matches: {
        connection: string;
        schema: string;
        table: string;
        matchedColumns: string[];
        score: number;
      }[] = [];
      const unavailable: string[] = [];
      for (const connection of await listConnections(services.db, caller)) {
        try {
          const resolved = await services.connections.resolve(caller, connection.id);
          if (!resolved) continue;
          const { tables } = await services.catalog.catalog(connection.id, resolved.engine);
          for (const t of tables) {
            const inName = t.name.toLowerCase().includes(needle);
            const matchedColumns = t.columns
              .filter((c) => c.name.toLowerCase().includes(needle))
              .map((c) => c.name);
            if (inName || matchedColumns.length) {
              matches.push({
                connection: connection.name,
                schema: t.schema,
                table: t.name,
                matchedColumns,
                score: (t.name.toLowerCase() === needle ? 4 : inName ? 2 : 0) + matchedColumns.length,
              });
            }
          }
        } catch {
          unavailable.push(connection.name);
        }
      }
      matches.sort((a, b) => b.score - a.score || a.table.localeCompare(b.table));
      const top = matches.slice(0, args.limit).map(({ score: _score, ...m }) => m);
      return toolResult(
        (top.length
          ? `${matches.length} match(es) for "${args.query}":\n${top.map((m) => `- ${m.connection}: ${m.schema}.${m.table}${m.matchedColumns.length ? ` (columns: ${m.matchedColumns.join(', ')})` : ''}`).join('\n')}`
          : `No table or column name contains "${args.query}".`) +
          (unavailable.length ? `\nNot searched (unreachable): ${unavailable.join(', ')}.` : ''),
        { query: args.query, total: matches.length, matches: top, unavailable },
      );
    },
  });

  const describeTable = defineTool({
    name: 'describe_table',
    title: 'Describe a table',
    description:
      'Describes a table: columns and types, geometry type and SRID, row estimate, spatial extent and a few sample rows (geometries shown as shortened WKT).',
    requiredScopes: ['connections:read'],
    inputSchema: z.object({
      connection: z.string().min(1).max(200),
      table: z.string().min(1).max(300).describe('Table name, or schema.table'),
      sampleRows: z.number().int().min(0).max(20).default(5),
    }),
    annotations: { ...READ_ONLY, title: 'Describe a table' },
    async handler(args, caller) {
      const resolved = await resolveOrExplain(services, caller, args.connection);
      if (!resolved.ok) return resolved.error;
      try {
        const details = await services.catalog.describeTable(
          resolved.connection.id,
          resolved.engine,
          args.table,
          args.sampleRows,
        );
        const columns = details.columns.map(
          (c) => `${c.name} ${c.type}${c.geometryType ? ` (${c.geometryType}, SRID ${c.srid ?? '?'})` : ''}`,
        );
        return toolResult(
          `${details.schema}.${details.name}: ~${details.rowEstimate ?? '?'} rows` +
            (details.extent ? `, extent [${details.extent.map((n) => n.toFixed(4)).join(', ')}]` : '') +
            `\nColumns: ${columns.join(', ')}\n${markdownTable(details.sampleRows)}`,
          { connection: resolved.connection.name, ...details },
        );
      } catch (error) {
        return explain(error);
      }
    },
  });

  const columnStats = defineTool({
    name: 'get_column_stats',
    title: 'Column statistics',
    description:
      'Statistics of one column: nulls, distinct values, and min/max/mean/quantiles with a histogram for numbers, the most frequent values for text, geometry types and extent for geometry. Large tables are summarized from a sample (flagged).',
    requiredScopes: ['connections:read'],
    inputSchema: z.object({
      connection: z.string().min(1).max(200),
      table: z.string().min(1).max(300),
      column: z.string().min(1).max(200),
    }),
    annotations: { ...READ_ONLY, title: 'Column statistics' },
    async handler(args, caller) {
      const resolved = await resolveOrExplain(services, caller, args.connection);
      if (!resolved.ok) return resolved.error;
      try {
        const stats = await services.catalog.columnStats(
          resolved.connection.id,
          resolved.engine,
          args.table,
          args.column,
        );
        const parts = [
          `${args.table}.${args.column} (${stats.type}): ${stats.count} values${stats.sampled ? ' (sample)' : ''}, ${stats.nulls} null, ${stats.distinct} distinct`,
        ];
        if (stats.mean !== undefined)
          parts.push(
            `min ${stats.min}, median ${stats.quantiles!.p50}, mean ${stats.mean.toFixed(2)}, max ${stats.max}`,
          );
        if (stats.topValues)
          parts.push(
            `top: ${stats.topValues
              .slice(0, 5)
              .map((t) => `${t.value} (${t.count})`)
              .join(', ')}`,
          );
        if (stats.extent) parts.push(`extent [${stats.extent.map((n) => n.toFixed(4)).join(', ')}]`);
        return toolResult(parts.join('\n'), {
          connection: resolved.connection.name,
          table: args.table,
          column: args.column,
          ...stats,
        });
      } catch (error) {
        return explain(error);
      }
    },
  });

  return [listConnectionsTool, listTables, searchTables, describeTable, columnStats];
}
