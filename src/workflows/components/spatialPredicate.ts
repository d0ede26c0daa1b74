import { z } from 'zod';
import { paramOr } from '../document/ParamRef.ts';
import { type SqlNode, spatial, sql, val } from '../sql/SqlNode.ts';
import { ComponentConfigError } from '../validation/WorkflowIssue.ts';

export const spatialPredicateName = z
  .enum(['intersects', 'within', 'contains', 'within_distance'])
  .describe(
    'intersects; within (the row geometry lies inside the other); contains (the row geometry contains the other); within_distance (closer than distance_m meters)',
  );

export const distanceMeters = paramOr(z.number().finite().min(0).max(20_000_000), 'number').describe(
  'distance in meters on the ground (0 to 20,000 km)',
);

export type SpatialPredicateName = z.infer<typeof spatialPredicateName>;

export function checkDistance(predicate: SpatialPredicateName, distance: unknown): void {
  if (predicate === 'within_distance' && distance === undefined) {
    throw new ComponentConfigError(
      'invalid_config',
      'distance_m',
      'within_distance needs a distance',
      'set distance_m (meters) to a number or a number parameter',
    );
  }
}

/** `a` and `b` are geometry expressions in the same SRID `srid`. */
export function spatialPredicate(
  predicate: SpatialPredicateName,
  a: SqlNode,
  b: SqlNode,
  sridOf: number,
  distance: unknown,
): SqlNode {
  // The bounding-box test first: SpatiaLite reads it from the blob header without parsing the
  // geometry, which made a cities × countries join ~TODO× faster; PostGIS uses it with an index.
  const prefilter = (exact: SqlNode) => sql`${spatial('bboxIntersects', [a, b])} AND ${exact}`;
  switch (predicate) {
    case 'intersects':
      return prefilter(spatial('intersects', [a, b]));
    case 'within':
      return prefilter(spatial('within', [a, b]));
    case 'contains':
      return prefilter(spatial('contains', [a, b]));
    case 'within_distance':
      if (typeof distance !== 'number')
        throw new ComponentConfigError(
          'invalid_config',
          'distance_m',
          'within_distance needs a distance',
          'set distance_m',
        );
      return spatial('withinDistanceMeters', [a, b, val(distance, 'float')], { srid: sridOf });
  }
}
