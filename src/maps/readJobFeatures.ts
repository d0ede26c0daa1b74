import type { Caller } from '../store/Caller.ts';
import { getJob, readJobResult } from '../jobs/index.ts';
import type { LayerStyle } from './mapDefinition.ts';
import type { MapServices } from './MapServices.ts';
import { MapRenderError } from './MapRenderError.ts';
import { checkStyleColumns } from './checkStyleColumns.ts';
import { fitVertexBudget, roundCoordinates } from './simplifyGeometry.ts';
import { parseGeometry, propertyValue, type SourceFeatures } from './SourceFeatures.ts';

/** A job result's extent is unknown up front: start simplifying at ~1 km and double from there. */
const START_TOLERANCE_DEGREES = 0.01;

/**
 * A job layer: the stored result of one of the caller's own succeeded jobs (someone else's job
 * answers as unknown), its first geometry column (GeoJSON text, as workflows write it) drawn,
 * capped and simplified in JS to the layer bounds.
 */
export async function readJobFeatures(
  services: MapServices,
  caller: Caller,
  jobId: string,
  style: LayerStyle,
  field: string,
): Promise<SourceFeatures> {
  const { maxFeaturesPerLayer, maxVerticesPerLayer } = services.limits;
  const job = await getJob(services.db, caller, jobId);
  if (!job) {
    throw new MapRenderError(
      `There is no job "${jobId}" of yours (results are kept for a limited time); list_jobs shows your recent jobs.`,
      `${field}.source.jobId`,
    );
  }
  if (job.state !== 'succeeded') {
    const hint =
      job.state === 'queued' || job.state === 'running'
        ? `it is still ${job.state}; wait until get_job_status says succeeded, then render again`
        : `it is ${job.state}${job.error ? ` (${job.error})` : ''}, so it has no result to draw`;
    throw new MapRenderError(`The job ${job.id} cannot be drawn yet: ${hint}.`, `${field}.source.jobId`);
  }
  const columns = job.columns ?? [];
  const geometryColumn = columns.find((c) => c.type === 'geometry')?.name;
  if (!geometryColumn) {
    throw new MapRenderError(
      `The result of job ${job.id} has no geometry column (columns: ${columns.map((c) => c.name).join(', ') || 'none'}), so it cannot be drawn on a map.`,
      `${field}.source.jobId`,
    );
  }
  const needed = checkStyleColumns(
    style,
    field,
    columns.map((c) => c.name),
    `The result of job ${job.id}`,
  );
  const page = await readJobResult(services.db, caller, job.id, 0, maxFeaturesPerLayer);
  const rows = page?.rows ?? [];
  const features: SourceFeatures['features'] = [];
  for (const row of rows) {
    const geometry = parseGeometry(row[geometryColumn]);
    if (geometry)
      features.push({
        geometry,
        properties: Object.fromEntries(needed.map((c) => [c, propertyValue(row[c])])),
      });
  }
  const fitted = fitVertexBudget(
    features.map((f) => f.geometry),
    maxVerticesPerLayer,
    START_TOLERANCE_DEGREES,
  );
  fitted.geometries.forEach((geometry, i) => (features[i]!.geometry = roundCoordinates(geometry!)));
  const total = job.rowCount ?? rows.length;
  return {
    features,
    totalFeatures: total,
    truncated: job.truncated || rows.length < total,
    simplified: fitted.simplified,
  };
}
