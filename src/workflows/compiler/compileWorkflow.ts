import type { CompiledQuery, Dialect } from '../../engines/Engine.ts';
import type { CatalogLookup } from '../catalog/CatalogLookup.ts';
import type { ColumnSchema } from '../catalog/ColumnSchema.ts';
import type { BaseTable, KnownBounds, OrderTerm } from '../components/Component.ts';
import { orderClause } from '../components/orderClause.ts';
import { findParamRefs, resolveParamRefs } from '../document/ParamRef.ts';
import type { HostStep } from '../host/HostStep.ts';
import { planSqlOutput } from './planSqlOutput.ts';
import { ArgumentValidationError, validateArguments } from '../parameters/validateArguments.ts';
import { dialectFor } from '../sql/dialectFor.ts';
import { type SqlNode, ident, join, spatial, sql } from '../sql/SqlNode.ts';
import { type ValidateOptions, type WorkflowPlan, validateWorkflow } from '../validation/validateWorkflow.ts';
import {
  ComponentConfigError,
  type WorkflowIssue,
  WorkflowValidationError,
} from '../validation/WorkflowIssue.ts';
import { flattenZodIssue } from '../validation/zodIssues.ts';

export interface CompileOptions extends ValidateOptions {
  dialect: Dialect;
  catalog: CatalogLookup;
  /** Tool-call arguments; validated here (defaults applied) before anything is compiled. */
  args?: unknown;
}

export interface CompiledWrite {
  /** Run in order, in one transaction: the table, then (SpatiaLite) its geometry registrations. */
  kind: 'create_table_as' | 'register_geometry';
  table: string;
  statement: CompiledQuery;
}

export interface CompiledWorkflow {
  /** One read-only statement returning the SQL part's rows (geometries as WGS 84 GeoJSON text). */
  query: CompiledQuery;
  /** The final output columns, after host steps. Geometry columns hold GeoJSON text. */
  columns: ColumnSchema[];
  /** Run in order over the query's rows with `applyHostSteps`; the last one normalizes values. */
  hostSteps: HostStep[];
  /** save_table: separate write statements, run only for editors, after the read. */
  writes?: CompiledWrite[];
  requiredRole: 'viewer' | 'editor';
}

interface CompiledNode {
  singleRow: boolean;
  baseTable?: BaseTable;
  knownBounds?: KnownBounds;
  relation: SqlNode;
  columns: ColumnSchema[];
  ordering: OrderTerm[];
}

/**
 * Compiles a workflow to one SQL statement (a chain of CTEs, one per SQL node) for a dialect,
 * plus host steps and writes. Pure: no I/O. Throws `WorkflowValidationError` (naming node,
 * field and fix) or `ArgumentValidationError` (naming the argument and what it accepts).
 */
