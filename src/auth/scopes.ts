import type { Role } from '../store/schema.ts';

/**
 * The scopes a token can carry. Small and meaningful: each names one thing an AI platform may
 * do on the user's behalf. A token never grants more than its user's role allows, whatever
 * scopes it carries: effective scopes = token scopes ∩ role scopes, evaluated per request.
 */
export const SCOPES = {
  'workflows:read': 'List the published workflows available as tools',
  'workflows:run': 'Run published workflows and read their jobs and results',
  'connections:read': 'Browse data warehouse connections: schemas, tables and columns',
  'maps:read': 'Find saved maps and render interactive visualizations',
  offline_access: 'Stay connected without signing in again (refresh tokens)',
} as const;

export type Scope = keyof typeof SCOPES;

export const ALL_SCOPES = Object.keys(SCOPES) as Scope[];

/** Scopes an API access token gets when none are named: everything MCP offers to read and run. */
export const DEFAULT_TOKEN_SCOPES: Scope[] = [
  'workflows:read',
  'workflows:run',
  'connections:read',
  'maps:read',
];

const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  admin: ALL_SCOPES,
  editor: ALL_SCOPES,
  viewer: ALL_SCOPES,
};

export function isScope(value: string): value is Scope {
  return Object.hasOwn(SCOPES, value);
}

export function scopesForRole(role: Role): readonly Scope[] {
  return ROLE_SCOPES[role];
}

/** Parses a space- or comma-separated scope list; throws naming each unknown scope. */
export function parseScopes(text: string): Scope[] {
  const items = text.split(/[\s,]+/).filter(Boolean);
  const unknown = items.filter((s) => !isScope(s));
  if (unknown.length) {
    throw new Error(
      `unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known scopes: ${ALL_SCOPES.join(', ')}`,
    );
  }
  return [...new Set(items as Scope[])];
}

export function effectiveScopes(tokenScopes: readonly string[], role: Role): Scope[] {
  const allowed = new Set<string>(scopesForRole(role));
  return tokenScopes.filter((s): s is Scope => allowed.has(s));
}
