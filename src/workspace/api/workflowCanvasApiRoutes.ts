import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../AppContext.ts';
import type { Caller } from '../../store/Caller.ts';
import { EngineError, withinTimeout, type Engine } from '../../engines/index.ts';
import {
  ArgumentValidationError,
  HostStepError,
  WorkflowValidationError,
  applyHostSteps,
  catalogFromDescription,
  compileWorkflow,
  componentCatalog,
  previewWorkflowDocument,
  validateArguments,
  validateWorkflow,
  workflowDocumentSchema,
  type CatalogLookup,
  type WorkflowDocument,
  type WorkflowIssue,
} from '../../workflows/index.ts';
import { requireApiSession } from './apiSession.ts';
import { fieldErrorsOf, sendProblem } from './problem.ts';
import { previewMap } from './previewMap.ts';

/**
 * What the workflow canvas needs beyond the workflows routes (which save versions and publish):
 *
 *   GET  /api/v1/workflow-components                  → { components: ComponentDescription[] }
 *   POST /api/v1/workflow-drafts/validate   (editor)  body { document } → { issues, columns: { nodeId: columns } }
 *   POST /api/v1/workflow-drafts/preview    (editor)  body { document, node, arguments } → { columns, rows, truncated, map }
 *
 * Drafts are unsaved documents: both draft routes check the caller may use the document's
 * connection, as a run does, and a preview compiles (values bound, never spliced) and runs only
 * the node and what feeds it, capped at PREVIEW_ROWS rows, and never writes.
 */
export const PREVIEW_ROWS = 50;
const PREVIEW_TIMEOUT_MS = 20_000;
const CATALOG_TIMEOUT_MS = 5_000;

const validateBody = z.object({ document: z.record(z.string(), z.unknown()) });
const previewBody = z.object({
  document: z.record(z.string(), z.unknown()),
  node: z.string().min(1, 'name the node to preview'),
  arguments: z.record(z.string(), z.unknown()).default({}),
});

type DraftCheck =
  | { ok: true; doc: WorkflowDocument; engine: Engine; catalog: CatalogLookup }
  | { ok: false; reply: FastifyReply };

