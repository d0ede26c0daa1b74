import { readFileSync } from 'node:fs';

/**
 * The layer table of docs/architecture.md, parsed: the doc is the one place it is written, so
 * the rule people read and the rule this test enforces cannot drift apart.
 */
export interface Layer {
  level: number;
  /** `src/…` paths; one ending in `/` is a directory and covers every file under it. */
  paths: string[];
  /** Whether different paths of this level may import each other (the faces may not). */
  across: boolean;
}

export function readLayerTable(architectureDoc: string): Layer[] {
  const text = readFileSync(architectureDoc, 'utf8');
  const start = text.indexOf('<!-- layer-table:start -->');
  const end = text.indexOf('<!-- layer-table:end -->');
  if (start < 0 || end < start) throw new Error(`${architectureDoc} has no layer table markers`);
  const layers: Layer[] = [];
  for (const line of text.slice(start, end).split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // | level | paths | across |  →  ['', level, paths, across, '']
    const level = Number(cells[1]);
    if (cells.length < 5 || !Number.isInteger(level) || level < 1) continue;
    const paths = [...(cells[2] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    layers.push({ level, paths, across: cells[3] !== 'no' });
  }
  return layers;
}

/** The table entry a repository path (`src/jobs/JobRunner.ts`) belongs to: the longest match. */
export function layerOf(
  layers: Layer[],
  file: string,
): { level: number; path: string; across: boolean } | undefined {
  let best: { level: number; path: string; across: boolean } | undefined;
  for (const layer of layers) {
    for (const path of layer.paths) {
      const matches = path.endsWith('/') ? file.startsWith(path) : file === path;
      if (matches && (!best || path.length > best.path.length))
        best = { level: layer.level, path, across: layer.across };
    }
  }
  return best;
}
