import { useMemo } from 'react';
import {
  Background,
  Controls,
  Handle,
  Position,
  ReactFlow,
  type Edge,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import type { GraphEdge, GraphNode } from './workflowTypes.ts';
import { CATEGORY_COLORS } from './canvas/canvasTypes.ts';

const COLUMN_WIDTH = 260;
const ROW_HEIGHT = 150;

type ComponentNode = Node<{ node: GraphNode }, 'component'>;

function ComponentNodeView({ data }: NodeProps<ComponentNode>) {
  const { node } = data;
  return (
    <div
      className={`graph-node${node.isOutput ? ' output' : ''}`}
      data-node={node.id}
      style={{ ['--kind-color' as string]: CATEGORY_COLORS[node.kind] ?? CATEGORY_COLORS.unknown }}
      title={
        node.columns ? `Columns: ${node.columns.map((c) => `${c.name} (${c.type})`).join(', ')}` : undefined
      }
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <strong>{node.label}</strong>
      <code>{node.id}</code> <span className="muted">· {node.kind}</span>
      {node.config.length > 0 && (
        <ul>
          {node.config.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
      {node.columns && (
        <div className="muted">
          {node.columns.length} column{node.columns.length === 1 ? '' : 's'}
        </div>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

const nodeTypes = { component: ComponentNodeView };

/**
 * The workflow as a read-only graph, laid out left to right by depth (the server's longest path
 * from a source); nodes sharing a depth stack top to bottom in document order.
 */
export function WorkflowGraph({ nodes, edges }: { nodes: GraphNode[]; edges: GraphEdge[] }) {
  const flow = useMemo(() => {
    const rows = new Map<number, number>();
    const flowNodes: ComponentNode[] = nodes.map((node) => {
      const row = rows.get(node.depth) ?? 0;
      rows.set(node.depth, row + 1);
      return {
        id: node.id,
        type: 'component',
        position: { x: node.depth * COLUMN_WIDTH, y: row * ROW_HEIGHT },
        data: { node },
      };
    });
    const flowEdges: Edge[] = edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      label: e.port === 'input' ? undefined : e.port,
      animated: false,
    }));
    return { flowNodes, flowEdges };
  }, [nodes, edges]);
  return (
    <div className="graph" data-testid="workflow-graph">
      <ReactFlow
        nodes={flow.flowNodes}
        edges={flow.flowEdges}
        nodeTypes={nodeTypes}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        fitView
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