export function registerWorkflowCanvasApiRoutes(app: FastifyInstance, ctx: AppContext): void {
  /** The parsed draft and its connection's engine and catalog, or the problem already sent. */
  async function openDraft(caller: Caller, reply: FastifyReply, input: unknown): Promise<DraftCheck> {
    const parsed = workflowDocumentSchema.safeParse(input);
    if (!parsed.success) {
      const issues = validateWorkflow(input, emptyCatalog).issues;
      return {
        ok: false,
        reply: sendProblem(
          reply,
          422,
          'The workflow document is not valid; see errors.',
          issuesAsErrors(issues),
        ),
      };
    }
    const doc = parsed.data;
    if (!doc.connection)
      return {
        ok: false,
        reply: sendProblem(reply, 422, 'Choose the connection the workflow runs on.', [
          { field: 'connection', message: 'choose a connection' },
        ]),
      };
    const resolved = await ctx.connections.resolve(caller, doc.connection);
    if (!resolved)
      return {
        ok: false,
        reply: sendProblem(
          reply,
          403,
          `You cannot use the connection "${doc.connection}"; choose one of yours (GET /api/v1/connections) or ask an admin to share it.`,
        ),
      };
    try {
      const description = await withinTimeout(
        ctx.catalog.catalog(resolved.connection.id, resolved.engine),
        CATALOG_TIMEOUT_MS,
      );
      return { ok: true, doc, engine: resolved.engine, catalog: catalogFromDescription(description) };
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      return {
        ok: false,
        reply: sendProblem(
          reply,
          503,
          `The connection "${doc.connection}" could not be read: ${error.message}`,
        ),
      };
    }
  }

  app.get('/api/v1/workflow-components', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply);
    if (!api) return reply;
    return { components: componentCatalog };
  });

  app.post('/api/v1/workflow-drafts/validate', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply, 'editor');
    if (!api) return reply;
    const body = validateBody.safeParse(request.body ?? {});
    if (!body.success)
      return sendProblem(
        reply,
        422,
        'Send { "document": <the workflow> }.',
        fieldErrorsOf(body.error.issues),
      );
    // Shape errors are issues of the draft too: the canvas shows them on their nodes.
    const shape = workflowDocumentSchema.safeParse(body.data.document);
    if (!shape.success) {
      const issues = validateWorkflow(body.data.document, emptyCatalog).issues;
      return { issues, columns: {} };
    }
    const draft = await openDraft(api.caller, reply, body.data.document);
    if (!draft.ok) return draft.reply;
    const validation = validateWorkflow(draft.doc, draft.catalog, { role: api.caller.role });
    if (!validation.ok) return { issues: validation.issues, columns: {} };
    return {
      issues: [],
      columns: Object.fromEntries(
        [...validation.plan.nodes].map(([id, planned]) => [
          id,
          planned.columns.map((c) => ({ name: c.name, type: c.type })),
        ]),
      ),
    };
  });

  app.post('/api/v1/workflow-drafts/preview', async (request, reply) => {
    const api = await requireApiSession(ctx, request, reply, 'editor');
    if (!api) return reply;
    const body = previewBody.safeParse(request.body ?? {});
    if (!body.success)
      return sendProblem(
        reply,
        422,
        'Send { "document": <the workflow>, "node": <node id>, "arguments": { … } }.',
        fieldErrorsOf(body.error.issues),
      );
    const draft = await openDraft(api.caller, reply, body.data.document);
    if (!draft.ok) return draft.reply;
    const sub = previewWorkflowDocument(draft.doc, body.data.node);
    if (!sub)
      return sendProblem(reply, 422, `There is no node "${body.data.node}" in this workflow.`, [
        { field: 'node', message: 'not a node of the document' },
      ]);
    // Test values for parameters only later steps use are not this preview's business.
    const declared = new Set(sub.parameters.map((p) => p.name));
    const args = validateArguments(
      sub,
      Object.fromEntries(Object.entries(body.data.arguments).filter(([name]) => declared.has(name))),
    );
    if (!args.ok)
      return sendProblem(
        reply,
        422,
        'Some test values are not valid for the parameters; correct them and preview again.',
        args.errors.map((e) => ({ field: `arguments.${e.argument}`, message: e.message })),
      );
    try {
      const compiled = compileWorkflow(sub, {
        dialect: draft.engine.dialect,
        catalog: draft.catalog,
        args: args.values,
        role: api.caller.role,
      });
      const result = await draft.engine.run(compiled.query, {
        maxRows: PREVIEW_ROWS,
        timeoutMs: PREVIEW_TIMEOUT_MS,
      });
      const rows = applyHostSteps(result.rows, compiled.hostSteps);
      const columns = compiled.columns.map((c) => ({ name: c.name, type: c.type }));
      return {
        node: body.data.node,
        columns,
        rows,
        truncated: result.truncated,
        map: previewMap(body.data.node, columns, rows, ctx.config.maps.basemapStyleUrl),
      };
    } catch (error) {
      if (error instanceof WorkflowValidationError)
        return sendProblem(
          reply,
          422,
          'Fix the issues on the canvas before previewing this node.',
          issuesAsErrors(error.issues),
        );
      if (error instanceof ArgumentValidationError) return sendProblem(reply, 422, error.message);
      if (error instanceof EngineError || error instanceof HostStepError)
        return sendProblem(reply, 422, `The preview did not run: ${error.message}`);
      throw error;
    }
  });
}

/** Validation without a connection: only what the document's shape says. */
const emptyCatalog = catalogFromDescription({ schemas: [], tables: [] });

function issuesAsErrors(issues: WorkflowIssue[]) {
  return issues.map((i) => ({
    field: i.node ? `nodes.${i.node}${i.field ? `.${i.field}` : ''}` : (i.field ?? 'document'),
    message: `${i.message}. ${i.fix}`,
  }));
}
