import type { CatalogDescription, Engine, TableDescription } from '../engines/index.ts';
import { extentSelect, geometryPreview, geometryTypeExpr, quoteIdent, tableRef } from './catalogSql.ts';
import { summarizeValues, type ColumnStats } from './summarizeValues.ts';
import { editDistance } from '../workflows/index.ts';
import { MeridianError } from '../errors/MeridianError.ts';

export interface TableDetails {
  schema: string;
  name: string;
  columns: TableDescription['columns'];
  rowEstimate: number | null;
  extent: [number, number, number, number] | null;
  sampleRows: Record<string, unknown>[];
}

export class CatalogLookupError extends MeridianError {
  override name = 'CatalogLookupError';
  override readonly code: string = 'catalog_lookup_failed';
  override readonly status: number = 404;
  override readonly showable: boolean = true;
}

/** Sampling bound for column statistics: large tables are summarized from their first rows. */
export const STATS_SAMPLE_ROWS = 50_000;
const CATALOG_TTL_MS = 30_000;

/**
 * Browsing one connection's catalog: tables, their columns, extents, samples and column
 * statistics. Costs are bounded: statements time out, samples are capped, the catalog itself is
 * cached briefly per connection (callers have been checked for access before they get here).
 */
export class CatalogBrowser {
  private readonly cache = new Map<
    string,
    { at: number; engine: Engine; catalog: CatalogDescription; refreshing?: Promise<unknown> }
  >();

  /**
   * The connection's catalog. Cached per connection version: the registry makes a new engine
   * when a connection changes, so an entry made with another engine is never used. Past the TTL
   * the cached catalog is still answered at once while a fresh one is read beside it, so a
   * describe (hundreds of ms on a large warehouse) sits in the way of a job or a tool list only
   * the first time.
   */
  async catalog(connectionId: string, engine: Engine): Promise<CatalogDescription> {
    const hit = this.cache.get(connectionId);
    if (hit && hit.engine === engine) {
      if (Date.now() - hit.at >= CATALOG_TTL_MS && !hit.refreshing) {
        hit.refreshing = this.load(connectionId, engine).catch(() => {
          // An unreachable warehouse keeps its last catalog; the next call tries again.
          hit.refreshing = undefined;
        });
      }
      return hit.catalog;
    }
    return this.load(connectionId, engine);
  }

  private async load(connectionId: string, engine: Engine): Promise<CatalogDescription> {
    const catalog = await engine.describe();
    this.cache.set(connectionId, { at: Date.now(), engine, catalog });
    return catalog;
  }

  forget(connectionId: string): void {
    this.cache.delete(connectionId);
  }

  /** Finds a table by `name` or `schema.name`; the error lists close matches. */
  async findTable(connectionId: string, engine: Engine, table: string): Promise<TableDescription> {
    const { tables } = await this.catalog(connectionId, engine);
    const [schema, name] = table.includes('.')
      ? (table.split('.', 2) as [string, string])
      : [undefined, table];
    const found = tables.find((t) => t.name === name && (schema === undefined || t.schema === schema));
    if (found) return found;
    const wanted = (name ?? table).toLowerCase();
    const close = tables
      .map((t) => ({ t, d: editDistance(wanted, t.name.toLowerCase()) }))
      .filter(
        ({ t, d }) =>
          d <= Math.max(2, Math.floor(wanted.length / 3)) || t.name.toLowerCase().includes(wanted),
      )
      .sort((a, b) => a.d - b.d)
      .slice(0, 5)
      .map(({ t }) => t)
      .map((t) => (t.schema === 'main' ? t.name : `${t.schema}.${t.name}`));
    throw new CatalogLookupError(
      `There is no table "${table}" in this connection.` +
        (close.length
          ? ` Did you mean: ${close.join(', ')}?`
          : ' Call list_tables or search_tables to see the tables.'),
    );
  }

  async describeTable(
    connectionId: string,
    engine: Engine,
    table: string,
    sampleSize = 5,
  ): Promise<TableDetails> {
    const t = await this.findTable(connectionId, engine, table);
    const from = tableRef(engine.dialect, t.schema, t.name);
    const geometry = t.columns.find((c) => c.type === 'geometry' || c.geometryType !== undefined);
    let extent: TableDetails['extent'] = null;
    if (geometry) {
      const result = await engine.run(
        { sql: `SELECT ${extentSelect(engine.dialect, geometry.name)} FROM ${from}`, params: [] },
        { timeoutMs: 10_000 },
      );
      const row = result.rows[0];
      if (row && row.minx !== null && row.minx !== undefined)
        extent = [Number(row.minx), Number(row.miny), Number(row.maxx), Number(row.maxy)];
    }
    const select = t.columns
      .map((c) =>
        c === geometry || c.geometryType
          ? `${geometryPreview(engine.dialect, c.name)} AS ${quoteIdent(c.name)}`
          : quoteIdent(c.name),
      )
      .join(', ');
    const sample = await engine.run(
      { sql: `SELECT ${select} FROM ${from}`, params: [] },
      { maxRows: sampleSize, timeoutMs: 10_000 },
    );
    return {
      schema: t.schema,
      name: t.name,
      columns: t.columns,
      rowEstimate: t.rowEstimate ?? null,
      extent,
      sampleRows: sample.rows,
    };
  }

  async columnStats(
    connectionId: string,
    engine: Engine,
    table: string,
    column: string,
  ): Promise<ColumnStats & { sampled: boolean }> {
    const t = await this.findTable(connectionId, engine, table);
    const c = t.columns.find((col) => col.name === column);
    if (!c) {
      throw new CatalogLookupError(
        `The table ${t.name} has no column "${column}". Its columns: ${t.columns.map((col) => col.name).join(', ')}.`,
      );
    }
    const from = tableRef(engine.dialect, t.schema, t.name);
    const isGeometry = c.type === 'geometry' || c.geometryType !== undefined;
    const expr = isGeometry ? geometryTypeExpr(engine.dialect, c.name) : quoteIdent(c.name);
    const result = await engine.run(
      { sql: `SELECT ${expr} AS v FROM ${from}`, params: [] },
      { maxRows: STATS_SAMPLE_ROWS, timeoutMs: 15_000 },
    );
    const stats = summarizeValues(
      result.rows.map((r) => r.v),
      isGeometry ? 'geometry' : c.type,
    );
    if (isGeometry) {
      const ext = await engine.run(
        { sql: `SELECT ${extentSelect(engine.dialect, c.name)} FROM ${from}`, params: [] },
        { timeoutMs: 15_000 },
      );
      const row = ext.rows[0];
      if (row && row.minx !== null && row.minx !== undefined)
        stats.extent = [Number(row.minx), Number(row.miny), Number(row.maxx), Number(row.maxy)];
    }
    return { ...stats, sampled: result.truncated };
  }
}
