import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../AppContext.ts';
import type { Caller } from '../../store/Caller.ts';
import {
  DEFAULT_SYNC_DEADLINE_MS,
  getWorkflow,
  listWorkflows,
  publishWorkflow,
  saveWorkflow,
  unpublishWorkflow,
  type WorkflowSummary,
  getWorkflowVersion,
  listWorkflowVersions,
  restoreWorkflowVersion,
} from '../../workflowLibrary/index.ts';
import { recordAudit } from '../../store/repositories/auditLog.ts';
import { findConnection } from '../../connections/index.ts';
import { withinTimeout } from '../../engines/index.ts';
import { submitWorkflowRun } from '../../jobs/index.ts';
import {
  catalogFromDescription,
  describeWorkflowGraph,
  parameterInputSchema,
  validateWorkflow,
  type ColumnSchema,
  type WorkflowDocument,
  type WorkflowIssue,
} from '../../workflows/index.ts';
import { requireApiSession } from './apiSession.ts';
import { fieldErrorsOf, sendErrorProblem, sendProblem } from './problem.ts';
import { jobJson } from './jobJson.ts';

/**
 * Workflows for the workspace:
 *
 *   GET  /api/v1/workflows                  → { workflows: WorkflowSummary[] } (tool: null when not published)
 *   GET  /api/v1/workflows/:name            → { workflow: WorkflowDetail }
 *   POST /api/v1/workflows         (editor) body { document: string (JSON or YAML) | object, baseVersion? } → 201 { workflow: WorkflowSummary }
 *        409 when baseVersion is not the current version (currentVersion, savedBy, savedAt say whose save won)
 *   GET  /api/v1/workflows/:name/versions             → { current, versions: [{ version, savedAt, savedBy }] } newest first
 *   GET  /api/v1/workflows/:name/versions/:n          → { version: { version, savedAt, savedBy, document } }
 *   POST /api/v1/workflows/:name/versions/:n/restore  (editor) body { baseVersion? } → 201 { workflow } (a new version)
 *   POST /api/v1/workflows/:name/publish   (editor) body { toolName, title?, description?, mode?, syncDeadlineMs? } → { workflow }
 *   POST /api/v1/workflows/:name/unpublish (editor) → { workflow }
 *   POST /api/v1/workflows/:name/runs       body { arguments } → 202 { job }; 422 with one error per argument
 *
 * Runs go through submitWorkflowRun, the path the MCP workflow tools take, so an argument the
 * tool would refuse is refused here with the same words.
 */
const CATALOG_TIMEOUT_MS = 5_000;

const importBody = z.object({
  document: z.union([z.string().min(1, 'paste a workflow document'), z.record(z.string(), z.unknown())]),
  baseVersion: z.number().int().positive().optional(),
});
const restoreBody = z.object({ baseVersion: z.number().int().positive().optional() });
const versionParam = z.coerce.number().int().positive();
const publishBody = z.object({
  toolName: z.string().trim().min(1, 'a tool name is required').max(64),
  title: z.string().max(200).default(''),
  description: z.string().max(8192).default(''),
  mode: z.enum(['sync', 'async']).default('sync'),
  syncDeadlineMs: z.number().int().default(DEFAULT_SYNC_DEADLINE_MS),
});
const runBody = z.object({ arguments: z.record(z.string(), z.unknown()).default({}) });

type Detail = WorkflowSummary & { document: WorkflowDocument };

function workflowNotFound(reply: FastifyReply, name: string): FastifyReply {
  return sendProblem(reply, 404, `There is no workflow "${name}"; GET /api/v1/workflows lists them.`);
}

function versionNotFound(reply: FastifyReply, name: string, version: string): FastifyReply {
  return sendProblem(
    reply,
    404,
    `The workflow "${name}" has no version ${version}; GET /api/v1/workflows/${encodeURIComponent(name)}/versions lists them.`,
  );
}

/** A refused save or restore as its problem document: 409 names the save that won. */
function saveRefused(reply: FastifyReply, e: unknown): FastifyReply {
  // A refusal that names no narrower field is about the document as a whole.
  return sendErrorProblem(reply, e, { field: 'document' });
}

