import type { Command } from 'commander';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.ts';
import { withStore, CliError } from './withStore.ts';
import { callerFor } from './callerFor.ts';
import type { Store } from '../store/createStore.ts';
import type { Caller } from '../store/Caller.ts';
import { loadOrCreateServerKey } from '../auth/index.ts';
import { SecretBox } from '../crypto/index.ts';
import { ConnectionRegistry, createConnectionTargetPolicy, demoDatabasePath } from '../connections/index.ts';
import {
  createEngine,
  EngineError,
  type CatalogDescription,
  type Dialect,
  type Engine,
} from '../engines/index.ts';
import { loadDemoDataIntoSpatialite } from '../demo/index.ts';
import { createLogger } from '../http/createLogger.ts';
import {
  ArgumentValidationError,
  HostStepError,
  WorkflowValidationError,
  applyHostSteps,
  catalogFromDescription,
  compileWorkflow,
  parseWorkflowDocument,
  workflowDocumentJsonSchema,
  type CompiledWorkflow,
  type ColumnSchema,
  type Row,
  type WorkflowDocument,
  type WorkflowParameter,
} from '../workflows/index.ts';
import {
  WorkflowRequestError,
  listWorkflows,
  publishWorkflow,
  saveWorkflow,
  unpublishWorkflow,
} from '../workflowLibrary/index.ts';
import type { ToolMode } from '../store/schema.ts';

const DIALECTS: Dialect[] = ['postgis', 'spatialite'];
const FORMATS = ['csv', 'json', 'geojson'] as const;
type OutputFormat = (typeof FORMATS)[number];
const RUN_TIMEOUT_MS = 120_000;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--param k=v` pairs as strings: `validateArguments` converts them by the declared types. */
function parseParams(pairs: string[] = []): Record<string, string> {
  const args: Record<string, string> = {};
  for (const pair of pairs) {
    const index = pair.indexOf('=');
    if (index <= 0) throw new CliError(`--param takes name=value (got "${pair}")`);
    args[pair.slice(0, index)] = pair.slice(index + 1);
  }
  return args;
}

function readDocument(file: string): WorkflowDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
  try {
    return parseWorkflowDocument(text);
  } catch (error) {
    throw new CliError(`${file} is not a valid workflow document: ${(error as Error).message}`);
  }
}

/** Problems a person can fix become CliErrors, one line each (main.ts prints each line). */
function asCliError(error: unknown): unknown {
  if (error instanceof ArgumentValidationError) {
    // each message already names its argument ("argument \"bbox\" is not …")
    return new CliError(error.errors.map((e) => e.message).join('\n'));
  }
  if (
    error instanceof WorkflowValidationError ||
    error instanceof HostStepError ||
    error instanceof EngineError ||
    error instanceof WorkflowRequestError
  ) {
    return new CliError(error.message);
  }
  return error;
}

/**
 * A value of the declared type for each required parameter the user did not give, so that
 * `compile` can show the SQL without inventing a run: values are bound, never in the SQL text.
 */
function sampleArguments(
  params: WorkflowParameter[],
  given: Record<string, string>,
): { args: Record<string, unknown>; sampled: string[] } {
  const args: Record<string, unknown> = { ...given };
  const sampled: string[] = [];
  for (const p of params) {
    if (p.name in given || p.default !== undefined || !p.required) continue;
    let value: unknown;
    switch (p.type) {
      case 'number':
      case 'integer':
        value = p.min ?? (p.max !== undefined ? Math.min(0, p.max) : 0);
        break;
      case 'boolean':
        value = false;
        break;
      case 'enum':
        value = p.values[0];
        break;
      case 'date':
        value = p.min ?? '2000-01-01';
        break;
      case 'bbox':
        value = [-180, -90, 180, 90];
        break;
      case 'geometry':
        value = { type: 'Point', coordinates: [0, 0] };
        break;
      default:
        value = 'sample';
    }
    args[p.name] = value;
    sampled.push(p.name);
  }
  return { args, sampled };
}

/** Opens connections with the server key of the data dir, exactly as the server does. */
function openRegistry(store: Store): ConnectionRegistry {
  const config = loadConfig();
  const box = new SecretBox(loadOrCreateServerKey(config.dataDir, config.secretKey), 'connections');
  const targets = createConnectionTargetPolicy(config, store);
  return new ConnectionRegistry({
    db: store.db,
    box,
    dataDir: config.dataDir,
    logger: createLogger('warn'),
    targets,
  });
}

function actingUser(email: string | undefined, what: string): string {
  const fallback = email ?? loadConfig().admin.email;
  if (!fallback)
    throw new CliError(`--email is required to ${what}: the connection is used with that user's permissions`);
  return fallback;
}

