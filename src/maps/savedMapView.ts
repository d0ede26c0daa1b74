import type { MapRecord } from './mapRepository.ts';
import type { MapDefinition } from './mapDefinition.ts';
import { mapPageUrl, publicMapUrl } from './MapServices.ts';

/** A saved map as the JSON API returns it (the contract the SPA codes against). */
export type SavedMap = MapDefinition & {
  id: string;
  ownerEmail: string;
  createdAt: number;
  updatedAt: number;
  canEdit: boolean;
  link: string;
  /** Shown to those who may change the map; null when the link is off (or for others). */
  publicLink: string | null;
};

export interface MapSummary {
  id: string;
  title: string;
  description: string;
  visibility: MapDefinition['visibility'];
  ownerEmail: string;
  updatedAt: number;
  layerCount: number;
  link: string;
  canEdit: boolean;
}

export function savedMapView(record: MapRecord, publicUrl: URL): SavedMap {
  return {
    ...record.definition,
    id: record.id,
    ownerEmail: record.ownerEmail,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    canEdit: record.canEdit,
    link: mapPageUrl(publicUrl, record.id),
    publicLink: record.publicToken ? publicMapUrl(publicUrl, record.publicToken) : null,
  };
}

export function mapSummary(record: MapRecord, publicUrl: URL): MapSummary {
  const { definition } = record;
  return {
    id: record.id,
    title: definition.title,
    description: definition.description,
    visibility: definition.visibility,
    ownerEmail: record.ownerEmail,
    updatedAt: record.updatedAt,
    layerCount: definition.layers.length,
    link: mapPageUrl(publicUrl, record.id),
    canEdit: record.canEdit,
  };
}
