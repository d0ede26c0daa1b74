import type { Component } from './Component.ts';
import { aggregate } from './aggregate.ts';
import { area } from './area.ts';
import { attributeJoin } from './attributeJoin.ts';
import { bboxFilter } from './bboxFilter.ts';
import { bboxInput } from './bboxInput.ts';
import { buffer } from './buffer.ts';
import { centroid } from './centroid.ts';
import { convexHull } from './convexHull.ts';
import { dissolve } from './dissolve.ts';
import { distance } from './distance.ts';
import { distinct } from './distinct.ts';
import { envelope } from './envelope.ts';
import { filter } from './filter.ts';
import { geojsonFeatures } from './geojsonFeatures.ts';
import { geometryInput } from './geometryInput.ts';
import { gridAggregate } from './gridAggregate.ts';
import { h3Aggregate } from './h3Aggregate.ts';
import { h3Boundary } from './h3Boundary.ts';
import { h3Index } from './h3Index.ts';
import { hexGrid } from './hexGrid.ts';
import { length } from './length.ts';
import { limit } from './limit.ts';
import { makePoint } from './makePoint.ts';
import { nearest } from './nearest.ts';
import { orderBy } from './orderBy.ts';
import { pointInput } from './pointInput.ts';
import { pointOnSurface } from './pointOnSurface.ts';
import { pointsInPolygon } from './pointsInPolygon.ts';
import { rename } from './rename.ts';
import { result } from './result.ts';
import { sample } from './sample.ts';
import { saveTable } from './saveTable.ts';
import { select } from './select.ts';
import { simplify } from './simplify.ts';
import { spatialFilter } from './spatialFilter.ts';
import { spatialJoin } from './spatialJoin.ts';
import { sqlQuery } from './sqlQuery.ts';
import { squareGrid } from './squareGrid.ts';
import { table } from './table.ts';
import { transform } from './transform.ts';

/** Every component, by name. Config types differ; the compiler only sees them through zod. */
export const components: ReadonlyMap<string, Component<never>> = new Map(
  (
    [
      table,
      sqlQuery,
      geometryInput,
      pointInput,
      bboxInput,
      geojsonFeatures,
      filter,
      bboxFilter,
      spatialFilter,
      limit,
      orderBy,
      distinct,
      select,
      rename,
      sample,
      buffer,
      centroid,
      pointOnSurface,
      envelope,
      convexHull,
      simplify,
      transform,
      area,
      length,
      distance,
      dissolve,
      makePoint,
      squareGrid,
      hexGrid,
      attributeJoin,
      spatialJoin,
      nearest,
      aggregate,
      pointsInPolygon,
      gridAggregate,
      h3Index,
      h3Aggregate,
      h3Boundary,
      result,
      saveTable,
    ] as unknown as Component<never>[]
  ).map((c) => [c.name, c]),
);
