import type { CatalogLookup } from '../catalog/CatalogLookup.ts';
import type { ColumnSchema } from '../catalog/ColumnSchema.ts';
import type { Component } from '../components/Component.ts';
import { components } from '../components/components.ts';
import { acceptedKindOf, compatibleParameterTypes, findParamRefs, isParamRef } from '../document/ParamRef.ts';
import {
  type WorkflowDocument,
  type WorkflowNode,
  workflowDocumentSchema,
} from '../document/WorkflowDocument.ts';
import { closestName } from './closestName.ts';
import { ComponentConfigError, type WorkflowIssue } from './WorkflowIssue.ts';
import { flattenZodIssue } from './zodIssues.ts';

export interface PlannedNode {
  node: WorkflowNode;
  component: Component<unknown>;
  /** Config parsed with parameter references still in place. */
  config: unknown;
  columns: ColumnSchema[];
}

export interface WorkflowPlan {
  document: WorkflowDocument;
  /** Node ids, inputs before consumers. */
  order: string[];
  nodes: Map<string, PlannedNode>;
  requiredRole: 'viewer' | 'editor';
  writes: boolean;
}

export type WorkflowValidation =
  { ok: true; plan: WorkflowPlan; issues: [] } | { ok: false; issues: WorkflowIssue[] };

export interface ValidateOptions {
  /** When given, components needing a higher role are reported as `forbidden`. */
  role?: 'viewer' | 'editor' | 'admin';
}

/**
 * Checks a workflow against the component catalog and the connection catalog, naming the node,
 * the field and the fix for every problem it finds (it keeps going after the first).
 */