async function resolveEngine(registry: ConnectionRegistry, caller: Caller, name: string): Promise<Engine> {
  const resolved = await registry.resolve(caller, name).catch((error: unknown) => {
    throw asCliError(error);
  });
  if (!resolved) throw new CliError(`no connection "${name}" that this user can use`);
  return resolved.engine;
}

/**
 * The demo tables' catalog without a connection: the data dir's demo database when the server
 * has built it, otherwise a throwaway one built in a temp dir (a few seconds, only when needed).
 */
async function demoCatalog(): Promise<CatalogDescription> {
  const config = loadConfig();
  const existing = demoDatabasePath(config.dataDir);
  let temp: string | undefined;
  let file = existing;
  if (!existsSync(existing)) {
    temp = mkdtempSync(join(tmpdir(), 'meridian-demo-catalog-'));
    file = join(temp, 'demo.sqlite');
    process.stderr.write('building the demo tables in a temp dir to know their columns…\n');
    await loadDemoDataIntoSpatialite(file);
  }
  const engine = createEngine({ kind: 'spatialite', file, readOnly: true });
  try {
    return await engine.describe();
  } finally {
    await engine.close();
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}

function printCompiled(
  doc: WorkflowDocument,
  dialect: Dialect,
  compiled: CompiledWorkflow,
  sampled: string[],
): void {
  const out = [`-- workflow ${doc.name} (${dialect})`];
  if (sampled.length)
    out.push(`-- sample values bound for required parameters not given: ${sampled.join(', ')}`);
  out.push(compiled.query.sql.trimEnd() + ';', '', `-- params: ${JSON.stringify(compiled.query.params)}`);
  out.push(`-- columns: ${compiled.columns.map((c) => `${c.name} ${c.type}`).join(', ')}`);
  out.push(`-- host steps: ${compiled.hostSteps.length ? JSON.stringify(compiled.hostSteps) : 'none'}`);
  if (compiled.writes?.length) out.push(`-- writes: ${compiled.writes.map((w) => w.table).join(', ')}`);
  if (compiled.requiredRole === 'editor') out.push('-- runs only for editors and admins');
  process.stdout.write(out.join('\n') + '\n');
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function geometryOf(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

export function formatRows(rows: Row[], columns: ColumnSchema[], format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(rows, null, 2) + '\n';
  if (format === 'geojson') {
    const geom = columns.find((c) => c.type === 'geometry')?.name;
    const features = rows.map((row) => {
      const properties = Object.fromEntries(Object.entries(row).filter(([k]) => k !== geom));
      return { type: 'Feature', geometry: geom ? geometryOf(row[geom]) : null, properties };
    });
    return JSON.stringify({ type: 'FeatureCollection', features }) + '\n';
  }
  const names = columns.length ? columns.map((c) => c.name) : Object.keys(rows[0] ?? {});
  return (
    [names.map(csvCell).join(','), ...rows.map((row) => names.map((n) => csvCell(row[n])).join(','))].join(
      '\n',
    ) + '\n'
  );
}

export function registerWorkflowCommands(program: Command): void {
  const workflow = program
    .command('workflow')
    .description('validate, compile, run, import and publish workflows');

  workflow
    .command('schema')
    .description('print the JSON Schema of workflow documents')
    .action(() => {
      process.stdout.write(JSON.stringify(workflowDocumentJsonSchema(), null, 2) + '\n');
    });

  workflow
    .command('compile')
    .description(
      'print the SQL a workflow compiles to, with its bound parameters and host steps. Columns come from --connection (described as --email), ' +
        'or, without one, from the demo tables',
    )
    .argument('<file>', 'workflow document (JSON or YAML)')
    .requiredOption('--dialect <dialect>', `one of ${DIALECTS.join(', ')}`)
    .option('--connection <name>', "describe this connection for the tables' columns")
    .option('--email <email>', 'the user whose connection it is')
    .option(
      '--param <name=value>',
      'a parameter value (repeatable); required ones not given get a sample value',
      collect,
    )
    .action(
      async (
        file: string,
        opts: { dialect: string; connection?: string; email?: string; param?: string[] },
      ) => {
        if (!DIALECTS.includes(opts.dialect as Dialect))
          throw new CliError(`--dialect must be one of ${DIALECTS.join(', ')} (got "${opts.dialect}")`);
        const dialect = opts.dialect as Dialect;
        const doc = readDocument(file);
        const { args, sampled } = sampleArguments(doc.parameters, parseParams(opts.param));
        let description: CatalogDescription;
        if (opts.connection) {
          description = await withStore(async (store) => {
            const caller = await callerFor(store.db, actingUser(opts.email, 'describe a connection'));
            const registry = openRegistry(store);
            try {
              const engine = await resolveEngine(registry, caller, opts.connection!);
              return await engine.describe();
            } finally {
              await registry.close();
            }
          });
        } else {
          description = await demoCatalog();
        }
        try {
          printCompiled(
            doc,
            dialect,
            compileWorkflow(doc, { dialect, catalog: catalogFromDescription(description), args }),
            sampled,
          );
        } catch (error) {
          throw asCliError(error);
        }
      },
    );

  workflow
    .command('run')
    .description("run a workflow file directly on a connection's engine (not as a job) and print its rows")
    .argument('<file>', 'workflow document (JSON or YAML)')
    .option('--param <name=value>', 'a parameter value (repeatable)', collect)
    .option('--connection <name>', 'run on this connection (default: the one the document names)')
    .option('--email <email>', 'run as this user (default: MERIDIAN_ADMIN_EMAIL)')
    .option('--format <format>', `one of ${FORMATS.join(', ')}`, 'csv')
    .option('--max-rows <n>', 'stop after this many rows', '10000')
    .action(
      async (
        file: string,
        opts: { param?: string[]; connection?: string; email?: string; format: string; maxRows: string },
      ) => {
        if (!FORMATS.includes(opts.format as OutputFormat))
          throw new CliError(`--format must be one of ${FORMATS.join(', ')} (got "${opts.format}")`);
        const maxRows = Number(opts.maxRows);
        if (!Number.isInteger(maxRows) || maxRows < 1)
          throw new CliError(`--max-rows must be a positive integer (got "${opts.maxRows}")`);
        const doc = readDocument(file);
        const args = parseParams(opts.param);
        const connectionName = opts.connection ?? doc.connection;
        if (!connectionName) throw new CliError('the document names no connection: give --connection');
        await withStore(async (store) => {
          const caller = await callerFor(store.db, actingUser(opts.email, 'run a workflow'));
          const registry = openRegistry(store);
          try {
            const engine = await resolveEngine(registry, caller, connectionName);
            const compiled = compileWorkflow(doc, {
              dialect: engine.dialect,
              catalog: catalogFromDescription(await engine.describe()),
              args,
            });
            if (compiled.requiredRole === 'editor' && caller.role === 'viewer')
              throw new CliError('this workflow runs SQL or writes tables, which needs the editor role');
            if (compiled.writes?.length)
              throw new CliError(
                'workflows that save tables run from the workspace, not from `workflow run`',
              );
            const result = await engine.run(compiled.query, { maxRows, timeoutMs: RUN_TIMEOUT_MS });
            const rows = applyHostSteps(result.rows, compiled.hostSteps);
            process.stdout.write(formatRows(rows, compiled.columns, opts.format as OutputFormat));
            process.stderr.write(
              `${rows.length} row${rows.length === 1 ? '' : 's'}${result.truncated ? ` (truncated at --max-rows ${maxRows})` : ''}\n`,
            );
          } catch (error) {
            throw asCliError(error);
          } finally {
            await registry.close();
          }
        });
      },
    );

  workflow
    .command('import')
    .description(
      "save a workflow document into the user's organization (replaces the one with the same name)",
    )
    .argument('<file>', 'workflow document (JSON or YAML)')
    .requiredOption('--email <email>', 'an editor or admin')
    .option('--org <slug>')
    .action(async (file: string, opts: { email: string; org?: string }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        throw new CliError(`cannot read ${file}`);
      }
      await withStore(async ({ db }) => {
        const caller = await callerFor(db, opts.email, opts.org);
        try {
          const saved = await saveWorkflow(db, caller, text);
          process.stdout.write(
            `saved ${saved.name} (version ${saved.version}, connection ${saved.connection})\n`,
          );
        } catch (error) {
          throw asCliError(error);
        }
      });
    });

  workflow
    .command('publish')
    .description('publish a saved workflow as an MCP tool')
    .argument('<name>', 'the workflow name')
    .requiredOption('--tool-name <name>', 'the tool name models call (letters, digits, _ and -)')
    .option('--title <title>')
    .option('--description <text>', 'what the tool does, for the model (default: the workflow description)')
    .option('--mode <mode>', 'sync or async', 'sync')
    .option('--deadline-ms <n>', 'sync mode: answer with a job handle after this long', '8000')
    .requiredOption('--email <email>', 'an editor or admin')
    .option('--org <slug>')
    .action(
      async (
        name: string,
        opts: {
          toolName: string;
          title?: string;
          description?: string;
          mode: string;
          deadlineMs: string;
          email: string;
          org?: string;
        },
      ) => {
        if (opts.mode !== 'sync' && opts.mode !== 'async')
          throw new CliError(`--mode must be sync or async (got "${opts.mode}")`);
        await withStore(async ({ db }) => {
          const caller = await callerFor(db, opts.email, opts.org);
          try {
            const published = await publishWorkflow(db, caller, name, {
              toolName: opts.toolName,
              title: opts.title,
              description: opts.description,
              mode: opts.mode as ToolMode,
              syncDeadlineMs: Number(opts.deadlineMs),
            });
            process.stdout.write(
              `published ${published.name} as the tool ${published.tool!.name} (${published.tool!.mode})\n`,
            );
          } catch (error) {
            throw asCliError(error);
          }
        });
      },
    );

  workflow
    .command('unpublish')
    .description('remove a workflow’s MCP tool')
    .argument('<name>', 'the workflow name')
    .requiredOption('--email <email>', 'an editor or admin')
    .option('--org <slug>')
    .action(async (name: string, opts: { email: string; org?: string }) => {
      await withStore(async ({ db }) => {
        const caller = await callerFor(db, opts.email, opts.org);
        try {
          if (!(await unpublishWorkflow(db, caller, name)))
            throw new CliError(`no published workflow ${name}`);
          process.stdout.write(`unpublished ${name}\n`);
        } catch (error) {
          throw asCliError(error);
        }
      });
    });

  workflow
    .command('list')
    .description("list the organization's workflows and their tools")
    .requiredOption('--email <email>')
    .option('--org <slug>')
    .action(async (opts: { email: string; org?: string }) => {
      await withStore(async ({ db }) => {
        const caller = await callerFor(db, opts.email, opts.org);
        for (const w of await listWorkflows(db, caller)) {
          const tool = w.tool
            ? `tool ${w.tool.name} (${w.tool.mode}${w.tool.mode === 'sync' ? `, ${w.tool.syncDeadlineMs} ms` : ''})`
            : 'not published';
          process.stdout.write(`${w.name}\tv${w.version}\t${w.connection}\t${tool}\n`);
        }
      });
    });
}
