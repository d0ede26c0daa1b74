import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Principal } from '../store/repositories/users.ts';
import type { Caller } from '../store/Caller.ts';

/** How a request to /mcp authenticated. */
export type AuthMethod = 'api_token' | 'oauth';

/**
 * What the bearer gate learned about the caller, carried in `AuthInfo.extra` to the server
 * factory and to every tool handler. Scopes here are already narrowed to the user's role.
 */
export interface McpCaller extends Caller {
  principal: Principal;
  method: AuthMethod;
  /** API token id or OAuth grant id: what to revoke to cut this caller off. */
  credentialId: string;
  /** OAuth client id, or `api-token:<id>`. */
  clientId: string;
  clientName?: string;
  scopes: string[];
  /**
   * The organization's tool catalog version, read in the same query that checked the credential
   * (so within this request, never cached across requests): tools/list keys its cache on it
   * without a second round trip to the store.
   */
  toolCatalogVersion?: number;
}

export function mcpCallerOf(authInfo: AuthInfo | undefined): McpCaller {
  const caller = authInfo?.extra?.caller as McpCaller | undefined;
  // The gate sets this on every request that reaches a handler; its absence is a wiring bug.
  if (!caller) throw new Error('MCP request reached a handler without an authenticated caller');
  return caller;
}
