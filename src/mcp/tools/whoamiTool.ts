import { z } from 'zod';
import { defineTool } from '../McpTool.ts';

const output = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  organization: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
  role: z.enum(['admin', 'editor', 'viewer']),
  scopes: z.array(z.string()),
  authentication: z.object({
    method: z.enum(['api_token', 'oauth']),
    clientId: z.string(),
    clientName: z.string().optional(),
  }),
});

/** Tells the client who it is acting as, so a model can explain its own permissions. */
export const whoamiTool = defineTool({
  name: 'whoami',
  title: 'Who am I',
  description:
    'Returns the Meridian user this connection acts as: their organization, role, the scopes this ' +
    'connection was granted, and how it authenticated (API access token or OAuth client). Use it to ' +
    'explain what you can and cannot do before calling other tools.',
  requiredScopes: [],
  inputSchema: z.object({}),
  outputSchema: output,
  annotations: { readOnlyHint: true, openWorldHint: false, title: 'Who am I' },
  handler(_args, caller) {
    const result: z.infer<typeof output> = {
      user: { id: caller.userId, email: caller.principal.email, name: caller.principal.displayName },
      organization: { id: caller.orgId, name: caller.principal.orgName, slug: caller.principal.orgSlug },
      role: caller.role,
      scopes: caller.scopes,
      authentication: {
        method: caller.method,
        clientId: caller.clientId,
        ...(caller.clientName !== undefined && { clientName: caller.clientName }),
      },
    };
    const how =
      caller.method === 'api_token'
        ? 'an API access token'
        : `the OAuth client ${caller.clientName ?? caller.clientId}`;
    return {
      content: [
        {
          type: 'text',
          text:
            `You are ${result.user.email} (${result.role}) in the organization "${result.organization.name}", ` +
            `connected with ${how}. Granted scopes: ${result.scopes.join(', ') || 'none'}.`,
        },
      ],
      structuredContent: result,
    };
  },
});
