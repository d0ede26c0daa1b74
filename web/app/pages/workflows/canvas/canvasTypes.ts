import type { SchemaNode } from './configFields.ts';
import type { RenderedMap } from '../../../../../src/maps/renderedMap.ts';

/** GET /api/v1/workflow-components (src/workflows/components/componentCatalog.ts). */
export interface CatalogComponent {
  name: string;
  category: string;
  description: string;
  inputs: { name: string; description: string }[];
  configSchema: SchemaNode;
  execution: 'sql' | 'host' | 'output';
  requiresRole?: 'editor';
  writes?: boolean;
}

export interface DraftIssue {
  code: string;
  node?: string;
  field?: string;
  message: string;
  fix: string;
}

/** POST /api/v1/workflow-drafts/validate */
export interface DraftValidation {
  issues: DraftIssue[];
  columns: Record<string, { name: string; type: string }[]>;
}

/** POST /api/v1/workflow-drafts/preview */
export interface NodePreviewResult {
  node: string;
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  truncated: boolean;
  map: RenderedMap | null;
}

export const CATEGORY_COLORS: Record<string, string> = {
  source: '#2e7d32',
  filter: '#f9a825',
  transform: '#6a1b9a',
  spatial: '#1565c0',
  join: '#00838f',
  aggregate: '#ef6c00',
  h3: '#ad1457',
  output: '#37474f',
  unknown: '#c62828',
};

export const CATEGORY_ORDER = [
  'source',
  'filter',
  'transform',
  'spatial',
  'join',
  'aggregate',
  'h3',
  'output',
];

export function labelOf(component: string): string {
  const words = component.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
