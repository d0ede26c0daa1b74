import { apiGet, apiSend } from '../../api.ts';
import type { MapDefinition, MapVisibility } from '../../../../src/maps/mapDefinition.ts';
import type { RenderedMap } from '../../../../src/maps/renderedMap.ts';

/** The maps JSON API (/api/v1/maps…) as the pages use it; shapes as in the shared contract. */
export interface MapSummary {
  id: string;
  title: string;
  description: string;
  visibility: MapVisibility;
  ownerEmail: string;
  updatedAt: number;
  layerCount: number;
  link: string;
  canEdit: boolean;
}

export type SavedMap = MapDefinition & {
  id: string;
  ownerEmail: string;
  createdAt: number;
  updatedAt: number;
  canEdit: boolean;
  link: string;
  publicLink: string | null;
};

const mapPath = (id: string) => `/api/v1/maps/${encodeURIComponent(id)}`;

export const listMaps = (q: string) =>
  apiGet<{ maps: MapSummary[] }>(`/api/v1/maps${q ? `?q=${encodeURIComponent(q)}` : ''}`).then((r) => r.maps);
export const getMap = (id: string) => apiGet<{ map: SavedMap }>(mapPath(id)).then((r) => r.map);
export const getRenderedMap = (id: string) => apiGet<RenderedMap>(`${mapPath(id)}/rendered`);
export const createMap = (definition: MapDefinition) =>
  apiSend<{ map: SavedMap }>('POST', '/api/v1/maps', definition).then((r) => r.map);
export const updateMap = (id: string, definition: MapDefinition) =>
  apiSend<{ map: SavedMap }>('PUT', mapPath(id), definition).then((r) => r.map);
export const deleteMap = (id: string) => apiSend<void>('DELETE', mapPath(id));
export const previewMap = (definition: MapDefinition) =>
  apiSend<RenderedMap>('POST', '/api/v1/maps/preview', definition);
export const enablePublicLink = (id: string) =>
  apiSend<{ publicLink: string }>('POST', `${mapPath(id)}/public-link`).then((r) => r.publicLink);
export const disablePublicLink = (id: string) => apiSend<void>('DELETE', `${mapPath(id)}/public-link`);

/**
 * The public view has no session: a plain fetch, never api.ts (which sends a 401 to sign-in).
 */
export async function getPublicMap(token: string): Promise<RenderedMap | null> {
  const response = await fetch(`/api/v1/public-maps/${encodeURIComponent(token)}`, {
    headers: { accept: 'application/json' },
    credentials: 'omit',
  });
  if (response.status === 404) return null;
  if (!response.ok) {
    // 410 (the link's data is no longer available), 429 (busy), 503: the problem says which.
    const problem = (await response.json().catch(() => null)) as { detail?: unknown } | null;
    throw new Error(
      typeof problem?.detail === 'string' ? problem.detail : `The server answered ${response.status}.`,
    );
  }
  return (await response.json()) as RenderedMap;
}

/** Connections and their tables, for the layer picker (the connections API; optional). */
export interface ConnectionInfo {
  name: string;
}
export interface TableInfo {
  /** As a layer source names it: schema-qualified where the engine has schemas. */
  name: string;
}

export async function listConnections(): Promise<ConnectionInfo[] | null> {
  try {
    const body = await apiGet<{ connections?: ConnectionInfo[] }>('/api/v1/connections');
    return Array.isArray(body.connections) ? body.connections : null;
  } catch {
    return null; // Not allowed or unreachable: the editor falls back to typing names.
  }
}

/** The tables a layer can draw: those with a geometry column. */
export async function listTables(connection: string): Promise<TableInfo[] | null> {
  try {
    const body = await apiGet<{
      tables?: { name: string; qualifiedName?: string; geometryColumns?: unknown[] }[];
    }>(`/api/v1/connections/${encodeURIComponent(connection)}/tables`);
    if (!Array.isArray(body.tables)) return null;
    return body.tables
      .filter((t) => t.geometryColumns?.length !== 0)
      .map((t) => ({ name: t.qualifiedName ?? t.name }));
  } catch {
    return null;
  }
}

/** A table's non-geometry columns, offered for colour-by and tooltips; [] when unknown. */
export async function listColumns(connection: string, table: string): Promise<string[]> {
  try {
    const body = await apiGet<{ table?: { columns?: { name: string; type?: string }[] } }>(
      `/api/v1/connections/${encodeURIComponent(connection)}/tables/${encodeURIComponent(table)}`,
    );
    return (body.table?.columns ?? []).filter((c) => c.type !== 'geometry').map((c) => c.name);
  } catch {
    return [];
  }
}
