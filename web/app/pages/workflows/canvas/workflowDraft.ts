/**
 * The workflow being edited on the canvas, and the edits the canvas makes to it. A draft is a
 * workflow document (the shape POST /api/v1/workflows saves) whose nodes always carry a
 * position; every edit returns a new draft, so React sees each change.
 */
export interface DraftNode {
  id: string;
  component: string;
  inputs: Record<string, string>;
  config: Record<string, unknown>;
  position: { x: number; y: number };
}

export interface DraftParameter {
  name: string;
  type: string;
  description?: string;
  required?: boolean;
  default?: unknown;
  min?: number | string;
  max?: number | string;
  values?: string[];
  maxLength?: number;
}

export interface WorkflowDraft {
  name: string;
  description: string;
  connection: string;
  parameters: DraftParameter[];
  nodes: DraftNode[];
  /** The node whose rows are the result; empty until the draft has an output node. */
  output: string;
}

interface DocumentNode {
  id: string;
  component: string;
  inputs?: Record<string, string>;
  config?: Record<string, unknown>;
  position?: { x: number; y: number };
}

export interface DocumentShape {
  name?: string;
  description?: string;
  connection?: string;
  parameters?: DraftParameter[];
  nodes?: DocumentNode[];
  output?: string;
}

const COLUMN_WIDTH = 280;
const ROW_HEIGHT = 170;
/** Components that end a workflow: the first one on the canvas becomes its output. */
const OUTPUT_COMPONENTS = new Set(['result', 'save_table']);

export function emptyDraft(connection: string): WorkflowDraft {
  return { name: '', description: '', connection, parameters: [], nodes: [], output: '' };
}

/**
 * A saved document as a draft. Nodes saved without a position (imported documents) are laid out
 * left to right by depth, the longest path from a source, like the read-only graph.
 */
export function draftFromDocument(doc: DocumentShape): WorkflowDraft {
  const nodes = doc.nodes ?? [];
  const depths = depthsOf(nodes);
  const rows = new Map<number, number>();
  return {
    name: doc.name ?? '',
    description: doc.description ?? '',
    connection: doc.connection ?? '',
    parameters: (doc.parameters ?? []).map((p) => ({ ...p })),
    nodes: nodes.map((n) => {
      const depth = depths.get(n.id) ?? 0;
      const row = rows.get(depth) ?? 0;
      rows.set(depth, row + 1);
      return {
        id: n.id,
        component: n.component,
        inputs: { ...(n.inputs ?? {}) },
        config: structuredClone(n.config ?? {}),
        position: n.position ?? { x: depth * COLUMN_WIDTH, y: row * ROW_HEIGHT },
      };
    }),
    output: doc.output ?? '',
  };
}

/** The document to validate, preview or save: empty inputs and configs left out, positions rounded. */
export function documentFromDraft(draft: WorkflowDraft): DocumentShape & { nodes: DocumentNode[] } {
  return {
    name: draft.name,
    ...(draft.description ? { description: draft.description } : {}),
    connection: draft.connection,
    parameters: draft.parameters,
    nodes: draft.nodes.map((n) => ({
      id: n.id,
      component: n.component,
      ...(Object.keys(n.inputs).length ? { inputs: n.inputs } : {}),
      ...(Object.keys(n.config).length ? { config: n.config } : {}),
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
    })),
    output: draft.output,
  };
}

/** A fresh node id from the component name: `spatial_join`, then `spatial_join_2`… */
export function nextNodeId(draft: WorkflowDraft, component: string): string {
  const taken = new Set(draft.nodes.map((n) => n.id));
  if (!taken.has(component)) return component;
  for (let i = 2; ; i++) if (!taken.has(`${component}_${i}`)) return `${component}_${i}`;
}

