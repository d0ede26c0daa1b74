import type { Client } from '@modelcontextprotocol/client';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions walk arbitrary structured results
export type Structured = Record<string, any>;

/** Calls a tool and returns the result with its structured content and first text block. */
export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await client.callTool({ name, arguments: args });
  return {
    ...result,
    s: result.structuredContent as Structured,
    text: (result.content as { text: string }[])[0]?.text ?? '',
  };
}
