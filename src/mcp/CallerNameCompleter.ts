import type { McpServices } from './McpServices.ts';
import type { McpCaller } from '../auth/index.ts';
import { listConnections } from '../connections/index.ts';
import { findMaps } from '../maps/index.ts';

/** MCP caps a completion at 100 values. */
const MAX_COMPLETIONS = 100;

function matching(names: Iterable<string>, typed: string): string[] {
  const prefix = typed.toLowerCase();
  const all = [...names];
  const starts = all.filter((n) => n.toLowerCase().startsWith(prefix));
  const contains = all.filter((n) => !n.toLowerCase().startsWith(prefix) && n.toLowerCase().includes(prefix));
  return [...starts, ...contains].slice(0, MAX_COMPLETIONS);
}

/**
 * Completions for prompt arguments and resource-template variables: the names this caller could
 * pass to the matching tool, and nothing else. Each kind needs the scope its tools need; without
 * it the answer is empty, like a caller who has no such objects.
 */
export class CallerNameCompleter {
  constructor(
    private readonly services: McpServices,
    /** The workflow tools this caller can see (workflows:read already checked). */
    private readonly workflowNames: (caller: McpCaller) => Promise<string[]>,
  ) {}

  async connections(caller: McpCaller, typed: string): Promise<string[]> {
    if (!caller.scopes.includes('connections:read')) return [];
    return matching(
      (await listConnections(this.services.db, caller)).map((c) => c.name),
      typed,
    );
  }

  /** Table names of a connection the caller may use. */
  async tables(caller: McpCaller, connection: string | undefined, typed: string): Promise<string[]> {
    if (!caller.scopes.includes('connections:read') || !connection) return [];
    const resolved = await this.services.connections.resolve(caller, connection);
    if (!resolved) return [];
    try {
      const { tables } = await this.services.catalog.catalog(resolved.connection.id, resolved.engine);
      // A name in several schemas is offered once; describe_table takes `schema.name` to choose.
      return matching(new Set(tables.map((t) => t.name)), typed);
    } catch {
      return []; // the warehouse is unreachable: nothing to offer, not an error to the client
    }
  }

  async workflows(caller: McpCaller, typed: string): Promise<string[]> {
    if (!caller.scopes.includes('workflows:read')) return [];
    return matching(await this.workflowNames(caller), typed);
  }

  async maps(caller: McpCaller, typed: string): Promise<string[]> {
    if (!caller.scopes.includes('maps:read')) return [];
    // Ids are opaque: what someone types is as likely a word of the title as the id's start.
    const maps = await findMaps(this.services.db, caller, { limit: 200 });
    const needle = typed.toLowerCase();
    return maps
      .filter((m) => m.id.startsWith(typed) || m.definition.title.toLowerCase().includes(needle))
      .map((m) => m.id)
      .slice(0, MAX_COMPLETIONS);
  }
}
