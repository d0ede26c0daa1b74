import type { ColumnSchema } from '../catalog/ColumnSchema.ts';
import type { ComponentCategory } from '../components/Component.ts';
import { components } from '../components/components.ts';
import { isParamRef } from '../document/ParamRef.ts';
import type { WorkflowDocument } from '../document/WorkflowDocument.ts';

export interface WorkflowGraphNode {
  id: string;
  component: string;
  /** The component's category ("source", "spatial"…), or "unknown" for a name not in the catalog. */
  kind: ComponentCategory | 'unknown';
  /** "Spatial filter", from the component name. */
  label: string;
  /** Key config values, short and readable: `predicate: within_distance`, `distance_m: $radius_m`. */
  config: string[];
  /** Longest path from a source: the column a left-to-right layout puts the node in. */
  depth: number;
  isOutput: boolean;
  /** Output columns, when the workflow was validated against its connection's catalog. */
  columns?: { name: string; type: string }[];
}

export interface WorkflowGraphEdge {
  id: string;
  source: string;
  target: string;
  /** The target's input port ("input", "filter", "left"…). */
  port: string;
}

export interface WorkflowGraph {
  nodes: WorkflowGraphNode[];
  edges: WorkflowGraphEdge[];
}

const MAX_CONFIG_ENTRIES = 6;
const MAX_VALUE_LENGTH = 60;

/**
 * The shape of a workflow for a read-only graph view: one node per component with what it is
 * and its key settings, one edge per input. Pure; works on documents that do not validate
 * (unknown components, dangling inputs, cycles), since the view is how people find such faults.
 */
export function describeWorkflowGraph(
  doc: Pick<WorkflowDocument, 'nodes' | 'output'>,
  columns?: ReadonlyMap<string, ColumnSchema[]>,
): WorkflowGraph {
  const ids = new Set(doc.nodes.map((n) => n.id));
  const edges: WorkflowGraphEdge[] = doc.nodes.flatMap((n) =>
    Object.entries(n.inputs ?? {})
      .filter(([, from]) => ids.has(from))
      .map(([port, from]) => ({ id: `${from}->${n.id}:${port}`, source: from, target: n.id, port })),
  );
  const depths = depthsOf(
    doc.nodes.map((n) => n.id),
    edges,
  );
  return {
    nodes: doc.nodes.map((n) => {
      const component = components.get(n.component);
      const nodeColumns = columns?.get(n.id);
      return {
        id: n.id,
        component: n.component,
        kind: component?.category ?? 'unknown',
        label: labelOf(n.component),
        config: summarizeConfig(n.config ?? {}),
        depth: depths.get(n.id) ?? 0,
        isOutput: n.id === doc.output,
        ...(nodeColumns && { columns: nodeColumns.map((c) => ({ name: c.name, type: c.type })) }),
      };
    }),
    edges,
  };
}

function labelOf(component: string): string {
  const words = component.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function summarizeConfig(config: Record<string, unknown>): string[] {
  const entries = Object.entries(config).map(([key, value]) => `${key}: ${clip(render(value))}`);
  return entries.length > MAX_CONFIG_ENTRIES
    ? [...entries.slice(0, MAX_CONFIG_ENTRIES), `… ${entries.length - MAX_CONFIG_ENTRIES} more`]
    : entries;
}

function render(value: unknown): string {
  if (isParamRef(value)) return `$${value.$param}`;
  if (typeof value === 'string') return value;
  if (Array.isArray(value))
    return value
      .map((v) => (typeof v === 'object' && v !== null && !isParamRef(v) ? compactObject(v) : render(v)))
      .join(', ');
  if (typeof value === 'object' && value !== null) return compactObject(value);
  return String(value);
}

function compactObject(value: object): string {
  return JSON.stringify(value, (_key, v: unknown) => (isParamRef(v) ? `$${v.$param}` : v));
}

function clip(text: string): string {
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}

/** Longest distance from a node without inputs; nodes on a cycle keep the depth reached so far. */
function depthsOf(ids: string[], edges: WorkflowGraphEdge[]): Map<string, number> {
  const depth = new Map(ids.map((id) => [id, 0]));
  // Bellman-Ford style relaxation bounded by the node count, so a cycle cannot loop forever.
  for (let round = 0; round < ids.length; round++) {
    let changed = false;
    for (const e of edges) {
      const next = (depth.get(e.source) ?? 0) + 1;
      if (next > (depth.get(e.target) ?? 0) && next < ids.length) {
        depth.set(e.target, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return depth;
}