export function compileWorkflow(doc: unknown, options: CompileOptions): CompiledWorkflow {
  const validation = validateWorkflow(doc, options.catalog, options);
  if (!validation.ok) throw new WorkflowValidationError(validation.issues);
  const plan = validation.plan;
  const args = validateArguments(plan.document, options.args ?? {});
  if (!args.ok) throw new ArgumentValidationError(args.errors);
  const dialect = dialectFor(options.dialect);

  const sqlNodes = plan.order.filter((id) => plan.nodes.get(id)!.component.execution === 'sql');
  const compiled = new Map<string, CompiledNode>();
  const ctes: SqlNode[] = [];
  const issues: WorkflowIssue[] = [];
  const resolved = new Map<string, { config: unknown; columns: ColumnSchema[] }>();

  for (const id of plan.order) {
    const config = resolveConfig(plan, id, args.values, options.catalog, issues);
    if (config) resolved.set(id, config);
  }
  if (issues.length) throw new WorkflowValidationError(issues);

  sqlNodes.forEach((id, index) => {
    const planned = plan.nodes.get(id)!;
    const { config, columns } = resolved.get(id)!;
    const inputs: Record<string, ColumnSchema[]> = {};
    const relations: Record<string, SqlNode> = {};
    const singleRowInputs = new Set<string>();
    const baseTables: Record<string, BaseTable> = {};
    const knownBounds: Record<string, KnownBounds> = {};
    for (const [port, from] of Object.entries(planned.node.inputs ?? {})) {
      const upstream = compiled.get(from)!;
      inputs[port] = upstream.columns;
      relations[port] = upstream.relation;
      if (upstream.singleRow) singleRowInputs.add(port);
      if (upstream.baseTable) baseTables[port] = upstream.baseTable;
      if (upstream.knownBounds) knownBounds[port] = upstream.knownBounds;
    }
    const inputOrdering = compiled.get(planned.node.inputs?.input ?? '')?.ordering ?? [];
    try {
      // CTE names are generated, never taken from node ids: no user text reaches the SQL.
      const name = `n${index + 1}`;
      let helpers = 0;
      const materialize = (helper: SqlNode): SqlNode => {
        const helperName = `${name}_${++helpers}`;
        ctes.push(sql`${ident(helperName)} AS ${{ kind: 'materializedHint' }}(${helper})`);
        return ident(helperName);
      };
      const capabilities = { joinsOnMaterializedBoundingBoxes: dialect.joinsOnMaterializedBoundingBoxes };
      const body = planned.component.sql!({
        config,
        inputs,
        relations,
        output: columns,
        catalog: options.catalog,
        ordering: inputOrdering,
        materialize,
        capabilities,
        singleRowInputs,
        baseTables,
        knownBounds,
      });
      // A node handing back its input relation changes no row (order_by: its order is tracked
      // beside the SQL): no CTE, so the statement the engine parses and plans stays short.
      const passThrough = body === relations.input;
      if (!passThrough) ctes.push(sql`${ident(name)} AS (${body})`);
      const baseTable = planned.component.baseTable?.({ config, inputs, catalog: options.catalog });
      const bounds = planned.component.knownBounds?.({ config, inputs, catalog: options.catalog });
      compiled.set(id, {
        ...(bounds ? { knownBounds: bounds } : {}),
        ...(baseTable ? { baseTable: readableBaseTable(baseTable, dialect.readsRTreeTables) } : {}),
        relation: passThrough ? body : ident(name),
        columns,
        singleRow: planned.component.singleRow === true,
        ordering: nextOrdering(planned.component.order, config, inputOrdering, columns),
      });
    } catch (error) {
      if (!(error instanceof ComponentConfigError)) throw error;
      issues.push({
        code: error.code,
        node: id,
        ...(error.field ? { field: `config.${error.field}` } : {}),
        message: error.message,
        fix: error.fix,
      });
    }
  });
  if (issues.length) throw new WorkflowValidationError(issues);

  // Walk back from the output through host and output nodes to the last SQL node.
  const tail: string[] = [];
  let cursor = plan.document.output;
  while (plan.nodes.get(cursor)!.component.execution !== 'sql') {
    tail.unshift(cursor);
    cursor = plan.nodes.get(cursor)!.node.inputs!.input!;
  }
  const last = compiled.get(cursor)!;
  const withClause = sql`WITH ${join(ctes)} `;

  const hostSteps: HostStep[] = [];
  let columns = last.columns;
  let writes: CompiledWrite[] | undefined;
  for (const id of tail) {
    const planned = plan.nodes.get(id)!;
    const { config } = resolved.get(id)!;
    if (planned.component.execution === 'host') {
      hostSteps.push(
        planned.component.host!({ config, inputs: { input: columns }, catalog: options.catalog }),
      );
    } else if (planned.component.writes) {
      const table = (config as { table: string }).table;
      const statement = dialect.compile(
        sql`CREATE TABLE ${ident(table)} AS ${withClause}SELECT ${join(last.columns.map((c) => ident(c.name)))} FROM ${last.relation}`,
      );
      writes = [{ kind: 'create_table_as', table, statement }];
      for (const column of last.columns.filter((c) => c.type === 'geometry')) {
        const register = dialect.registerGeometryColumn(
          table,
          column.name,
          column.srid ?? 4326,
          column.geometryType ?? 'GEOMETRY',
        );
        if (register) writes.push({ kind: 'register_geometry', table, statement: dialect.compile(register) });
      }
    }
    columns = resolved.get(id)!.columns;
  }
  const output = planSqlOutput(last.columns, hostSteps);
  const selectList = [
    ...output.columns.map(outputColumn),
    ...output.lonLat.flatMap(({ geometry, lon, lat }) => {
      const wgs84 = spatial('transform', [ident(geometry.name)], {
        srid: 4326,
        fromSrid: geometry.srid ?? 4326,
      });
      // Points are read as they are (a GEOS centroid per row costs more than the whole query).
      const point = geometry.geometryType === 'POINT' ? wgs84 : spatial('centroid', [wgs84]);
      return [sql`${spatial('x', [point])} AS ${ident(lon)}`, sql`${spatial('y', [point])} AS ${ident(lat)}`];
    }),
  ];
  const ordering = last.ordering.filter((t) => last.columns.some((c) => c.name === t.column));
  const query = dialect.compile(
    sql`${withClause}SELECT ${join(selectList)} FROM ${last.relation}${orderClause(ordering)}`,
  );
  const outputColumns = columns.map((c) => (c.type === 'geometry' ? { ...c, srid: 4326 } : c));
  const finalSteps: HostStep[] = [...output.hostSteps, { kind: 'normalize', columns: outputColumns }];
  return {
    query,
    columns: outputColumns,
    hostSteps: finalSteps,
    ...(writes ? { writes } : {}),
    requiredRole: plan.requiredRole,
  };
}

