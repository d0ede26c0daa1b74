import type { Kysely } from 'kysely';
import type { Caller } from '../store/Caller.ts';
import type { Database, ToolMode, WorkflowsTable } from '../store/schema.ts';
import { randomId } from '../crypto/index.ts';
import { parseWorkflowDocument, workflowDocumentSchema, type WorkflowDocument } from '../workflows/index.ts';
import { bumpToolCatalog } from '../store/toolCatalogVersion.ts';
import { findConnection } from '../connections/connectionRepository.ts';
import { MeridianError } from '../errors/MeridianError.ts';

/**
 * Workflows and their publication as MCP tools. Every query is scoped to the caller's
 * organization; writing needs the editor role. Publishing, unpublishing and deleting bump the
 * organization's tool catalog version in the same transaction.
 */
export class WorkflowRequestError extends MeridianError {
  override name = 'WorkflowRequestError';
  override readonly code: string = 'invalid_workflow_request';
  override readonly status: number = 422;
  override readonly showable: boolean = true;

  /** The request field at fault, when there is one (a form points at it). */
  constructor(
    message: string,
    override readonly field?: string,
  ) {
    super(message);
  }
}

/** The caller may not use the connection a workflow runs on (403 on HTTP). */
export class WorkflowAccessError extends WorkflowRequestError {
  override name = 'WorkflowAccessError';
  override readonly code: string = 'workflow_access_denied';
  override readonly status: number = 403;
}

/**
 * Saving or publishing a workflow needs the right to use its connection (audit #2): a workflow's
 * author decides what runs there (a `sql_query` step is any SELECT), and a published tool then
 * runs for everyone who may use the connection, admins included.
 */
async function requireConnection(db: Kysely<Database>, caller: Caller, name: string, field?: string) {
  if (await findConnection(db, caller, name)) return;
  throw new WorkflowAccessError(
    `You cannot use the connection "${name}" this workflow runs on; ask an admin to share it with you, or name one of your connections.`,
    field,
  );
}

/**
 * A save based on a version that is no longer the current one (409 on HTTP): someone else saved
 * in between, and writing now would silently drop their change.
 */
export class WorkflowConflictError extends WorkflowRequestError {
  override name = 'WorkflowConflictError';
  override readonly code: string = 'workflow_conflict';
  override readonly status: number = 409;

  constructor(
    readonly current: { version: number; savedAt: number; savedBy: VersionAuthor | null },
    baseVersion: number,
  ) {
    super(
      `This workflow changed since you opened version ${baseVersion}: version ${current.version} was saved by ${
        current.savedBy ? authorLabel(current.savedBy) : 'someone no longer in the organization'
      } at ${new Date(current.savedAt).toISOString()}. Reload it, then apply your changes again.`,
      'baseVersion',
    );
  }

  /** The facts of the save that won, so the editor can offer to reload it. */
  override problemExtensions(): Record<string, unknown> {
    return {
      currentVersion: this.current.version,
      savedBy: this.current.savedBy,
      savedAt: this.current.savedAt,
    };
  }

  /** Nothing in the request is to fix: the document changed under it (the facts are extensions). */
  override fieldErrors(): undefined {
    return undefined;
  }
}

function authorLabel(author: VersionAuthor): string {
  return author.name && author.name !== author.email ? `${author.name} (${author.email})` : author.email;
}

/** Who saved a version, as the organization's members know them. */
export interface VersionAuthor {
  id: string;
  name: string;
  email: string;
}

export interface WorkflowSummary {
  id: string;
  name: string;
  description: string;
  connection: string;
  version: number;
  updatedAt: number;
  tool: PublishedTool | null;
}

export interface PublishedTool {
  name: string;
  title: string;
  description: string;
  mode: ToolMode;
  syncDeadlineMs: number;
  publishedAt: number;
}

export interface PublishedWorkflow {
  id: string;
  version: number;
  connection: string;
  document: WorkflowDocument;
  tool: PublishedTool;
}