export function registerWorkflowsApiRoutes(app: FastifyInstance, ctx: AppContext): void {
  /**
   * Checks the document against its connection's catalog for the graph's column lists and the
   * issues a person should fix. The catalog is optional: an unreachable connection still shows
   * the graph, without columns.
   */
  async function validated(
    caller: Caller,
    detail: Detail,
  ): Promise<{ columns?: Map<string, ColumnSchema[]>; issues: WorkflowIssue[]; catalogAvailable: boolean }> {
    try {
      const resolved = await ctx.connections.resolve(caller, detail.connection);
      if (!resolved) return { issues: [], catalogAvailable: false };
      const description = await withinTimeout(
        ctx.catalog.catalog(resolved.connection.id, resolved.engine),
        CATALOG_TIMEOUT_MS,
      );
      const validation = validateWorkflow(detail.document, catalogFromDescription(description), {
        role: caller.role,
      });
      if (!validation.ok) return { issues: validation.issues, catalogAvailable: true };
      return {
        columns: new Map([...validation.plan.nodes].map(([id, planned]) => [id, planned.columns])),
        issues: [],
        catalogAvailable: true,
      };
    } catch {
      return { issues: [], catalogAvailable: false };
    }
  }

  async function detailJson(caller: Caller, detail: Detail) {
    const usable = (await findConnection(ctx.store.db, caller, detail.connection)) !== undefined;
    const { columns, issues, catalogAvailable } = usable
      ? await validated(caller, detail)
      : { columns: undefined, issues: [], catalogAvailable: false };
    const inputSchema = parameterInputSchema(detail.document);
    const { document, ...summary } = detail;
    return {
      ...summary,
      document,
      parameters: document.parameters,
      inputSchema,
      graph: describeWorkflowGraph(document, columns),
      issues,
      catalogAvailable,
      canEdit: caller.role !== 'viewer',
      /** False when the caller may not use the workflow's connection (runs would be refused). */
      canRun: usable,
      /** What tools/list gives a model for it, while published. */
      toolPreview: detail.tool && {
        name: detail.tool.name,
        title: detail.tool.title,
        description: detail.tool.description,
        inputSchema,
        annotations: { title: detail.tool.title, readOnlyHint: true },
      },
    };
  }

  app.get('/api/v1/workflows', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    return { workflows: await listWorkflows(ctx.store.db, api.caller) };
  });

  app.get<{ Params: { name: string } }>('/api/v1/workflows/:name', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const detail = await getWorkflow(ctx.store.db, api.caller, request.params.name);
    if (!detail) return workflowNotFound(reply, request.params.name);
    return { workflow: await detailJson(api.caller, detail) };
  });

  app.post('/api/v1/workflows', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply, 'editor');
    if (!api) return reply;
    const body = importBody.safeParse(request.body ?? {});
    if (!body.success)
      return sendProblem(
        reply,
        422,
        'Send { "document": <the workflow as JSON or YAML text, or an object> }.',
        fieldErrorsOf(body.error.issues),
      );
    try {
      const saved = await saveWorkflow(ctx.store.db, api.caller, body.data.document, {
        baseVersion: body.data.baseVersion,
      });
      await recordAudit(ctx.store.db, {
        ...api.caller,
        actor: 'workspace',
        action: 'workflow.save',
        target: saved.id,
        ip: request.ip,
      });
      return reply.code(201).send({ workflow: saved });
    } catch (e) {
      return saveRefused(reply, e);
    }
  });

  app.get<{ Params: { name: string } }>('/api/v1/workflows/:name/versions', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const history = await listWorkflowVersions(ctx.store.db, api.caller, request.params.name);
    if (!history) return workflowNotFound(reply, request.params.name);
    return history;
  });

  app.get<{ Params: { name: string; n: string } }>(
    '/api/v1/workflows/:name/versions/:n',
    async (request, reply) => {
      const api = await requireApiSession(ctx, request, reply);
      if (!api) return reply;
      const { name, n } = request.params;
      const number = versionParam.safeParse(n);
      if (!(await getWorkflow(ctx.store.db, api.caller, name))) return workflowNotFound(reply, name);
      const version = number.success
        ? await getWorkflowVersion(ctx.store.db, api.caller, name, number.data)
        : undefined;
      if (!version) return versionNotFound(reply, name, n);
      return { version };
    },
  );

  app.post<{ Params: { name: string; n: string } }>(
    '/api/v1/workflows/:name/versions/:n/restore',
    async (request, reply) => {
      const api = await requireApiSession(ctx, request, reply, 'editor');
      if (!api) return reply;
      const { name, n } = request.params;
      const detail = await getWorkflow(ctx.store.db, api.caller, name);
      if (!detail) return workflowNotFound(reply, name);
      const number = versionParam.safeParse(n);
      const body = restoreBody.safeParse(request.body ?? {});
      if (!body.success)
        return sendProblem(reply, 422, 'Send { "baseVersion"?: <the version you are looking at> }.', [
          ...fieldErrorsOf(body.error.issues),
        ]);
      try {
        const restored = number.success
          ? await restoreWorkflowVersion(ctx.store.db, api.caller, detail.id, number.data, body.data)
          : undefined;
        if (!restored) return versionNotFound(reply, name, n);
        await recordAudit(ctx.store.db, {
          ...api.caller,
          actor: 'workspace',
          action: 'workflow.restore',
          target: restored.id,
          detail: { from: number.data, version: restored.version },
          ip: request.ip,
        });
        return reply.code(201).send({ workflow: restored });
      } catch (e) {
        return saveRefused(reply, e);
      }
    },
  );

  app.post<{ Params: { name: string } }>('/api/v1/workflows/:name/publish', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply, 'editor');
    if (!api) return reply;
    const detail = await getWorkflow(ctx.store.db, api.caller, request.params.name);
    if (!detail) return workflowNotFound(reply, request.params.name);
    const body = publishBody.safeParse(request.body ?? {});
    if (!body.success)
      return sendProblem(
        reply,
        422,
        'The publication is not valid; see errors.',
        fieldErrorsOf(body.error.issues),
      );
    try {
      const published = await publishWorkflow(ctx.store.db, api.caller, detail.id, body.data);
      await recordAudit(ctx.store.db, {
        ...api.caller,
        actor: 'workspace',
        action: 'workflow.publish',
        target: published.id,
        detail: { tool: published.tool?.name },
        ip: request.ip,
      });
      return { workflow: published };
    } catch (e) {
      return sendErrorProblem(reply, e);
    }
  });

  app.post<{ Params: { name: string } }>('/api/v1/workflows/:name/unpublish', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply, 'editor');
    if (!api) return reply;
    const detail = await getWorkflow(ctx.store.db, api.caller, request.params.name);
    if (!detail) return workflowNotFound(reply, request.params.name);
    if (await unpublishWorkflow(ctx.store.db, api.caller, detail.id)) {
      await recordAudit(ctx.store.db, {
        ...api.caller,
        actor: 'workspace',
        action: 'workflow.unpublish',
        target: detail.id,
        ip: request.ip,
      });
    }
    const { document: _document, ...summary } = (await getWorkflow(ctx.store.db, api.caller, detail.id))!;
    return { workflow: summary };
  });

  app.post<{ Params: { name: string } }>('/api/v1/workflows/:name/runs', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    const { caller } = api;
    const detail = await getWorkflow(ctx.store.db, caller, request.params.name);
    if (!detail) return workflowNotFound(reply, request.params.name);
    if (!(await findConnection(ctx.store.db, caller, detail.connection))) {
      return sendProblem(
        reply,
        403,
        `You cannot use the connection "${detail.connection}" this workflow runs on; ask an admin to share it with you.`,
      );
    }
    const body = runBody.safeParse(request.body ?? {});
    if (!body.success)
      return sendProblem(
        reply,
        422,
        'Send { "arguments": { <parameter>: <value>, … } }.',
        fieldErrorsOf(body.error.issues),
      );
    try {
      const submitted = await submitWorkflowRun(
        { db: ctx.store.db, jobs: ctx.jobs, jobLimits: ctx.config.jobs },
        caller,
        {
          workflow: detail,
          title: detail.tool?.name ?? detail.name,
          args: body.data.arguments,
          clientId: 'workspace',
          saveTables: true,
        },
      );
      if (!submitted.ok) {
        return sendProblem(
          reply,
          422,
          `Some arguments are not valid for ${detail.name}; correct them and run again.`,
          submitted.errors.map((e) => ({ field: e.argument, message: e.message })),
        );
      }
      await recordAudit(ctx.store.db, {
        ...caller,
        actor: 'workspace',
        action: 'workflow.run',
        target: detail.id,
        detail: { job: submitted.job.id },
        ip: request.ip,
      });
      return reply.code(202).send({ job: jobJson(submitted.job, caller.userId) });
    } catch (e) {
      return sendErrorProblem(reply, e);
    }
  });
}