export function addNode(
  draft: WorkflowDraft,
  component: string,
  position: { x: number; y: number },
): { draft: WorkflowDraft; id: string } {
  const id = nextNodeId(draft, component);
  const node: DraftNode = { id, component, inputs: {}, config: {}, position };
  const output = draft.output === '' && OUTPUT_COMPONENTS.has(component) ? id : draft.output;
  return { draft: { ...draft, nodes: [...draft.nodes, node], output }, id };
}

/** Feeds `port` of `target` from `source`, replacing what fed it before. */
export function connect(draft: WorkflowDraft, source: string, target: string, port: string): WorkflowDraft {
  if (source === target) return draft;
  return mapNode(draft, target, (n) => ({ ...n, inputs: { ...n.inputs, [port]: source } }));
}

export function disconnect(draft: WorkflowDraft, target: string, port: string): WorkflowDraft {
  return mapNode(draft, target, (n) => {
    const { [port]: _dropped, ...inputs } = n.inputs;
    return { ...n, inputs };
  });
}

/** Removes a node and every input it fed; a removed output hands over to another output node. */
export function removeNode(draft: WorkflowDraft, id: string): WorkflowDraft {
  const nodes = draft.nodes
    .filter((n) => n.id !== id)
    .map((n) =>
      Object.values(n.inputs).includes(id)
        ? { ...n, inputs: Object.fromEntries(Object.entries(n.inputs).filter(([, from]) => from !== id)) }
        : n,
    );
  const output =
    draft.output === id ? (nodes.find((n) => OUTPUT_COMPONENTS.has(n.component))?.id ?? '') : draft.output;
  return { ...draft, nodes, output };
}

/** Renames a node and every reference to it (inputs, output). Refuses a taken or empty id. */
export function renameNode(draft: WorkflowDraft, from: string, to: string): WorkflowDraft {
  if (to === '' || to === from || draft.nodes.some((n) => n.id === to)) return draft;
  return {
    ...draft,
    nodes: draft.nodes.map((n) => ({
      ...n,
      id: n.id === from ? to : n.id,
      inputs: Object.fromEntries(Object.entries(n.inputs).map(([p, src]) => [p, src === from ? to : src])),
    })),
    output: draft.output === from ? to : draft.output,
  };
}

export function moveNode(
  draft: WorkflowDraft,
  id: string,
  position: { x: number; y: number },
): WorkflowDraft {
  return mapNode(draft, id, (n) => ({ ...n, position }));
}

/** Sets one config field; `undefined` removes it (the component's default applies). */
export function setConfigField(
  draft: WorkflowDraft,
  id: string,
  field: string,
  value: unknown,
): WorkflowDraft {
  return mapNode(draft, id, (n) => {
    const config = { ...n.config };
    if (value === undefined) delete config[field];
    else config[field] = value;
    return { ...n, config };
  });
}

/** The edges of the draft: one per connected input port whose source exists. */
export function edgesOf(
  draft: WorkflowDraft,
): { id: string; source: string; target: string; port: string }[] {
  const ids = new Set(draft.nodes.map((n) => n.id));
  return draft.nodes.flatMap((n) =>
    Object.entries(n.inputs)
      .filter(([, from]) => ids.has(from))
      .map(([port, from]) => ({ id: `${from}->${n.id}:${port}`, source: from, target: n.id, port })),
  );
}

function mapNode(draft: WorkflowDraft, id: string, change: (n: DraftNode) => DraftNode): WorkflowDraft {
  return { ...draft, nodes: draft.nodes.map((n) => (n.id === id ? change(n) : n)) };
}

function depthsOf(nodes: DocumentNode[]): Map<string, number> {
  const depth = new Map(nodes.map((n) => [n.id, 0]));
  for (let round = 0; round < nodes.length; round++) {
    let changed = false;
    for (const n of nodes)
      for (const from of Object.values(n.inputs ?? {})) {
        const next = (depth.get(from) ?? 0) + 1;
        if (next > (depth.get(n.id) ?? 0) && next < nodes.length) {
          depth.set(n.id, next);
          changed = true;
        }
      }
    if (!changed) break;
  }
  return depth;
}