/** Tool names: the G10 pattern, and never one of Meridian's own tools. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const RESERVED_TOOL_NAMES = new Set([
  'whoami',
  'list_connections',
  'list_tables',
  'search_tables',
  'describe_table',
  'get_column_stats',
  'get_job_status',
  'get_job_results',
  'cancel_job',
  'list_jobs',
  'find_maps',
  'render_map',
  'list_workflows',
]);
export const DEFAULT_SYNC_DEADLINE_MS = 8_000;

function requireEditor(caller: Caller): void {
  if (caller.role === 'viewer')
    throw new WorkflowRequestError('Only editors and admins can change workflows.');
}

function toSummary(row: WorkflowsTable): WorkflowSummary {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    connection: row.connection_name,
    version: row.version,
    updatedAt: row.updated_at,
    tool: toTool(row),
  };
}

function toTool(row: WorkflowsTable): PublishedTool | null {
  if (!row.tool_name) return null;
  return {
    name: row.tool_name,
    title: row.tool_title ?? row.tool_name,
    description: row.tool_description ?? row.description,
    mode: row.tool_mode ?? 'sync',
    syncDeadlineMs: row.sync_deadline_ms ?? DEFAULT_SYNC_DEADLINE_MS,
    publishedAt: row.published_at ?? 0,
  };
}

/** Who saved a workflow's version, and when; undefined when the version has no row. */
export async function versionSave(
  db: Kysely<Database>,
  workflowId: string,
  version: number,
): Promise<{ version: number; savedAt: number; savedBy: VersionAuthor | null } | undefined> {
  const row = await db
    .selectFrom('workflow_versions as v')
    .leftJoin('users as u', 'u.id', 'v.saved_by')
    .select(['v.version', 'v.saved_at', 'v.saved_by', 'u.display_name', 'u.email'])
    .where('v.workflow_id', '=', workflowId)
    .where('v.version', '=', version)
    .executeTakeFirst();
  return row && toVersionSave(row);
}

export function toVersionSave(row: {
  version: number;
  saved_at: number;
  saved_by: string | null;
  display_name: string | null;
  email: string | null;
}): { version: number; savedAt: number; savedBy: VersionAuthor | null } {
  return {
    version: row.version,
    savedAt: Number(row.saved_at),
    savedBy:
      row.saved_by && row.email !== null
        ? { id: row.saved_by, name: row.display_name ?? '', email: row.email }
        : null,
  };
}

export interface SaveOptions {
  /**
   * The version the document was edited from (the canvas sends it). When it is not the current
   * version the save is refused with a WorkflowConflictError; without it (CLI import, API
   * clients) the save replaces whatever is current, as before versions were kept.
   */
  baseVersion?: number;
}

/**
 * Creates a workflow from a document (JSON or YAML text, or a parsed object), or updates the one
 * with its name. Every save is kept as a version (workflow_versions) beside the current document.
 */
