import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  previewWorkflowDocument,
  workflowDocumentSchema,
  type WorkflowDocument,
} from '../../../src/workflows/index.ts';

const example = workflowDocumentSchema.parse(
  JSON.parse(
    readFileSync(join(import.meta.dirname, '../../../examples/workflows/cities-within-radius.json'), 'utf8'),
  ),
);

describe('previewWorkflowDocument: the part of a workflow that yields one node’s rows', () => {
  it('keeps the node and its upstream, ending in a result', () => {
    const sub = previewWorkflowDocument(example, 'measured')!;
    expect(sub.nodes.map((n) => n.id)).toEqual(['cities', 'place', 'near', 'measured', '_preview']);
    expect(sub.output).toBe('_preview');
    expect(sub.nodes.at(-1)).toEqual({ id: '_preview', component: 'result', inputs: { input: 'measured' } });
    // Only the parameters these nodes use: max_results belongs to a later step.
    expect(sub.parameters.map((p) => p.name)).toEqual(['lon', 'lat', 'radius_m']);
    expect(previewWorkflowDocument(example, 'cities')!.parameters).toEqual([]);
  });

  it('previews a result as it is, and a save_table as the rows it would save (never a write)', () => {
    expect(previewWorkflowDocument(example, 'result')).toEqual(example);
    const saving: WorkflowDocument = {
      ...example,
      nodes: [
        ...example.nodes.filter((n) => n.id !== 'result'),
        { id: '_preview', component: 'save_table', inputs: { input: 'columns' }, config: { table: 't' } },
      ],
      output: '_preview',
    };
    const sub = previewWorkflowDocument(saving, '_preview')!;
    expect(sub.nodes.some((n) => n.component === 'save_table')).toBe(false);
    expect(sub.nodes.at(-1)).toEqual({ id: '_preview2', component: 'result', inputs: { input: 'columns' } });
  });

  it('is undefined for a node not in the document', () => {
    expect(previewWorkflowDocument(example, 'nowhere')).toBeUndefined();
  });
});
