import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Caller } from '../store/Caller.ts';
import { findConnection } from '../connections/index.ts';
import { listPublishedWorkflows } from '../workflowLibrary/index.ts';
import { getJob } from '../jobs/index.ts';
import type { LayerSource, MapLayer } from './mapDefinition.ts';
import { LayerAccessError } from './LayerAccessError.ts';

/**
 * Why the caller may not read a layer's source, or null when they may. What reading means:
 *   - table: the caller may use the connection (restricted connections: admins and members);
 *   - workflow: a published workflow has that tool name and the caller may use its connection
 *     (anyone who may use a connection may run its workflows);
 *   - job: the caller submitted the job (job results are their submitter's only, admins included).
 * The answers say no more than the caller could learn by using the source themselves.
 */
async function whyUnreadable(
  db: Kysely<Database>,
  caller: Caller,
  source: LayerSource,
): Promise<{ message: string; field: string } | null> {
  switch (source.kind) {
    case 'table':
      if (await findConnection(db, caller, source.connection)) return null;
      return {
        message: `there is no connection "${source.connection}" that you can use`,
        field: 'connection',
      };
    case 'workflow': {
      const workflow = (await listPublishedWorkflows(db, caller.orgId)).find(
        (w) => w.tool.name === source.tool,
      );
      if (workflow && (await findConnection(db, caller, workflow.connection))) return null;
      return {
        message: `there is no published workflow tool "${source.tool}" that you can run`,
        field: 'tool',
      };
    }
    case 'job':
      if (await getJob(db, caller, source.jobId)) return null;
      return { message: `there is no job "${source.jobId}" of yours`, field: 'jobId' };
  }
}

/** What a layer draws, beyond its title: the same fingerprint means the same rows and columns leave the store. */
function fingerprint(layer: MapLayer): string {
  return JSON.stringify({ source: layer.source, style: layer.style, visible: layer.visible });
}

/**
 * Throws LayerAccessError naming the first layer whose source `caller` may not read (audit #2).
 * `unchanged`: layers of the stored definition; a layer identical to one of them (same source,
 * style and visibility) was put there by someone who could read it and is not re-checked, so an
 * editor can retitle a shared map that holds a colleague's job. Any new or changed layer is
 * checked against the editor — changing a tooltip column of a layer reads new columns, and a
 * public link (which resolves as whoever enabled it) would otherwise serve them.
 */
export async function checkLayerAccess(
  db: Kysely<Database>,
  caller: Caller,
  layers: readonly MapLayer[],
  unchanged: readonly MapLayer[] = [],
): Promise<void> {
  const kept = new Set(unchanged.map(fingerprint));
  for (const [index, layer] of layers.entries()) {
    if (kept.has(fingerprint(layer))) continue;
    const why = await whyUnreadable(db, caller, layer.source);
    if (why) {
      throw new LayerAccessError(
        `Layer "${layer.title}" (layers.${index}) cannot be shown: ${why.message}. Choose a source you can read.`,
        `layers.${index}.source.${why.field}`,
      );
    }
  }
}
