import type { CompiledQuery, Dialect } from '../../engines/Engine.ts';
import { type SqlNode, type SpatialOp, type ValueType } from './SqlNode.ts';

/**
 * One subclass per engine. The visitor (`compile`) is shared; subclasses only say how to quote,
 * how to write a placeholder, and how each dialect-neutral spatial operation is spelled.
 */
export abstract class SqlDialect {
  abstract readonly name: Dialect;
  /**
   * Whether joins should compare precomputed, materialized bounding boxes (SpatiaLite: no index
   * on CTEs, and a function call per pair costs more than the exact test) rather than rely on
   * the engine's spatial index through `&&` (PostGIS).
   */
  abstract readonly joinsOnMaterializedBoundingBoxes: boolean;
  /**
   * Whether filters may take candidate rows from a table's R*Tree (SpatiaLite: `rowid IN
   * (SELECT pkid FROM idx_…)`), the only way to its spatial index from a query over CTEs.
   */
  abstract readonly readsRTreeTables: boolean;

  /** Placeholder for the 1-based parameter `index` holding a value of `type`. */
  protected abstract placeholder(index: number, type: ValueType): string;

  /** Expands a spatial operation into nodes of this dialect (never into unquoted input). */
  protected abstract spatial(
    op: SpatialOp,
    args: SqlNode[],
    srid: number | undefined,
    fromSrid: number | undefined,
  ): SqlNode;

  protected abstract series(from: SqlNode, to: SqlNode, column: string): SqlNode;
  protected abstract least(args: SqlNode[]): SqlNode;
  protected abstract toFloat(arg: SqlNode): SqlNode;
  protected abstract toText(arg: SqlNode): SqlNode;
  protected abstract materializedHint(): string;

  /**
   * Statements registering a geometry column of a table made by CREATE TABLE … AS, where the
   * engine keeps a geometry catalog that such a table does not join by itself (SpatiaLite).
   */
  registerGeometryColumn(
    _table: string,
    _column: string,
    _srid: number,
    _geometryType: string,
  ): SqlNode | undefined {
    return undefined;
  }

  /** Doubling embedded quotes is the whole of identifier quoting in both engines (SQL standard). */
  quoteIdentifier(name: string): string {
    if (name.includes('\u0000')) throw new Error('identifier contains a NUL character');
    return `"${name.replaceAll('"', '""')}"`;
  }

  compile(node: SqlNode): CompiledQuery {
    const params: unknown[] = [];
    const sql = this.visit(node, params);
    return { sql, params };
  }

  private visit(node: SqlNode, params: unknown[]): string {
    switch (node.kind) {
      case 'raw':
        return node.text;
      case 'identifier':
        return node.names.map((n) => this.quoteIdentifier(n)).join('.');
      case 'value':
        params.push(node.value);
        return this.placeholder(params.length, node.type);
      case 'sequence':
        return node.parts.map((p) => this.visit(p, params)).join('');
      case 'spatial':
        return this.visit(this.spatial(node.op, node.args, node.srid, node.fromSrid), params);
      case 'series':
        return this.visit(this.series(node.from, node.to, node.column), params);
      case 'least':
        return this.visit(this.least(node.args), params);
      case 'toFloat':
        return this.visit(this.toFloat(node.arg), params);
      case 'toText':
        return this.visit(this.toText(node.arg), params);
      case 'materializedHint':
        return this.materializedHint();
    }
  }
}

export function requireArg(args: SqlNode[], index: number, op: string): SqlNode {
  const arg = args[index];
  if (!arg) throw new Error(`spatial op ${op} needs argument ${index + 1}`);
  return arg;
}
