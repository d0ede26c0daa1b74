/** The shapes of /api/v1/connections answers (src/workspace/api/connectionsApiRoutes.ts). */
export interface Connection {
  id: string;
  name: string;
  kind: 'spatialite' | 'postgis';
  description: string;
  restricted: boolean;
  createdAt: number;
}

export interface TableSummary {
  schema: string;
  name: string;
  qualifiedName: string;
  rowEstimate: number | null;
  geometryColumns: { name: string; geometryType: string | null; srid: number | null }[];
}

export interface TableColumnsInfo {
  schema: string;
  name: string;
  qualifiedName: string;
  rowEstimate: number | null;
  columns: {
    name: string;
    type: string;
    nullable: boolean | null;
    geometryType: string | null;
    srid: number | null;
  }[];
}