export function validateWorkflow(
  input: unknown,
  catalog: CatalogLookup,
  options: ValidateOptions = {},
): WorkflowValidation {
  const parsed = workflowDocumentSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => {
        const { path, message } = flattenZodIssue(issue);
        const nodeIndex = /^nodes\.(\d+)/.exec(path)?.[1];
        const nodeId =
          nodeIndex !== undefined
            ? (input as { nodes?: { id?: unknown }[] })?.nodes?.[Number(nodeIndex)]?.id
            : undefined;
        return {
          code: 'invalid_document',
          ...(typeof nodeId === 'string' ? { node: nodeId } : {}),
          field: path || '(document)',
          message,
          fix: 'correct this field to match the workflow document schema (meridian workflow schema)',
        };
      }),
    };
  }
  const doc = parsed.data;
  const issues: WorkflowIssue[] = [];
  const byId = new Map<string, WorkflowNode>();
  for (const node of doc.nodes) {
    if (byId.has(node.id))
      issues.push({
        code: 'duplicate_node',
        node: node.id,
        field: 'id',
        message: `two nodes have the id "${node.id}"`,
        fix: 'give every node a distinct id',
      });
    byId.set(node.id, node);
  }
  const declared = new Map(doc.parameters.map((p) => [p.name, p]));
  const duplicateParam = doc.parameters.find(
    (p, i) => doc.parameters.findIndex((q) => q.name === p.name) !== i,
  );
  if (duplicateParam)
    issues.push({
      code: 'invalid_document',
      field: 'parameters',
      message: `two parameters are named "${duplicateParam.name}"`,
      fix: 'give every parameter a distinct name',
    });

  // Components and ports.
  const componentOf = new Map<string, Component<unknown>>();
  for (const node of doc.nodes) {
    const component = components.get(node.component) as Component<unknown> | undefined;
    if (!component) {
      const guess = closestName(node.component, components.keys());
      issues.push({
        code: 'unknown_component',
        node: node.id,
        field: 'component',
        message: `there is no component "${node.component}"`,
        fix: guess
          ? `did you mean "${guess}"? (meridian workflow components lists them all)`
          : `use one of: ${[...components.keys()].join(', ')}`,
      });
      continue;
    }
    componentOf.set(node.id, component);
    if (component.requiresRole && options.role === 'viewer') {
      issues.push({
        code: 'forbidden',
        node: node.id,
        field: 'component',
        message: `component "${component.name}" is for editors`,
        fix: 'ask an editor to add this node, or use a table source and filters',
      });
    }
    const given = node.inputs ?? {};
    for (const port of component.inputs) {
      const from = given[port.name];
      if (from === undefined) {
        issues.push({
          code: 'missing_input',
          node: node.id,
          field: `inputs.${port.name}`,
          message: `input port "${port.name}" (${port.description}) is not connected`,
          fix: `set inputs.${port.name} to the id of the node that feeds it`,
        });
      } else if (!byId.has(from)) {
        const guess = closestName(from, byId.keys());
        issues.push({
          code: 'unknown_node',
          node: node.id,
          field: `inputs.${port.name}`,
          message: `input "${port.name}" refers to node "${from}", which does not exist`,
          fix: guess ? `did you mean "${guess}"?` : `use one of the node ids: ${[...byId.keys()].join(', ')}`,
        });
      }
    }
    for (const port of Object.keys(given)) {
      if (!component.inputs.some((p) => p.name === port)) {
        issues.push({
          code: 'extra_input',
          node: node.id,
          field: `inputs.${port}`,
          message: `component "${component.name}" has no input port "${port}"`,
          fix: component.inputs.length
            ? `its ports are: ${component.inputs.map((p) => p.name).join(', ')}`
            : 'it is a source: remove its inputs',
        });
      }
    }
  }
  if (!byId.has(doc.output)) {
    issues.push({
      code: 'unknown_node',
      field: 'output',
      message: `output refers to node "${doc.output}", which does not exist`,
      fix: `set output to one of: ${[...byId.keys()].join(', ')}`,
    });
  }
  if (issues.length) return { ok: false, issues };

  const order = topologicalOrder(doc.nodes, issues);
  if (!order) return { ok: false, issues };

  // Every node must feed the output: a dangling node is almost always a wiring mistake.
  const needed = new Set<string>();
  const visit = (id: string) => {
    if (needed.has(id)) return;
    needed.add(id);
    for (const from of Object.values(byId.get(id)?.inputs ?? {})) visit(from);
  };
  visit(doc.output);
  for (const node of doc.nodes) {
    if (!needed.has(node.id))
      issues.push({
        code: 'unreachable_output',
        node: node.id,
        message: `node "${node.id}" does not lead to the output "${doc.output}"`,
        fix: 'connect it to a node on the way to the output, or remove it',
      });
  }

  // Configs, parameters and column schemas, in dependency order.
  const planned = new Map<string, PlannedNode>();
  for (const id of order) {
    const node = byId.get(id)!;
    const component = componentOf.get(id)!;
    const config = parseConfig(node, component, declared, issues);
    if (config === undefined) continue;
    const inputs: Record<string, ColumnSchema[]> = {};
    let inputsReady = true;
    for (const [port, from] of Object.entries(node.inputs ?? {})) {
      const upstream = planned.get(from);
      if (!upstream) inputsReady = false;
      else inputs[port] = upstream.columns;
    }
    if (!inputsReady) continue;
    try {
      const columns = component.columns({ config, inputs, catalog });
      planned.set(id, { node, component, config, columns });
    } catch (error) {
      if (!(error instanceof ComponentConfigError)) throw error;
      issues.push({
        code: error.code,
        node: id,
        ...(error.field ? { field: `config.${error.field}` } : {}),
        message: error.message,
        fix: error.fix,
      });
    }
  }

  checkHostStepOrder(doc, byId, componentOf, issues);
  if (issues.length) return { ok: false, issues };
  const used = [...componentOf.values()];
  return {
    ok: true,
    issues: [],
    plan: {
      document: doc,
      order,
      nodes: planned,
      requiredRole: used.some((c) => c.requiresRole === 'editor') ? 'editor' : 'viewer',
      writes: used.some((c) => c.writes),
    },
  };
}

