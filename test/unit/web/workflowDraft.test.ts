import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addNode,
  connect,
  disconnect,
  documentFromDraft,
  draftFromDocument,
  edgesOf,
  emptyDraft,
  removeNode,
  renameNode,
  setConfigField,
  type DocumentShape,
} from '../../../web/app/pages/workflows/canvas/workflowDraft.ts';
import { workflowDocumentSchema } from '../../../src/workflows/index.ts';

const example = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../../examples/workflows/cities-within-radius.json'), 'utf8'),
) as DocumentShape & { nodes: { id: string; position?: unknown }[] };

describe('the canvas draft ↔ workflow document', () => {
  it('round-trips a saved document, laying out nodes saved without positions by depth', () => {
    const draft = draftFromDocument(example);
    expect(draft.nodes.find((n) => n.id === 'cities')!.position).toEqual({ x: 0, y: 0 });
    expect(draft.nodes.find((n) => n.id === 'place')!.position).toEqual({ x: 0, y: 170 });
    expect(draft.nodes.find((n) => n.id === 'near')!.position).toEqual({ x: 280, y: 0 });
    expect(draft.nodes.find((n) => n.id === 'result')!.position).toEqual({ x: 6 * 280, y: 0 });
    const doc = documentFromDraft(draft);
    // The same document, plus where each node is drawn; and it is a valid workflow document.
    expect({ ...doc, nodes: doc.nodes.map(({ position: _p, ...n }) => n) }).toEqual(example);
    expect(workflowDocumentSchema.safeParse(doc).success).toBe(true);
    // Saved positions are kept, and the draft never shares config objects with its source.
    const again = draftFromDocument(doc);
    expect(again.nodes.map((n) => n.position)).toEqual(draft.nodes.map((n) => n.position));
    again.nodes[0]!.config.table = 'changed';
    expect(example.nodes[0]!.config!.table).toBe('cities');
  });

  it('builds a graph edit by edit: add, connect (replacing a port’s source), disconnect, rename, remove', () => {
    let draft = emptyDraft('demo');
    const a = addNode(draft, 'table', { x: 0, y: 0 });
    const b = addNode(a.draft, 'table', { x: 0, y: 200 });
    expect([a.id, b.id]).toEqual(['table', 'table_2']);
    const join = addNode(b.draft, 'spatial_join', { x: 300, y: 100 });
    const out = addNode(join.draft, 'result', { x: 600, y: 100 });
    expect(out.draft.output).toBe('result');
    draft = connect(out.draft, 'table', 'spatial_join', 'left');
    draft = connect(draft, 'table', 'spatial_join', 'right');
    draft = connect(draft, 'table_2', 'spatial_join', 'right');
    draft = connect(draft, 'spatial_join', 'result', 'input');
    expect(connect(draft, 'result', 'result', 'input')).toBe(draft);
    expect(edgesOf(draft).map((e) => e.id)).toEqual([
      'table->spatial_join:left',
      'table_2->spatial_join:right',
      'spatial_join->result:input',
    ]);
    draft = renameNode(draft, 'table_2', 'place');
    expect(renameNode(draft, 'place', 'table')).toBe(draft); // taken
    expect(draft.nodes.find((n) => n.id === 'spatial_join')!.inputs).toEqual({
      left: 'table',
      right: 'place',
    });
    draft = renameNode(draft, 'result', 'out');
    expect(draft.output).toBe('out');
    draft = disconnect(draft, 'spatial_join', 'left');
    expect(draft.nodes.find((n) => n.id === 'spatial_join')!.inputs).toEqual({ right: 'place' });
    draft = removeNode(draft, 'place');
    expect(draft.nodes.find((n) => n.id === 'spatial_join')!.inputs).toEqual({});
    draft = removeNode(draft, 'out');
    expect(draft.output).toBe('');
  });

  it('sets and clears config fields; empty configs and inputs are left out of the document', () => {
    let { draft } = addNode(emptyDraft('demo'), 'limit', { x: 10.4, y: 20.6 });
    draft = setConfigField(draft, 'limit', 'count', { $param: 'n' });
    expect(documentFromDraft(draft).nodes[0]).toEqual({
      id: 'limit',
      component: 'limit',
      config: { count: { $param: 'n' } },
      position: { x: 10, y: 21 },
    });
    draft = setConfigField(draft, 'limit', 'count', undefined);
    expect(documentFromDraft(draft).nodes[0]).not.toHaveProperty('config');
  });
});
