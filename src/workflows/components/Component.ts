import type { z } from 'zod';
import type { CatalogLookup } from '../catalog/CatalogLookup.ts';
import type { ColumnSchema } from '../catalog/ColumnSchema.ts';
import type { HostStep } from '../host/HostStep.ts';
import type { SqlNode } from '../sql/SqlNode.ts';

export type ComponentCategory =
  'source' | 'filter' | 'transform' | 'spatial' | 'join' | 'aggregate' | 'h3' | 'output';

export interface PortSpec {
  name: string;
  description: string;
}

/** What every component sees: its parsed config and the column schemas of its inputs. */
export interface SchemaContext<C> {
  config: C;
  inputs: Record<string, ColumnSchema[]>;
  catalog: CatalogLookup;
}

/** For SQL generation: also the relation (CTE name) of each input and the computed output. */
export interface SqlContext<C> extends SchemaContext<C> {
  relations: Record<string, SqlNode>;
  output: ColumnSchema[];
  /** The row order of the `input` port, when an order_by upstream set one. */
  ordering: OrderTerm[];
  /**
   * Registers `body` as a helper CTE computed once (materialized where the engine would
   * otherwise inline it) before this node's CTE, and returns its name to select from.
   */
  materialize(body: SqlNode): SqlNode;
  /** What the target dialect prefers where one SQL shape is not best for both engines. */
  capabilities: { joinsOnMaterializedBoundingBoxes: boolean };
  /** Input ports fed by a node known to yield exactly one row (point_input, geometry_input…). */
  singleRowInputs: Set<string>;
  /** Input ports fed by a node that reads a table as it is (see `BaseTable`). */
  baseTables: Record<string, BaseTable>;
  /** Input ports fed by one row whose geometry's box is known once arguments are bound. */
  knownBounds: Record<string, KnownBounds>;
}

/** A geometry column of a one-row source whose box is known while compiling (SRID 4326). */
export interface KnownBounds {
  column: string;
  bbox: [minX: number, minY: number, maxX: number, maxY: number];
}

/**
 * A node whose rows are a table's rows and whose columns are that table's columns under the same
 * names: a consumer may read the table itself instead of the node's CTE, which hides the table's
 * rowid and spatial index from the engine.
 */
export interface BaseTable {
  /** The table, schema-qualified. */
  relation: SqlNode;
  /** The rowid pseudo-column, spelled so that no column of the table shadows it. */
  rowid: string;
  /** The R*Tree (pkid = rowid, xmin, xmax, ymin, ymax) indexing a geometry column, where the dialect reads one. */
  rtree(geometryColumn: string): SqlNode | undefined;
}

export interface OrderTerm {
  column: string;
  direction: 'asc' | 'desc';
}

/**
 * A catalog entry. `columns` computes the output schema and throws `ComponentConfigError` when
 * the config does not fit the inputs (that is how validation names the node and the field);
 * `sql` returns the body of the node's CTE; `host` the step run after SQL for host components.
 */
export interface Component<C = unknown> {
  name: string;
  category: ComponentCategory;
  /** For people and models: what it does, units, and what each config field means. */
  description: string;
  inputs: PortSpec[];
  config: z.ZodType<C>;
  execution: 'sql' | 'host' | 'output';
  /** Components only editors may use (raw SQL source, writes). */
  requiresRole?: 'editor';
  writes?: boolean;
  /** Sources that always yield exactly one row, which lets consumers pick cheaper SQL. */
  singleRow?: boolean;
  columns(ctx: SchemaContext<C>): ColumnSchema[];
  /** One-row sources whose geometry is known once arguments are bound give its box (point_input). */
  knownBounds?(ctx: SchemaContext<C>): KnownBounds | undefined;
  /** Sources that read a table as it is say which (the `table` component). */
  baseTable?(ctx: SchemaContext<C>): BaseTable | undefined;
  /**
   * CTE bodies have no guaranteed order, so order is tracked beside the SQL: 'preserve' passes
   * the input's order on (re-applied by later limits and by the final SELECT), a function sets
   * a new one; absent means the output is unordered.
   */
  order?: 'preserve' | ((config: C) => OrderTerm[]);
  sql?(ctx: SqlContext<C>): SqlNode;
  host?(ctx: SchemaContext<C>): HostStep;
}

/** Keeps each component's config type while storing them in one list. */
export function defineComponent<C>(component: Component<C>): Component<C> {
  return component;
}
