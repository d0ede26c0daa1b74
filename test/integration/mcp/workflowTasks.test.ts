import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  createTaskSessionFromClient,
  resultFromTaskOutcome,
  type JsonRpcResponse,
  type TaskEnabledSession,
} from '@modelcontextprotocol/ext-tasks/client';
import { callTool, type Structured } from '../../support/mcpCalls.ts';
import { startTestServer, type TestServer, type TestUser } from '../../support/testServer.ts';
import { connectLegacyClient, connectModernClient } from '../../support/mcpClients.ts';
import { parseBody } from './rawMcp.ts';
import { publishWorkflow, saveWorkflow } from '../../../src/workflowLibrary/workflowRepository.ts';

const MODERN = '2026-07-28';
const TASKS = 'io.modelcontextprotocol/tasks';

// Every city with its population (slow enough on the embedded engine to cancel mid-run).
const allCities = {
  name: 'all_cities',
  description: 'Every city with its population.',
  connection: 'demo',
  parameters: [
    { name: 'min_population', type: 'integer', min: 0, default: 0, description: 'Smallest population' },
  ],
  nodes: [
    {
      id: 'cities',
      component: 'table',
      config: { table: 'cities', columns: ['name', 'country', 'population'] },
    },
    {
      id: 'big',
      component: 'filter',
      inputs: { input: 'cities' },
      config: { conditions: [{ column: 'population', op: '>=', value: { $param: 'min_population' } }] },
    },
    { id: 'result', component: 'result', inputs: { input: 'big' } },
  ],
  output: 'result',
};

/** Mcp-Name: the tool for tools/call, the task for the Tasks extension's methods. */
function mcpNameHeader(method: string, params: Record<string, unknown>): Record<string, string> {
  if (method === 'tools/call') return { 'mcp-name': String(params.name) };
  if (method.startsWith('tasks/')) return { 'mcp-name': String(params.taskId) };
  return {};
}

/**
 * The host-owned raw path the Tasks package asks for on 2026-07-28 (the SDK Client's wire codec
 * refuses `resultType: "task"`): one JSON-RPC POST with the standard headers, the answer (JSON or
 * the matching SSE message) handed back unchanged.
 */
function rawDispatcher(mcpUrl: string, token: string) {
  let nextId = 1;
  return async (request: unknown): Promise<JsonRpcResponse> => {
    const message = {
      jsonrpc: '2.0',
      id: `raw-${nextId++}`,
      ...(request as { method: string; params?: Record<string, unknown> }),
    };
    const response = await fetch(mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN,
        'mcp-method': message.method,
        ...mcpNameHeader(message.method, message.params ?? {}),
      },
      body: JSON.stringify(message),
    });
    const text = await response.text();
    const candidates = text.startsWith('{')
      ? [JSON.parse(text)]
      : [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!));
    const answer = candidates.find((c: { id?: unknown }) => c.id === message.id) ?? parseBody(text);
    if (answer?.error) return { kind: 'error', error: answer.error };
    return { kind: 'result', result: answer.result };
  };
}

async function taskSession(
  t: TestServer,
  token: string,
): Promise<{ client: Client; session: TaskEnabledSession }> {
  const client = new Client(
    { name: 'tasks-test', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: MODERN } } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(t.mcpUrl), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  const session = createTaskSessionFromClient(client, {
    endpointId: 'meridian-test',
    rawDispatch: rawDispatcher(t.mcpUrl, token),
    v2RequestFraming: {
      protocolVersion: MODERN,
      clientInfo: { name: 'tasks-test', version: '1.0.0' },
      clientCapabilities: {},
    },
  });
  return { client, session };
}

/** A raw 2026-07-28 request, with or without the Tasks extension declared. */
async function raw(
  t: TestServer,
  token: string,
  method: string,
  params: Record<string, unknown>,
  tasks = true,
) {
  const response = await fetch(t.mcpUrl, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      ...mcpNameHeader(method, params),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': tasks ? { extensions: { [TASKS]: {} } } : {},
        },
      },
    }),
  });
  return parseBody(await response.text()) as {
    result?: Structured;
    error?: { code: number; message: string };
  };
}

