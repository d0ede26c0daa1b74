import type { Kysely } from 'kysely';
import type { Caller } from '../store/Caller.ts';
import type { Database } from '../store/schema.ts';
import type { WorkflowDocument } from '../workflows/index.ts';
import {
  WorkflowRequestError,
  saveWorkflow,
  toVersionSave,
  type SaveOptions,
  type VersionAuthor,
  type WorkflowSummary,
} from './workflowRepository.ts';

/**
 * A workflow's saved versions. They are reached only through their workflow, looked up in the
 * caller's organization, so another organization's versions are as absent as a missing workflow.
 * Restoring saves the old document again as a new version: history only grows.
 */
export interface WorkflowVersionSummary {
  version: number;
  savedAt: number;
  /** Null for versions saved before history was kept (or by a user since deleted). */
  savedBy: VersionAuthor | null;
}

export interface WorkflowVersion extends WorkflowVersionSummary {
  document: WorkflowDocument;
}

async function workflowIdOf(db: Kysely<Database>, caller: Caller, idOrName: string) {
  const row = await db
    .selectFrom('workflows')
    .select(['id', 'version'])
    .where('org_id', '=', caller.orgId)
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .executeTakeFirst();
  return row;
}

/** Newest first; undefined when the caller's organization has no such workflow. */
export async function listWorkflowVersions(
  db: Kysely<Database>,
  caller: Caller,
  idOrName: string,
): Promise<{ current: number; versions: WorkflowVersionSummary[] } | undefined> {
  const workflow = await workflowIdOf(db, caller, idOrName);
  if (!workflow) return undefined;
  const rows = await db
    .selectFrom('workflow_versions as v')
    .leftJoin('users as u', 'u.id', 'v.saved_by')
    .select(['v.version', 'v.saved_at', 'v.saved_by', 'u.display_name', 'u.email'])
    .where('v.workflow_id', '=', workflow.id)
    .orderBy('v.version', 'desc')
    .execute();
  return { current: workflow.version, versions: rows.map(toVersionSave) };
}

/** One version with its document; undefined when the workflow or the version does not exist. */
export async function getWorkflowVersion(
  db: Kysely<Database>,
  caller: Caller,
  idOrName: string,
  version: number,
): Promise<WorkflowVersion | undefined> {
  const workflow = await workflowIdOf(db, caller, idOrName);
  if (!workflow) return undefined;
  const row = await db
    .selectFrom('workflow_versions as v')
    .leftJoin('users as u', 'u.id', 'v.saved_by')
    .select(['v.version', 'v.saved_at', 'v.saved_by', 'v.document', 'u.display_name', 'u.email'])
    .where('v.workflow_id', '=', workflow.id)
    .where('v.version', '=', version)
    .executeTakeFirst();
  return row && { ...toVersionSave(row), document: JSON.parse(row.document) as WorkflowDocument };
}

/**
 * Saves an old version's document as the workflow's new version, through saveWorkflow: the same
 * role and connection checks as any save, and a published tool runs it from now on.
 */
export async function restoreWorkflowVersion(
  db: Kysely<Database>,
  caller: Caller,
  idOrName: string,
  version: number,
  options: SaveOptions = {},
): Promise<WorkflowSummary | undefined> {
  const old = await getWorkflowVersion(db, caller, idOrName, version);
  if (!old) return undefined;
  if (caller.role === 'viewer')
    throw new WorkflowRequestError('Only editors and admins can change workflows.');
  return saveWorkflow(db, caller, old.document, options);
}
