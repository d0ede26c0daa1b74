import type { ColumnSchema } from '../catalog/ColumnSchema.ts';

/**
 * Work done in Node after the SQL part, for components with no SQL form in our engines (H3:
 * there is no H3 extension in SpatiaLite or Debian's PostGIS). Steps are plain data so a job
 * can store them beside the compiled query.
 */
export type HostStep =
  /** `lon`/`lat`: numeric columns the SQL part added for this step (else the GeoJSON is parsed). */
  | { kind: 'h3_index'; geometry: string; resolution: number; as: string; lon?: string; lat?: string }
  | {
      kind: 'h3_aggregate';
      cell: string;
      countAs: string;
      aggregates: { op: 'count' | 'sum' | 'avg' | 'min' | 'max'; column?: string; as: string }[];
    }
  | { kind: 'h3_boundary'; cell: string; as: string }
  /** Engine-independent values: numbers as numbers, booleans as booleans, geometries as GeoJSON text. */
  | { kind: 'normalize'; columns: ColumnSchema[] };