export async function saveWorkflow(
  db: Kysely<Database>,
  caller: Caller,
  source: string | unknown,
  options: SaveOptions = {},
): Promise<WorkflowSummary> {
  requireEditor(caller);
  let doc: WorkflowDocument;
  try {
    doc = typeof source === 'string' ? parseWorkflowDocument(source) : workflowDocumentSchema.parse(source);
  } catch (error) {
    throw new WorkflowRequestError(
      `The workflow document is not valid: ${(error as Error).message}`,
      'document',
    );
  }
  if (!doc.connection)
    throw new WorkflowRequestError(
      'The workflow document must name the connection it runs on ("connection").',
      'document',
    );
  const connection = doc.connection;
  await requireConnection(db, caller, connection, 'document');
  const now = Date.now();
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('workflows')
      .selectAll()
      .where('org_id', '=', caller.orgId)
      .where('name', '=', doc.name)
      .executeTakeFirst();
    if (existing) {
      const { baseVersion } = options;
      if (baseVersion !== undefined && baseVersion !== existing.version)
        throw await conflict(trx, existing.id, existing.version, baseVersion);
      // Replacing a workflow also rewrites what runs on its current connection.
      if (existing.connection_name !== connection)
        await requireConnection(trx, caller, existing.connection_name, 'document');
      // Conditional on the version read above: two saves racing from the same version (read
      // committed on PostgreSQL lets both read it) cannot both win; the loser is a conflict.
      const updated = await trx
        .updateTable('workflows')
        .set({
          description: doc.description ?? '',
          connection_name: connection,
          document: JSON.stringify(doc),
          version: existing.version + 1,
          updated_at: now,
        })
        .where('id', '=', existing.id)
        .where('version', '=', existing.version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        const current = await trx
          .selectFrom('workflows')
          .select('version')
          .where('id', '=', existing.id)
          .executeTakeFirst();
        throw await conflict(
          trx,
          existing.id,
          current?.version ?? existing.version + 1,
          baseVersion ?? existing.version,
        );
      }
      await trx
        .insertInto('workflow_versions')
        .values({
          workflow_id: existing.id,
          version: existing.version + 1,
          document: JSON.stringify(doc),
          saved_by: caller.userId,
          saved_at: now,
        })
        .execute();
      if (existing.tool_name) await bumpToolCatalog(trx, caller.orgId);
      return toSummary({
        ...existing,
        description: doc.description ?? '',
        connection_name: connection,
        version: existing.version + 1,
        updated_at: now,
      });
    }
    const row: WorkflowsTable = {
      id: randomId(),
      org_id: caller.orgId,
      name: doc.name,
      description: doc.description ?? '',
      connection_name: connection,
      document: JSON.stringify(doc),
      version: 1,
      created_by: caller.userId,
      created_at: now,
      updated_at: now,
      tool_name: null,
      tool_title: null,
      tool_description: null,
      tool_mode: null,
      sync_deadline_ms: null,
      published_at: null,
      published_by: null,
    };
    await trx.insertInto('workflows').values(row).execute();
    await trx
      .insertInto('workflow_versions')
      .values({
        workflow_id: row.id,
        version: 1,
        document: row.document,
        saved_by: caller.userId,
        saved_at: now,
      })
      .execute();
    return toSummary(row);
  });
}

async function conflict(
  db: Kysely<Database>,
  workflowId: string,
  currentVersion: number,
  baseVersion: number,
): Promise<WorkflowConflictError> {
  const current = (await versionSave(db, workflowId, currentVersion)) ?? {
    version: currentVersion,
    savedAt: Date.now(),
    savedBy: null,
  };
  return new WorkflowConflictError(current, baseVersion);
}

export async function listWorkflows(db: Kysely<Database>, caller: Caller): Promise<WorkflowSummary[]> {
  const rows = await db
    .selectFrom('workflows')
    .selectAll()
    .where('org_id', '=', caller.orgId)
    .orderBy('name')
    .execute();
  return rows.map(toSummary);
}

export async function getWorkflow(
  db: Kysely<Database>,
  caller: Caller,
  idOrName: string,
): Promise<(WorkflowSummary & { document: WorkflowDocument }) | undefined> {
  const row = await db
    .selectFrom('workflows')
    .selectAll()
    .where('org_id', '=', caller.orgId)
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .executeTakeFirst();
  return row && { ...toSummary(row), document: JSON.parse(row.document) as WorkflowDocument };
}

export interface PublishRequest {
  toolName: string;
  title?: string;
  description?: string;
  mode?: ToolMode;
  syncDeadlineMs?: number;
}