function parseConfig(
  node: WorkflowNode,
  component: Component<unknown>,
  declared: Map<string, { type: string }>,
  issues: WorkflowIssue[],
): unknown {
  const raw = node.config ?? {};
  const result = component.config.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const { path, message } = flattenZodIssue(issue);
      const value = path
        .split('.')
        .reduce<unknown>(
          (v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
          raw,
        );
      issues.push({
        code: 'invalid_config',
        node: node.id,
        field: path ? `config.${path}` : 'config',
        message: isParamRef(value) ? `this field cannot take a parameter (${message})` : message,
        fix: isParamRef(value)
          ? 'write a literal value here; parameters are accepted only where the component schema allows {"$param"}'
          : `see the "${component.name}" config schema (meridian workflow components)`,
      });
    }
    return undefined;
  }
  let ok = true;
  for (const { path, ref } of findParamRefs(raw)) {
    const parameter = declared.get(ref.$param);
    if (!parameter) {
      const guess = closestName(ref.$param, declared.keys());
      issues.push({
        code: 'undeclared_parameter',
        node: node.id,
        field: `config.${path}`,
        message: `parameter "${ref.$param}" is used but not declared`,
        fix: guess
          ? `did you mean "${guess}"? Otherwise declare it in "parameters"`
          : `declare a parameter named "${ref.$param}" in "parameters"`,
      });
      ok = false;
      continue;
    }
    const kind = acceptedKindOf(ref);
    if (kind && !compatibleParameterTypes[kind].includes(parameter.type)) {
      issues.push({
        code: 'type_mismatch',
        node: node.id,
        field: `config.${path}`,
        message: `parameter "${ref.$param}" is of type ${parameter.type}, but this field needs ${kind}`,
        fix: `declare "${ref.$param}" with type ${compatibleParameterTypes[kind].join(' or ')}, or use another parameter`,
      });
      ok = false;
    }
  }
  return ok ? result.data : undefined;
}

/** Kahn's algorithm; reports the nodes left on a cycle. */
function topologicalOrder(nodes: WorkflowNode[], issues: WorkflowIssue[]): string[] | undefined {
  const pending = new Map(nodes.map((n) => [n.id, new Set(Object.values(n.inputs ?? {}))]));
  const order: string[] = [];
  while (pending.size) {
    const ready = [...pending.entries()].filter(([, deps]) => deps.size === 0).map(([id]) => id);
    if (!ready.length) {
      const onCycle = [...pending.keys()];
      issues.push({
        code: 'cycle',
        node: onCycle[0],
        field: 'inputs',
        message: `the nodes ${onCycle.map((id) => `"${id}"`).join(', ')} feed each other in a cycle`,
        fix: 'workflows are acyclic: remove one of the inputs that closes the loop',
      });
      return undefined;
    }
    for (const id of ready) {
      order.push(id);
      pending.delete(id);
      for (const deps of pending.values()) deps.delete(id);
    }
  }
  return order;
}

/**
 * Host steps run after the single SQL statement, so nothing SQL may consume their output, and
 * output components (result, save_table) end the graph.
 */
function checkHostStepOrder(
  doc: WorkflowDocument,
  byId: Map<string, WorkflowNode>,
  componentOf: Map<string, Component<unknown>>,
  issues: WorkflowIssue[],
): void {
  for (const node of doc.nodes) {
    const component = componentOf.get(node.id);
    if (!component) continue;
    for (const [port, from] of Object.entries(node.inputs ?? {})) {
      const upstream = componentOf.get(from);
      if (!upstream) continue;
      if (upstream.execution === 'output') {
        issues.push({
          code: 'host_step_order',
          node: node.id,
          field: `inputs.${port}`,
          message: `"${from}" is an output (${upstream.name}) and cannot feed other nodes`,
          fix: `connect "${node.id}" to the node before "${from}"`,
        });
      } else if (upstream.execution === 'host' && component.execution === 'sql') {
        issues.push({
          code: 'host_step_order',
          node: node.id,
          field: `inputs.${port}`,
          message: `"${from}" (${upstream.name}) runs after the SQL query, so SQL component "${component.name}" cannot follow it`,
          fix: 'move the H3 nodes to the end of the workflow, just before the output',
        });
      } else if (upstream.execution === 'host' && component.writes) {
        issues.push({
          code: 'host_step_order',
          node: node.id,
          field: `inputs.${port}`,
          message: 'save_table stores SQL results and cannot store the output of an H3 node',
          fix: 'save before the H3 nodes, or use result',
        });
      }
    }
    if (component.execution === 'output' && node.id !== doc.output) {
      issues.push({
        code: 'host_step_order',
        node: node.id,
        field: 'component',
        message: `output component "${component.name}" is not the workflow output`,
        fix: `set "output" to "${node.id}" or remove the node`,
      });
    }
  }
  void byId;
}
