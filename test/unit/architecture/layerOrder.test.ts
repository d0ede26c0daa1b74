import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { layerOf, readLayerTable } from './layers.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const layers = readLayerTable(join(ROOT, 'docs/architecture.md'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'web' && dir === join(ROOT, 'src') ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Every module specifier the file names: static imports and exports (type-only ones too, they
 * still tie the layers together), `import()` calls and `import('…')` types.
 */
function specifiersOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    )
      found.push(node.moduleSpecifier.text);
    else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    )
      found.push(node.arguments[0].text);
    else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    )
      found.push(node.argument.literal.text);
    else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    )
      found.push(node.moduleReference.expression.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the layer order of docs/architecture.md', () => {
  it('is a table of levels 1 to 11 that knows the modules being moved into place', () => {
    expect(layers.map((l) => l.level)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (const layer of layers) expect(layer.paths, `level ${layer.level}`).not.toEqual([]);
    for (const path of [
      'src/buildApp.ts',
      'src/AppContext.ts',
      'src/workflowLibrary/workflowRepository.ts',
      'src/crypto/SecretBox.ts',
      'src/auth/webSession.ts',
      'src/http/html.ts',
      'src/maps/mapRepository.ts',
    ])
      expect(layerOf(layers, path), path).toBeDefined();
    expect(layerOf(layers, 'src/buildApp.ts')?.level).toBe(1);
    expect(layerOf(layers, 'src/AppContext.ts')?.level).toBe(4);
    expect(layerOf(layers, 'src/workflowLibrary/workflowVersionRepository.ts')?.level).toBe(7);
    expect(layerOf(layers, 'src/crypto/passwords.ts')?.level).toBe(11);
  });

  it('holds for every import in src/: down only, never up, never across where the table forbids', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      const from = relative(ROOT, file).split('\\').join('/');
      const own = layerOf(layers, from);
      if (!own) {
        violations.push(`${from}: not in the layer table`);
        continue;
      }
      for (const specifier of specifiersOf(file)) {
        if (!specifier.startsWith('.')) continue; // a package, not a layer
        const to = relative(ROOT, resolve(dirname(file), specifier))
          .split('\\')
          .join('/');
        if (!to.startsWith('src/')) continue;
        const target = layerOf(layers, to);
        if (!target) violations.push(`${from} → ${to}: the target is not in the layer table`);
        else if (target.level < own.level)
          violations.push(`${from} (level ${own.level}) → ${to} (level ${target.level}): imports up`);
        else if (target.level === own.level && target.path !== own.path && !own.across)
          violations.push(`${from} → ${to}: level ${own.level} entries never import each other`);
      }
    }
    expect([...new Set(violations)]).toEqual([]);
  });
});