export async function publishWorkflow(
  db: Kysely<Database>,
  caller: Caller,
  idOrName: string,
  request: PublishRequest,
): Promise<WorkflowSummary> {
  requireEditor(caller);
  const toolName = request.toolName.trim();
  if (!TOOL_NAME_PATTERN.test(toolName)) {
    throw new WorkflowRequestError(
      'A tool name is 1–64 characters: letters, digits, "_" and "-".',
      'toolName',
    );
  }
  if (RESERVED_TOOL_NAMES.has(toolName))
    throw new WorkflowRequestError(
      `"${toolName}" is the name of a built-in Meridian tool; choose another.`,
      'toolName',
    );
  const description = (request.description ?? '').trim();
  if (description.length > 8192)
    throw new WorkflowRequestError('The tool description is limited to 8192 characters.', 'description');
  // Descriptions reach models verbatim: no markup or terminal escapes (G10).
  if (
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u001b]|<\s*\/?\s*[a-z]/i.test(
      description + (request.title ?? ''),
    )
  ) {
    throw new WorkflowRequestError(
      'Tool titles and descriptions are plain text: no HTML tags or control characters.',
      'description',
    );
  }
  const mode = request.mode ?? 'sync';
  const deadline = request.syncDeadlineMs ?? DEFAULT_SYNC_DEADLINE_MS;
  if (!Number.isInteger(deadline) || deadline < 500 || deadline > 60_000)
    throw new WorkflowRequestError('The sync deadline must be between 500 and 60000 ms.', 'syncDeadlineMs');
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('workflows')
      .selectAll()
      .where('org_id', '=', caller.orgId)
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst();
    if (!row) throw new WorkflowRequestError(`There is no workflow "${idOrName}".`);
    await requireConnection(trx, caller, row.connection_name);
    const clash = await trx
      .selectFrom('workflows')
      .select('name')
      .where('org_id', '=', caller.orgId)
      .where('tool_name', '=', toolName)
      .where('id', '!=', row.id)
      .executeTakeFirst();
    if (clash)
      throw new WorkflowRequestError(
        `The tool name "${toolName}" is already used by the workflow ${clash.name}.`,
        'toolName',
      );
    const now = Date.now();
    const update = {
      tool_name: toolName,
      tool_title: request.title?.trim() || row.name,
      tool_description: description || row.description,
      tool_mode: mode,
      sync_deadline_ms: deadline,
      published_at: now,
      published_by: caller.userId,
    };
    await trx.updateTable('workflows').set(update).where('id', '=', row.id).execute();
    await bumpToolCatalog(trx, caller.orgId);
    return toSummary({ ...row, ...update });
  });
}

export async function unpublishWorkflow(
  db: Kysely<Database>,
  caller: Caller,
  idOrName: string,
): Promise<boolean> {
  requireEditor(caller);
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('workflows')
      .set({
        tool_name: null,
        tool_title: null,
        tool_description: null,
        tool_mode: null,
        sync_deadline_ms: null,
        published_at: null,
        published_by: null,
      })
      .where('org_id', '=', caller.orgId)
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .where('tool_name', 'is not', null)
      .executeTakeFirst();
    const changed = Number(result.numUpdatedRows) > 0;
    if (changed) await bumpToolCatalog(trx, caller.orgId);
    return changed;
  });
}

export async function deleteWorkflow(
  db: Kysely<Database>,
  caller: Caller,
  idOrName: string,
): Promise<boolean> {
  requireEditor(caller);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('workflows')
      .select(['id', 'tool_name'])
      .where('org_id', '=', caller.orgId)
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst();
    if (!row) return false;
    await trx.deleteFrom('workflows').where('id', '=', row.id).execute();
    if (row.tool_name) await bumpToolCatalog(trx, caller.orgId);
    return true;
  });
}

/** An organization's published workflows (all of them; callers filter by connection access). */
export async function listPublishedWorkflows(
  db: Kysely<Database>,
  orgId: string,
): Promise<PublishedWorkflow[]> {
  const rows = await db
    .selectFrom('workflows')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('tool_name', 'is not', null)
    .orderBy('tool_name')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    version: row.version,
    connection: row.connection_name,
    document: JSON.parse(row.document) as WorkflowDocument,
    tool: toTool(row)!,
  }));
}
