import type { Scope } from '../scopes.ts';

/** What a person grants, in the words of the product (seed: "What you authorize"). */
export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  'workflows:read': 'List your published workflows',
  'workflows:run': 'Run your published workflows and read their results',
  'connections:read': 'Browse your data warehouse connections',
  'maps:read': 'Locate your saved maps and render interactive visualizations',
  offline_access: 'Stay connected without asking you to sign in again',
};
