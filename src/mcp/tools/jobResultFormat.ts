import type { JobView } from '../../jobs/index.ts';

/** Rows as a GeoJSON FeatureCollection: the first geometry column is the geometry. */
export function rowsToGeoJson(
  rows: Record<string, unknown>[],
  columns: JobView['columns'],
): Record<string, unknown> {
  const geometryColumn = columns?.find((c) => c.type === 'geometry')?.name;
  return {
    type: 'FeatureCollection',
    features: rows.map((row) => {
      const { [geometryColumn ?? '']: geometry, ...properties } = row;
      let parsed: unknown = null;
      if (typeof geometry === 'string') {
        try {
          parsed = JSON.parse(geometry);
        } catch {
          parsed = null;
        }
      } else if (geometry && typeof geometry === 'object') parsed = geometry;
      return {
        type: 'Feature',
        geometry: geometryColumn ? parsed : null,
        properties: geometryColumn ? properties : row,
      };
    }),
  };
}

export { decodeResultCursor, encodeResultCursor } from '../../jobs/index.ts';

/** A job as the model reads it: state, timings, result size, error in plain words. */
export function describeJob(job: JobView): Record<string, unknown> {
  const duration = job.startedAt ? (job.finishedAt ?? Date.now()) - job.startedAt : null;
  return {
    jobId: job.id,
    title: job.title,
    state: job.state,
    progress: job.progress,
    progressMessage: job.progressMessage,
    error: job.error,
    rowCount: job.rowCount,
    truncated: job.truncated,
    columns: job.columns,
    attempt: job.attempt,
    createdAt: new Date(job.createdAt).toISOString(),
    startedAt: job.startedAt ? new Date(job.startedAt).toISOString() : null,
    finishedAt: job.finishedAt ? new Date(job.finishedAt).toISOString() : null,
    durationMs: duration,
    resultsExpireAt: job.expiresAt ? new Date(job.expiresAt).toISOString() : null,
  };
}
