import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import {
  Background,
  Controls,
  ReactFlow,
  ReactFlowProvider,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { apiGet, apiSend, type SessionInfo, asApiError } from '../../../api.ts';
import { useApi } from '../../../useApi.ts';
import { formatLocalTime } from '../../../format.ts';
import { useSession } from '../../../useSession.ts';
import { PublishPanel } from '../PublishPanel.tsx';
import { VersionsPanel } from '../VersionsPanel.tsx';
import { savedByLabel, type WorkflowDetail, type WorkflowVersion } from '../workflowTypes.ts';
import type { Connection as ConnectionInfo } from '../../connections/connectionTypes.ts';
import { CanvasNode, type CanvasFlowNode } from './CanvasNode.tsx';
import { ComponentPalette, COMPONENT_DRAG_TYPE } from './ComponentPalette.tsx';
import { ConfigForm } from './ConfigForm.tsx';
import { ParametersEditor } from './ParametersEditor.tsx';
import { NodePreview } from './NodePreview.tsx';
import { configFieldsOf } from './configFields.ts';
import {
  labelOf,
  type CatalogComponent,
  type DraftIssue,
  type DraftValidation,
  type NodePreviewResult,
} from './canvasTypes.ts';
import {
  addNode,
  connect,
  disconnect,
  documentFromDraft,
  draftFromDocument,
  edgesOf,
  emptyDraft,
  moveNode,
  removeNode,
  renameNode,
  setConfigField,
  type DocumentShape,
  type WorkflowDraft,
} from './workflowDraft.ts';
import './canvas.css';

const nodeTypes = { component: CanvasNode };
const VALIDATE_DELAY_MS = 400;

/**
 * The workflow canvas (/app/workflows/canvas/new, /app/workflows/:name/canvas): a graph editor
 * over the component catalog. Editors add, connect and configure nodes, declare parameters,
 * preview any node, save a new version and publish; viewers get the same canvas read-only.
 * /app/workflows/:name/versions/:version shows an old version read-only, with a restore.
 */
export function WorkflowCanvasPage() {
  const { name, version } = useParams();
  const { session } = useSession();
  const catalog = useApi<{ components: CatalogComponent[] }>('/api/v1/workflow-components');
  const connections = useApi<{ connections: ConnectionInfo[] }>('/api/v1/connections');
  const detail = useApi<{ workflow: WorkflowDetail }>(
    name ? `/api/v1/workflows/${encodeURIComponent(name)}` : undefined,
  );
  const old = useApi<{ version: WorkflowVersion }>(
    name && version
      ? `/api/v1/workflows/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`
      : undefined,
  );
  const error = catalog.error ?? connections.error ?? detail.error ?? old.error;
  if (error)
    return (
      <p className="error" role="alert">
        {error.message}
      </p>
    );
  const workflow = detail.data?.workflow;
  // useApi keeps its last answer when its path goes away: only a version route views one.
  const viewing = version ? old.data?.version : undefined;
  if (
    !session ||
    !catalog.data ||
    !connections.data ||
    (name && workflow?.name !== name) ||
    (version && String(viewing?.version) !== version)
  )
    return <p className="muted">Loading…</p>;
  return (
    <ReactFlowProvider>
      <CanvasEditor
        key={`${name ?? '(new)'}:${version ?? 'current'}`}
        session={session}
        components={catalog.data.components}
        connections={connections.data.connections}
        workflow={workflow}
        viewing={viewing}
        onSaved={detail.reload}
      />
    </ReactFlowProvider>
  );
}

function CanvasEditor({
  session,
  components,
  connections,
  workflow,
  viewing,
  onSaved,
}: {
  session: SessionInfo;
  components: CatalogComponent[];
  connections: ConnectionInfo[];
  workflow?: WorkflowDetail;
  /** An old version shown read-only instead of the current document. */
  viewing?: WorkflowVersion;
  onSaved(): void;
}) {
  const mayEdit = session.user.role !== 'viewer';
  const canEdit = mayEdit && !viewing;
  const navigate = useNavigate();
  const flow = useReactFlow();
  const wrapper = useRef<HTMLDivElement>(null);
  const byName = useMemo(() => new Map(components.map((c) => [c.name, c])), [components]);
  const initial = useMemo(
    () =>
      viewing
        ? draftFromDocument(viewing.document as DocumentShape)
        : workflow
          ? draftFromDocument(workflow.document as DocumentShape)
          : emptyDraft(connections[0]?.name ?? ''),
    [workflow, viewing, connections],
  );
  const [draft, setDraft] = useState<WorkflowDraft>(initial);
  const [savedJson, setSavedJson] = useState(() =>
    workflow ? JSON.stringify(documentFromDraft(initial)) : '',
  );
  // The version this draft was loaded from: a save sends it, and is refused (409) when someone
  // saved a newer one since, instead of silently replacing their work.
  const [baseVersion, setBaseVersion] = useState(workflow?.version);
  const [conflict, setConflict] = useState<string>();
  const [selected, setSelected] = useState<string>();
  const [validation, setValidation] = useState<DraftValidation>(
    viewing
      ? { issues: [], columns: {} }
      : {
          issues: (workflow?.issues ?? []) as DraftIssue[],
          columns: Object.fromEntries((workflow?.graph.nodes ?? []).map((n) => [n.id, n.columns ?? []])),
        },
  );
  const [message, setMessage] = useState<{ kind: 'notice' | 'error'; text: string }>();
  const [checking, setChecking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [testValues, setTestValues] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<NodePreviewResult>();
  const [previewError, setPreviewError] = useState<string>();
  const [previewing, setPreviewing] = useState(false);

  const document = useMemo(() => documentFromDraft(draft), [draft]);
  const documentJson = JSON.stringify(document);
  const dirty = documentJson !== savedJson;
  // Closing or reloading the tab with unsaved edits asks first.
  useEffect(() => {
    if (!dirty || !canEdit || draft.nodes.length === 0) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty, canEdit, draft.nodes.length]);
  // Moving a node changes nothing validation looks at: validate only when the rest changes.
  const validationKey = JSON.stringify({
    ...document,
    nodes: document.nodes.map(({ position: _p, ...n }) => n),
  });

  useEffect(() => {
    if (!canEdit) return;
    if (draft.nodes.length === 0) {
      setChecking(false);
      setValidation({ issues: [], columns: {} });
      return;
    }
    let live = true;
    setChecking(true);
    const timer = setTimeout(() => {
      apiSend<DraftValidation>('POST', '/api/v1/workflow-drafts/validate', {
        document: JSON.parse(validationKey) as unknown,
      }).then(
        (result) => {
          if (!live) return;
          setValidation(result);
          setChecking(false);
        },
        (e: unknown) =>
          live &&
          (setChecking(false),
          setValidation({
            issues: [{ code: 'invalid_document', message: asApiError(e).message, fix: '' }],
            columns: {},
          })),
      );
    }, VALIDATE_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [validationKey, canEdit, draft.nodes.length]);

  const issuesByNode = useMemo(() => {
    const map = new Map<string, DraftIssue[]>();
    for (const issue of validation.issues)
      if (issue.node) map.set(issue.node, [...(map.get(issue.node) ?? []), issue]);
    return map;
  }, [validation.issues]);
  const workflowIssues = validation.issues.filter(
    (i) => !i.node || !draft.nodes.some((n) => n.id === i.node),
  );

  // React Flow keeps measured sizes on its nodes, so they live in state, rebuilt from the draft.
  const [flowNodes, setFlowNodes] = useState<CanvasFlowNode[]>([]);
  useEffect(() => {
    setFlowNodes((previous) => {
      const old = new Map(previous.map((n) => [n.id, n]));
      return draft.nodes.map((node) => ({
        ...old.get(node.id),
        id: node.id,
        type: 'component' as const,
        position: node.position,
        selected: node.id === selected,
        draggable: canEdit,
        deletable: canEdit,
        data: {
          node,
          component: byName.get(node.component),
          issues: issuesByNode.get(node.id) ?? [],
          columns: validation.columns[node.id],
          isOutput: node.id === draft.output,
        },
      }));
    });
  }, [draft, selected, canEdit, byName, issuesByNode, validation.columns]);

  const [selectedEdges, setSelectedEdges] = useState<Set<string>>(new Set());
  const edges: Edge[] = useMemo(
    () =>
      edgesOf(draft).map((e) => ({
        id: e.id,
        source: e.source,
        sourceHandle: 'out',
        target: e.target,
        targetHandle: e.port,
        label: e.port === 'input' ? undefined : e.port,
        selected: selectedEdges.has(e.id),
        deletable: canEdit,
        data: { port: e.port },
      })),
    [draft, selectedEdges, canEdit],
  );

  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasFlowNode>[]) => {
      setFlowNodes((ns) => applyNodeChanges(changes, ns));
      for (const change of changes) {
        if (change.type === 'position' && change.position) {
          const position = change.position;
          setDraft((d) => moveNode(d, change.id, position));
        } else if (change.type === 'remove' && canEdit) {
          setDraft((d) => removeNode(d, change.id));
          setSelected((s) => (s === change.id ? undefined : s));
        } else if (change.type === 'select') {
          if (change.selected) setSelected(change.id);
          else setSelected((s) => (s === change.id ? undefined : s));
        }
      }
    },
    [canEdit],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      for (const change of changes) {
        if (change.type === 'remove' && canEdit) {
          const [, target, port] = /->(.+):([^:]+)$/.exec(change.id) ?? [];
          if (target && port) setDraft((d) => disconnect(d, target, port));
        } else if (change.type === 'select') {
          setSelectedEdges((s) => {
            const next = new Set(s);
            if (change.selected) next.add(change.id);
            else next.delete(change.id);
            return next;
          });
        }
      }
    },
    [canEdit],
  );
  const onConnect = useCallback((c: Connection) => {
    if (c.targetHandle) setDraft((d) => connect(d, c.source, c.target, c.targetHandle!));
  }, []);

  const add = (component: string, at?: { x: number; y: number }) => {
    let position = at;
    if (!position) {
      const box = wrapper.current?.getBoundingClientRect();
      const center = flow.screenToFlowPosition({
        x: (box?.left ?? 0) + (box?.width ?? 600) / 2,
        y: (box?.top ?? 0) + (box?.height ?? 400) / 3,
      });
      const offset = (draft.nodes.length % 6) * 24;
      position = { x: center.x - 100 + offset, y: center.y - 40 + offset };
    }
    const { draft: next, id } = addNode(draft, component, position);
    setDraft(next);
    setSelected(id);
  };
  const onDrop = (event: DragEvent) => {
    const component = event.dataTransfer.getData(COMPONENT_DRAG_TYPE);
    if (!component || !canEdit) return;
    event.preventDefault();
    add(component, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
  };

  const save = async () => {
    setBusy(true);
    setMessage(undefined);
    setConflict(undefined);
    try {
      // Renamed, the draft is another workflow: it is based on none of that one's versions.
      const based = workflow && draft.name === workflow.name && baseVersion !== undefined;
      const { workflow: saved } = await apiSend<{ workflow: { name: string; version: number } }>(
        'POST',
        '/api/v1/workflows',
        based ? { document, baseVersion } : { document },
      );
      setSavedJson(documentJson);
      setBaseVersion(saved.version);
      setMessage({ kind: 'notice', text: `Saved version ${saved.version} of ${saved.name}.` });
      if (saved.name !== workflow?.name)
        await navigate(`/workflows/${encodeURIComponent(saved.name)}/canvas`, { replace: true });
      else onSaved();
    } catch (e) {
      const problem = asApiError(e);
      if (problem.status === 409) setConflict(problem.message);
      else setMessage({ kind: 'error', text: problem.message });
    } finally {
      setBusy(false);
    }
  };

  /** Replaces the draft with the workflow's current version (after a conflict or a restore). */
  const loadCurrent = async () => {
    if (!workflow) return;
    setMessage(undefined);
    setConflict(undefined);
    try {
      const { workflow: current } = await apiGet<{ workflow: WorkflowDetail }>(
        `/api/v1/workflows/${encodeURIComponent(workflow.name)}`,
      );
      const fresh = draftFromDocument(current.document as DocumentShape);
      setDraft(fresh);
      setSavedJson(JSON.stringify(documentFromDraft(fresh)));
      setBaseVersion(current.version);
      setSelected(undefined);
      setPreview(undefined);
      setMessage({ kind: 'notice', text: `Loaded version ${current.version}.` });
      onSaved();
    } catch (e) {
      setMessage({ kind: 'error', text: asApiError(e).message });
    }
  };

  const restoreViewed = async () => {
    if (!workflow || !viewing) return;
    setBusy(true);
    setMessage(undefined);
    try {
      await apiSend(
        'POST',
        `/api/v1/workflows/${encodeURIComponent(workflow.name)}/versions/${viewing.version}/restore`,
        {
          baseVersion: workflow.version,
        },
      );
      await navigate(`/workflows/${encodeURIComponent(workflow.name)}/canvas`);
    } catch (e) {
      setMessage({ kind: 'error', text: asApiError(e).message });
      setBusy(false);
    }
  };

  const runPreview = async (nodeId: string) => {
    setPreviewing(true);
    setPreviewError(undefined);
    try {
      const result = await apiSend<NodePreviewResult>('POST', '/api/v1/workflow-drafts/preview', {
        document,
        node: nodeId,
        arguments: argumentsOf(draft, testValues),
      });
      setPreview(result);
    } catch (e) {
      const problem = asApiError(e);
      setPreview(undefined);
      setPreviewError([problem.message, ...problem.errors.map((x) => `${x.field}: ${x.message}`)].join(' '));
    } finally {
      setPreviewing(false);
    }
  };

  // The connection's tables, offered in the table fields (editors only: viewers cannot edit).
  const tableList = useApi<{ tables: { qualifiedName: string }[] }>(
    canEdit && draft.connection
      ? `/api/v1/connections/${encodeURIComponent(draft.connection)}/tables`
      : undefined,
  );
  const tables = useMemo(() => (tableList.data?.tables ?? []).map((t) => t.qualifiedName), [tableList.data]);

  const selectedNode = draft.nodes.find((n) => n.id === selected);
  const selectedComponent = selectedNode && byName.get(selectedNode.component);

  return (
    <div className="canvas-page">
      <p>
        <Link to="/workflows">← Workflows</Link>
        {workflow && (
          <>
            {' · '}
            <Link to={`/workflows/${encodeURIComponent(workflow.name)}`}>Run page</Link>
          </>
        )}
      </p>
      {viewing && workflow && (
        <div className="card version-banner" id="viewing-version" role="status">
          <p>
            Version {viewing.version} of {workflow.name}, saved by {savedByLabel(viewing.savedBy)} on{' '}
            {formatLocalTime(viewing.savedAt)}: read-only. The current version is {workflow.version}.
          </p>
          <p>
            <Link to={`/workflows/${encodeURIComponent(workflow.name)}/canvas`}>
              Back to the current version
            </Link>
            {mayEdit && viewing.version !== workflow.version && (
              <>
                {' '}
                <button
                  type="button"
                  id="restore-viewed"
                  disabled={busy}
                  onClick={() => void restoreViewed()}
                >
                  {busy ? 'Restoring…' : `Restore version ${viewing.version}`}
                </button>
              </>
            )}
          </p>
        </div>
      )}
      <div className="canvas-toolbar card">
        <div>
          <label htmlFor="wf-name">Workflow name</label>
          <input
            id="wf-name"
            type="text"
            value={draft.name}
            disabled={!canEdit}
            placeholder="cities_near_me"
            onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value.trim() }))}
          />
        </div>
        <div>
          <label htmlFor="wf-connection">Connection</label>
          <select
            id="wf-connection"
            value={draft.connection}
            disabled={!canEdit}
            onChange={(e) => setDraft((d) => ({ ...d, connection: e.target.value }))}
          >
            {!connections.some((c) => c.name === draft.connection) && (
              <option value={draft.connection}>{draft.connection || '—'}</option>
            )}
            {connections.map((c) => (
              <option key={c.id} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="canvas-status" data-testid="canvas-status">
          {checking ? (
            <span className="muted">Checking…</span>
          ) : validation.issues.length === 0 ? (
            draft.nodes.length > 0 && <span className="ok">✓ Valid</span>
          ) : (
            <span className="bad">
              {validation.issues.length} issue{validation.issues.length === 1 ? '' : 's'}
            </span>
          )}
          {workflow && (
            <span className="muted">
              {' '}
              · version {viewing ? viewing.version : (baseVersion ?? workflow.version)}
              {!viewing && dirty ? ' · unsaved changes' : ''}
            </span>
          )}
        </div>
        {canEdit ? (
          <button type="button" id="save-workflow" disabled={busy || !dirty} onClick={() => void save()}>
            {busy ? 'Saving…' : workflow ? 'Save new version' : 'Save'}
          </button>
        ) : (
          <p className="muted" id="read-only-note">
            {viewing ? 'An old version: read-only.' : 'You are a viewer: this canvas is read-only.'}
          </p>
        )}
      </div>
      {conflict && (
        <div className="error" role="alert" id="save-conflict">
          <p>{conflict}</p>
          <button type="button" id="reload-current" onClick={() => void loadCurrent()}>
            Reload the current version (drops your unsaved changes)
          </button>
        </div>
      )}
      {message && (
        <p className={message.kind} role={message.kind === 'error' ? 'alert' : 'status'} id="save-message">
          {message.text}
        </p>
      )}
      <div className={`canvas-body${canEdit ? '' : ' read-only'}`}>
        {canEdit && <ComponentPalette components={components} onAdd={(c) => add(c)} />}
        <div
          className="canvas-flow"
          ref={wrapper}
          data-testid="workflow-canvas"
          onDragOver={(e) => {
            if (!canEdit) return;
            e.preventDefault();
            e.dataTransfer.dropEffect = 'move';
          }}
          onDrop={onDrop}
        >
          {draft.nodes.length === 0 && (
            <div className="canvas-empty muted">
              Add a source from the palette (a table, a point input…), then the steps that follow it.
            </div>
          )}
          <ReactFlow
            nodes={flowNodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onPaneClick={() => setSelected(undefined)}
            nodesDraggable={canEdit}
            nodesConnectable={canEdit}
            deleteKeyCode={canEdit ? ['Backspace', 'Delete'] : null}
            fitView={initial.nodes.length > 0}
            fitViewOptions={{ maxZoom: 1, minZoom: 0.45 }}
            minZoom={0.2}
            maxZoom={1.5}
          >
            <Background />
            <Controls showInteractive={false} />
          </ReactFlow>
        </div>
        <aside className="inspector" aria-label="Inspector">
          {selectedNode ? (
            <NodeInspector
              key={selectedNode.id}
              draft={draft}
              nodeId={selectedNode.id}
              component={selectedComponent}
              issues={issuesByNode.get(selectedNode.id) ?? []}
              columns={validation.columns}
              tables={tables}
              canEdit={canEdit}
              previewing={previewing}
              onDraft={setDraft}
              onRenamed={setSelected}
              onPreview={(id) => void runPreview(id)}
              onClose={() => setSelected(undefined)}
            />
          ) : (
            <>
              <h2>Workflow</h2>
              <label htmlFor="wf-description">Description for the model</label>
              <textarea
                id="wf-description"
                value={draft.description}
                disabled={!canEdit}
                onChange={(e) => setDraft((d) => ({ ...d, description: e.target.value }))}
              />
              <h3>Parameters</h3>
              <ParametersEditor
                parameters={draft.parameters}
                readOnly={!canEdit}
                onChange={(parameters) => setDraft((d) => ({ ...d, parameters }))}
              />
              {workflowIssues.length > 0 && (
                <div className="error" role="alert" data-testid="workflow-issues">
                  <ul>
                    {workflowIssues.map((issue, i) => (
                      <li key={i}>
                        {issue.field && <code>{issue.field}</code>} {issue.message}
                        {issue.fix ? `. ${issue.fix}` : ''}
                      </li>
                    ))}
                  </ul>
                </div>
              )}
              <p className="muted">Select a node to edit its settings or preview its rows.</p>
            </>
          )}
        </aside>
      </div>
      {canEdit && (
        <div className="card preview-card">
          <h2>Preview</h2>
          {draft.parameters.length > 0 && (
            <div className="test-values" aria-label="Test values">
              {draft.parameters.map((p) => (
                <div key={p.name}>
                  <label htmlFor={`test-${p.name}`}>
                    ${p.name}
                    {p.required ? ' *' : ''}
                  </label>
                  <input
                    id={`test-${p.name}`}
                    type="text"
                    placeholder={p.default === undefined ? p.type : `default ${JSON.stringify(p.default)}`}
                    value={testValues[p.name] ?? ''}
                    onChange={(e) => setTestValues((v) => ({ ...v, [p.name]: e.target.value }))}
                  />
                </div>
              ))}
            </div>
          )}
          {previewError && (
            <p className="error" role="alert" id="preview-error">
              {previewError}
            </p>
          )}
          {preview ? (
            <NodePreview preview={preview} />
          ) : (
            !previewError && (
              <p className="muted">Select a node and press “Preview” to see its first rows and a map.</p>
            )
          )}
        </div>
      )}
      {workflow && !viewing && (
        <VersionsPanel
          name={workflow.name}
          currentVersion={baseVersion ?? workflow.version}
          canEdit={canEdit}
          confirmRestore={
            dirty
              ? (n) => window.confirm(`Restoring version ${n} replaces your unsaved changes on the canvas.`)
              : undefined
          }
          onRestored={() => void loadCurrent()}
        />
      )}
      {workflow && !viewing && (
        <div className="columns-2">
          <PublishPanel
            key={`${workflow.name}:${workflow.tool?.publishedAt ?? 'none'}`}
            workflow={workflow}
            onChanged={onSaved}
          />
          <div className="card">
            <h2>The tool as a model sees it</h2>
            {workflow.toolPreview ? (
              <pre id="tool-preview">{JSON.stringify(workflow.toolPreview, null, 2)}</pre>
            ) : (
              <p className="muted">Publish the workflow to see the tool models are offered.</p>
            )}
          </div>
        </div>
      )}
    </div>
  );
}

function NodeInspector({
  draft,
  nodeId,
  component,
  issues,
  columns,
  tables,
  canEdit,
  previewing,
  onDraft,
  onRenamed,
  onPreview,
  onClose,
}: {
  draft: WorkflowDraft;
  nodeId: string;
  component?: CatalogComponent;
  issues: DraftIssue[];
  columns: Record<string, { name: string; type: string }[]>;
  tables: string[];
  canEdit: boolean;
  previewing: boolean;
  onDraft(update: (d: WorkflowDraft) => WorkflowDraft): void;
  onRenamed(id: string): void;
  onPreview(id: string): void;
  onClose(): void;
}) {
  const node = draft.nodes.find((n) => n.id === nodeId)!;
  const [id, setId] = useState(node.id);
  const fields = useMemo(() => (component ? configFieldsOf(component.configSchema) : []), [component]);
  const fieldIssues = Object.fromEntries(
    issues
      .filter((i) => i.field?.startsWith('config.'))
      .map((i) => [i.field!.slice('config.'.length), `${i.message}. ${i.fix}`]),
  );
  const upstreamColumns = Object.values(node.inputs).flatMap((from) => columns[from] ?? []);
  const rename = () => {
    if (
      id === node.id ||
      !/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(id) ||
      draft.nodes.some((n) => n.id === id)
    ) {
      setId(node.id);
      return;
    }
    onDraft((d) => renameNode(d, node.id, id));
    onRenamed(id);
  };
  return (
    <div data-inspector={node.id}>
      <h2>{labelOf(node.component)}</h2>
      <p className="muted">{component?.description ?? `Unknown component "${node.component}".`}</p>
      <label htmlFor="node-id">Node id</label>
      <input
        id="node-id"
        type="text"
        value={id}
        disabled={!canEdit}
        onChange={(e) => setId(e.target.value)}
        onBlur={rename}
        onKeyDown={(e) => e.key === 'Enter' && rename()}
      />
      {component && component.inputs.length > 0 && (
        <ul className="muted inspector-ports">
          {component.inputs.map((p) => (
            <li key={p.name}>
              <strong>{p.name}</strong>:{' '}
              {node.inputs[p.name] ? <code>{node.inputs[p.name]}</code> : 'not connected'} — {p.description}
            </li>
          ))}
        </ul>
      )}
      {upstreamColumns.length > 0 && (
        <p className="muted">Input columns: {upstreamColumns.map((c) => c.name).join(', ')}</p>
      )}
      <ConfigForm
        nodeId={node.id}
        suggestions={{ tables, columns: upstreamColumns.map((c) => c.name) }}
        fields={fields}
        config={node.config}
        parameters={draft.parameters}
        issues={fieldIssues}
        readOnly={!canEdit}
        onChange={(field, value) => onDraft((d) => setConfigField(d, node.id, field, value))}
      />
      {issues.length > 0 && (
        <div className="error" data-testid="inspector-issues">
          <ul>
            {issues.map((issue, i) => (
              <li key={i}>
                {issue.field && <code>{issue.field}</code>} {issue.message}. {issue.fix}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="inspector-actions">
        {canEdit && (
          <button type="button" id="preview-node" disabled={previewing} onClick={() => onPreview(node.id)}>
            {previewing ? 'Running…' : 'Preview'}
          </button>
        )}
        {canEdit && (
          <button
            type="button"
            className="danger"
            onClick={() => {
              onDraft((d) => removeNode(d, node.id));
              onClose();
            }}
          >
            Remove
          </button>
        )}
        <button type="button" className="secondary" onClick={onClose}>
          Done
        </button>
      </div>
    </div>
  );
}

/** Test values as arguments: numbers and JSON (bbox, geometry) parsed, empty ones left to their defaults. */
function argumentsOf(draft: WorkflowDraft, values: Record<string, string>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const p of draft.parameters) {
    const text = values[p.name]?.trim() ?? '';
    if (text === '') continue;
    if (p.type === 'number' || p.type === 'integer')
      args[p.name] = Number.isFinite(Number(text)) ? Number(text) : text;
    else if (p.type === 'boolean') args[p.name] = text === 'true';
    else if (p.type === 'bbox' || p.type === 'geometry') {
      try {
        args[p.name] = JSON.parse(text);
      } catch {
        args[p.name] = text;
      }
    } else args[p.name] = text;
  }
  return args;
}
