import type { CallToolResult } from '@modelcontextprotocol/server';

/** A tool error the model can act on: what was wrong and how to call again. */
export function toolError(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}

/** A result with structured content and a short text for the model. */
export function toolResult(text: string, structuredContent: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent };
}

/** Rows as a small Markdown table, values cut short, for the text part of a result. */
export function markdownTable(rows: Record<string, unknown>[], maxRows = 5, maxCell = 40): string {
  if (rows.length === 0) return '(no rows)';
  const columns = Object.keys(rows[0]!);
  const cell = (v: unknown) => {
    const text = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    const short = text.length > maxCell ? `${text.slice(0, maxCell - 1)}…` : text;
    return short.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  };
  const lines = [`| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`];
  for (const row of rows.slice(0, maxRows)) lines.push(`| ${columns.map((c) => cell(row[c])).join(' | ')} |`);
  return lines.join('\n');
}