// Issue 5: the Tasks extension of 2026-07-28 (io.modelcontextprotocol/tasks, SEP-2663) for async
// workflow tools: a task-capable client gets a task (the job) and polls tasks/get; every other
// client keeps the job handle and the job tools.
describe('async workflow tools as 2026-07-28 tasks', () => {
  let t: TestServer;
  let editor: TestUser;
  let colleague: TestUser;
  let token: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { demo: true });
    await t.server.demoReady;
    editor = await t.addUser({ email: 'editor@example.com', role: 'editor' });
    colleague = await t.addUser({ email: 'colleague@example.com', role: 'editor' });
    await saveWorkflow(t.server.store.db, editor, JSON.stringify(allCities));
    await publishWorkflow(t.server.store.db, editor, 'all_cities', { toolName: 'all_cities', mode: 'async' });
    token = await t.createToken(editor);
  }, 180_000);
  afterAll(async () => t?.stop());

  it('advertises the extension to 2026-07-28 clients only', async () => {
    const modern = await connectModernClient(t.mcpUrl, token);
    expect(modern.getServerCapabilities()?.extensions?.[TASKS]).toEqual({});
    await modern.close();
    const { client: legacy } = await connectLegacyClient(t.mcpUrl, token);
    expect(JSON.stringify(legacy.getServerCapabilities() ?? {})).not.toContain(TASKS);
    await legacy.close();
  });

  it('runs an async workflow as a task through the SDK client and the Tasks package: polled to completion, rows in the result', async () => {
    const { client, session } = await taskSession(t, token);
    try {
      const execution = await session.callTool('all_cities', { min_population: 5_000_000 });
      expect(execution.kind).toBe('task');
      const taskId = execution.kind === 'task' ? execution.handle.taskId : '';
      const { outcome } = await execution.settle();
      expect(outcome.status).toBe('completed');
      const result = resultFromTaskOutcome(outcome) as {
        structuredContent: Structured;
        content: Array<{ type: string; text: string }>;
      };
      expect(result.structuredContent).toMatchObject({ state: 'succeeded', jobId: taskId, truncated: false });
      expect(result.structuredContent.rowCount).toBeGreaterThan(20);
      expect(result.structuredContent.rows[0]).toHaveProperty('population');
      expect(result.content[0]!.text).toMatch(/row\(s\); columns: name/);
      // The task is the job: the job tools see it too.
      const status = await callTool(client, 'get_job_status', { job_id: taskId });
      expect(status.s.state).toBe('succeeded');
    } finally {
      await session.close();
      await client.close();
    }
  });

  it('cancels a task with tasks/cancel, and the job is cancelled', async () => {
    const { client, session } = await taskSession(t, token);
    try {
      const execution = await session.callTool('all_cities', { min_population: 0 });
      expect(execution.kind).toBe('task');
      await execution.cancel();
      const { outcome } = await execution.settle();
      expect(outcome.status).toBe('cancelled');
      const taskId = execution.kind === 'task' ? execution.handle.taskId : '';
      const status = await callTool(client, 'get_job_status', { job_id: taskId });
      expect(status.s.state).toBe('cancelled');
    } finally {
      await session.close();
      await client.close();
    }
  });

  it('answers with a task only when the request declares the extension; tasks/get reports the Task shape', async () => {
    const plain = await raw(
      t,
      token,
      'tools/call',
      { name: 'all_cities', arguments: { min_population: 5_000_000 } },
      false,
    );
    expect(plain.result).toMatchObject({ resultType: 'complete', structuredContent: { state: 'queued' } });
    expect(plain.result).not.toHaveProperty('taskId');

    const created = await raw(t, token, 'tools/call', {
      name: 'all_cities',
      arguments: { min_population: 5_000_000 },
    });
    expect(created.result).toMatchObject({
      resultType: 'task',
      status: 'working',
      pollIntervalMs: 1000,
      ttlMs: null,
    });
    expect(created.result).not.toHaveProperty('structuredContent');
    const taskId = String(created.result!.taskId);
    expect(new Date(String(created.result!.createdAt)).toISOString()).toBe(created.result!.createdAt);

    let task: Structured = {};
    for (let i = 0; i < 100; i++) {
      task = (await raw(t, token, 'tasks/get', { taskId })).result!;
      if (task.status !== 'working') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(task).toMatchObject({
      resultType: 'complete',
      taskId,
      status: 'completed',
      result: { structuredContent: { state: 'succeeded', jobId: taskId } },
    });
    expect(task.ttlMs).toBeGreaterThan(0);
  });

  it('R12: turns a sync call past its deadline into a task for a task-capable client', async () => {
    await saveWorkflow(t.server.store.db, editor, JSON.stringify({ ...allCities, name: 'all_cities_sync' }));
    await publishWorkflow(t.server.store.db, editor, 'all_cities_sync', {
      toolName: 'all_cities_sync',
      mode: 'sync',
      syncDeadlineMs: 500,
    });
    const answer = await raw(t, token, 'tools/call', { name: 'all_cities_sync', arguments: {} });
    // The whole table takes seconds on the embedded engine; should it ever beat 500 ms, the rows come inline.
    if (answer.result!.resultType === 'complete') {
      expect(answer.result!.structuredContent.state).toBe('succeeded');
      return;
    }
    expect(answer.result).toMatchObject({ resultType: 'task', status: 'working' });
    expect(String(answer.result!.statusMessage)).toMatch(/continues as a task/);
  });

  it("answers another user's task, an unknown one, or an update exactly as for a task that does not exist", async () => {
    const created = await raw(t, token, 'tools/call', {
      name: 'all_cities',
      arguments: { min_population: 5_000_000 },
    });
    const taskId = String(created.result!.taskId);
    const other = await t.createToken(colleague);
    const foreign = await raw(t, other, 'tasks/get', { taskId });
    const unknown = await raw(t, other, 'tasks/get', { taskId: 'no-such-task' });
    expect(foreign.error?.code).toBe(-32602);
    expect(foreign.error?.message).toBe(unknown.error?.message.replace('no-such-task', taskId));
    expect((await raw(t, other, 'tasks/cancel', { taskId })).error?.code).toBe(-32602);
    const update = await raw(t, token, 'tasks/update', { taskId, inputResponses: {} });
    expect(update.error?.message).toMatch(/never asks for input/);
    const narrow = await t.createToken(editor, { scopes: 'workflows:read' });
    expect((await raw(t, narrow, 'tasks/get', { taskId })).error?.message).toMatch(/workflows:run/);
  });
});
