/** The shapes of /api/v1/workflows answers (src/workspace/api/workflowsApiRoutes.ts). */
export interface PublishedTool {
  name: string;
  title: string;
  description: string;
  mode: 'sync' | 'async';
  syncDeadlineMs: number;
  publishedAt: number;
}

export interface WorkflowSummary {
  id: string;
  name: string;
  description: string;
  connection: string;
  version: number;
  updatedAt: number;
  tool: PublishedTool | null;
}

export interface GraphNode {
  id: string;
  component: string;
  kind: string;
  label: string;
  config: string[];
  depth: number;
  isOutput: boolean;
  columns?: { name: string; type: string }[];
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  port: string;
}

export type JsonSchema = {
  type?: string;
  enum?: string[];
  format?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  prefixItems?: JsonSchema[];
  items?: JsonSchema;
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
};

export interface WorkflowDetail extends WorkflowSummary {
  document: unknown;
  parameters: { name: string; type: string; description?: string }[];
  inputSchema: JsonSchema & { properties: Record<string, JsonSchema> };
  graph: { nodes: GraphNode[]; edges: GraphEdge[] };
  issues: { node?: string; field?: string; message: string; fix: string }[];
  catalogAvailable: boolean;
  canEdit: boolean;
  canRun: boolean;
  toolPreview: Record<string, unknown> | null;
}

/** GET /api/v1/workflows/:name/versions (newest first) and …/versions/:n. */
export interface WorkflowVersionSummary {
  version: number;
  savedAt: number;
  /** Null for versions saved before history was kept. */
  savedBy: { id: string; name: string; email: string } | null;
}

export interface WorkflowVersion extends WorkflowVersionSummary {
  document: unknown;
}

export function savedByLabel(savedBy: WorkflowVersionSummary['savedBy']): string {
  if (!savedBy) return 'before history was kept';
  return savedBy.name && savedBy.name !== savedBy.email
    ? `${savedBy.name} (${savedBy.email})`
    : savedBy.email;
}
