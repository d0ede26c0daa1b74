import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { CATEGORY_COLORS, labelOf, type CatalogComponent, type DraftIssue } from './canvasTypes.ts';
import type { DraftNode } from './workflowDraft.ts';
import { isParamRef } from './configFields.ts';

export interface CanvasNodeData extends Record<string, unknown> {
  node: DraftNode;
  component?: CatalogComponent;
  issues: DraftIssue[];
  columns?: { name: string; type: string }[];
  isOutput: boolean;
}

export type CanvasFlowNode = Node<CanvasNodeData, 'component'>;

const MAX_SUMMARY = 4;

/** A component on the canvas: an input handle per port (labelled), one output, its issues in red. */
export function CanvasNode({ data, selected }: NodeProps<CanvasFlowNode>) {
  const { node, component, issues, columns, isOutput } = data;
  const ports = component?.inputs ?? [];
  const summary = Object.entries(node.config)
    .slice(0, MAX_SUMMARY)
    .map(([k, v]) => `${k}: ${summarize(v)}`);
  return (
    <div
      className={`canvas-node${issues.length ? ' has-issues' : ''}${selected ? ' selected' : ''}${isOutput ? ' output' : ''}`}
      data-node={node.id}
      style={{ ['--kind-color' as string]: CATEGORY_COLORS[component?.category ?? 'unknown'] }}
    >
      <div className="canvas-node-head">
        <strong>{labelOf(node.component)}</strong>
        <span className="canvas-node-id">{node.id}</span>
      </div>
      {ports.map((port, i) => (
        <div key={port.name} className="canvas-port" style={{ top: 44 + i * 22 }}>
          <Handle
            type="target"
            id={port.name}
            position={Position.Left}
            data-port={port.name}
            className={node.inputs[port.name] ? 'connected' : 'open'}
            title={`${port.name}: ${port.description}`}
          />
          <span className="canvas-port-label">{port.name}</span>
        </div>
      ))}
      <div className="canvas-node-body" style={{ paddingTop: ports.length ? ports.length * 22 : 0 }}>
        {summary.length > 0 && (
          <ul>
            {summary.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        )}
        {columns && (
          <div className="muted" title={columns.map((c) => `${c.name} (${c.type})`).join(', ')}>
            {columns.length} column{columns.length === 1 ? '' : 's'}
          </div>
        )}
        {issues.length > 0 && (
          <ul className="canvas-node-issues" data-testid="node-issues">
            {issues.slice(0, 3).map((issue, i) => (
              <li key={i}>{issue.message}</li>
            ))}
            {issues.length > 3 && <li>… {issues.length - 3} more</li>}
          </ul>
        )}
      </div>
      {!isOutput && component?.execution !== 'output' && (
        <Handle type="source" id="out" position={Position.Right} data-port="out" title="output rows" />
      )}
    </div>
  );
}

/** A config value in a few words: `$radius_m`, `name, country`, `distance_m desc, name`. */
function summarize(value: unknown): string {
  const text = render(value);
  return text.length > 48 ? `${text.slice(0, 47)}…` : text;
}

function render(value: unknown): string {
  if (isParamRef(value)) return `$${value.$param}`;
  if (Array.isArray(value)) return value.map(render).join(', ');
  if (typeof value === 'object' && value !== null) return Object.values(value).map(render).join(' ');
  return String(value);
}