/** A dialect without R*Tree tables (PostGIS: its GiST indexes work through CTEs) is told of none. */
function readableBaseTable(baseTable: BaseTable, readsRTreeTables: boolean): BaseTable {
  return readsRTreeTables ? baseTable : { ...baseTable, rtree: () => undefined };
}

/** Substitutes arguments for parameter references and re-checks the config's ranges. */
function resolveConfig(
  plan: WorkflowPlan,
  id: string,
  values: Record<string, unknown>,
  catalog: CatalogLookup,
  issues: WorkflowIssue[],
): { config: unknown; columns: ColumnSchema[] } | undefined {
  const planned = plan.nodes.get(id)!;
  const raw = planned.node.config ?? {};
  const substituted = resolveParamRefs(raw, values);
  const parsed = planned.component.config.safeParse(substituted);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const { path, message } = flattenZodIssue(issue);
      // Name the parameter behind the field, so a tool caller knows which argument to change.
      const ref = findParamRefs(raw).find((r) => path === r.path || path.startsWith(`${r.path}.`))?.ref;
      const missing = ref !== undefined && values[ref.$param] === undefined;
      issues.push({
        code: 'invalid_config',
        node: id,
        field: `config.${path}`,
        message: ref
          ? missing
            ? `parameter "${ref.$param}" has no value and this field needs one`
            : `the value of parameter "${ref.$param}" is not accepted here (${message})`
          : message,
        fix: missing
          ? `pass "${ref!.$param}", or give it a default in the workflow`
          : `pass a value of "${ref?.$param ?? path}" within the range this node accepts (or tighten the parameter bounds in the workflow)`,
      });
    }
    return undefined;
  }
  return { config: parsed.data, columns: planned.columns };
}

function nextOrdering(
  order: unknown,
  config: unknown,
  input: OrderTerm[],
  columns: ColumnSchema[],
): OrderTerm[] {
  const terms =
    order === 'preserve'
      ? input
      : typeof order === 'function'
        ? (order as (c: unknown) => OrderTerm[])(config)
        : [];
  return terms.filter((t) => columns.some((c) => c.name === t.column));
}

/** Final projection: geometries as WGS 84 GeoJSON, numbers as doubles (pg returns bigint/numeric as strings). */
function outputColumn(column: ColumnSchema): SqlNode {
  const name = ident(column.name);
  switch (column.type) {
    case 'geometry': {
      const wgs84 = spatial('transform', [name], { srid: 4326, fromSrid: column.srid ?? 4326 });
      return sql`${spatial('asGeoJSON', [wgs84])} AS ${name}`;
    }
    case 'integer':
    case 'number':
      return sql`${{ kind: 'toFloat', arg: name }} AS ${name}`;
    case 'date':
      return sql`${{ kind: 'toText', arg: name }} AS ${name}`;
    default:
      return name;
  }
}
