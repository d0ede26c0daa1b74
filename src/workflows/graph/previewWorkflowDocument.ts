import { components } from '../components/components.ts';
import { findParamRefs } from '../document/ParamRef.ts';
import type { WorkflowDocument, WorkflowNode } from '../document/WorkflowDocument.ts';

/**
 * The part of a workflow that produces one node's rows, ending in a `result`, so the canvas can
 * show any node's output: the node and everything upstream of it, nothing downstream. A
 * `save_table` node is previewed as the rows it would save (a preview never writes), an output
 * node as itself. Only the parameters the kept nodes use stay declared, so previewing a source
 * needs no test values for the parameters of later steps. Returns undefined when the node is
 * not in the document.
 */
export function previewWorkflowDocument(doc: WorkflowDocument, nodeId: string): WorkflowDocument | undefined {
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const target = byId.get(nodeId);
  if (!target) return undefined;
  const upstream = new Set<string>();
  const visit = (id: string) => {
    if (upstream.has(id) || !byId.has(id)) return;
    upstream.add(id);
    for (const from of Object.values(byId.get(id)!.inputs ?? {})) visit(from);
  };
  visit(nodeId);
  const kept = doc.nodes.filter((n) => upstream.has(n.id));
  const execution = components.get(target.component)?.execution;
  const used = new Set(kept.flatMap((n) => findParamRefs(n.config ?? {}).map((r) => r.ref.$param)));
  const parameters = doc.parameters.filter((p) => used.has(p.name));
  if (execution === 'output' && target.component === 'result')
    return { ...doc, parameters, nodes: kept, output: nodeId };

  const ids = new Set(doc.nodes.map((n) => n.id));
  let resultId = '_preview';
  for (let i = 2; ids.has(resultId); i++) resultId = `_preview${i}`;
  // save_table: preview what it would store, that is its input.
  const feeding = execution === 'output' ? target.inputs?.input : nodeId;
  const nodes: WorkflowNode[] = kept.filter((n) => execution !== 'output' || n.id !== nodeId);
  if (feeding === undefined) return { ...doc, parameters, nodes, output: nodeId };
  nodes.push({ id: resultId, component: 'result', inputs: { input: feeding } });
  return { ...doc, parameters, nodes, output: resultId };
}
