import YAML from 'yaml';
import { WorkflowValidationError } from '../validation/WorkflowIssue.ts';
import { flattenZodIssue } from '../validation/zodIssues.ts';
import {
  type WorkflowDocument,
  type WorkflowDocumentInput,
  workflowDocumentSchema,
} from './WorkflowDocument.ts';

export const MAX_DOCUMENT_BYTES = 5_000_000;

/**
 * Reads a workflow document from JSON or YAML text (JSON is tried first: it is YAML too, but
 * JSON.parse reports errors better). Checks the document's shape; `validateWorkflow` checks
 * the graph against the catalogs.
 */
export function parseWorkflowDocument(text: string): WorkflowDocument {
  if (text.length > MAX_DOCUMENT_BYTES) {
    throw new WorkflowValidationError([
      {
        code: 'invalid_document',
        message: `the document is ${text.length} bytes, over the ${MAX_DOCUMENT_BYTES} limit`,
        fix: 'split it or remove large literals',
      },
    ]);
  }
  let data: unknown;
  const trimmed = text.trimStart();
  try {
    data = trimmed.startsWith('{')
      ? JSON.parse(text)
      : YAML.parse(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (error) {
    throw new WorkflowValidationError([
      {
        code: 'invalid_document',
        message: `the document is not valid ${trimmed.startsWith('{') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`,
        fix: 'fix the syntax error',
      },
    ]);
  }
  const parsed = workflowDocumentSchema.safeParse(data);
  if (!parsed.success) {
    throw new WorkflowValidationError(
      parsed.error.issues.map((issue) => {
        const { path, message } = flattenZodIssue(issue);
        return {
          code: 'invalid_document',
          field: path || '(document)',
          message,
          fix: 'correct this field to match the workflow document schema',
        };
      }),
    );
  }
  return parsed.data;
}

/** Writes a document as JSON (default) or YAML, for export. */
export function formatWorkflowDocument(
  doc: WorkflowDocument | WorkflowDocumentInput,
  format: 'json' | 'yaml' = 'json',
): string {
  return format === 'yaml' ? YAML.stringify(doc) : `${JSON.stringify(doc, null, 2)}\n`;
}
