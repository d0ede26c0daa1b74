import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// docs/configuration.md is the reference for every setting: a variable added to the config
// schema without a line there fails here.
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

it('docs/configuration.md names every environment variable the config schema reads', () => {
  const config = readFileSync(join(root, 'src/config.ts'), 'utf8');
  const schema = /const envSchema = z\.object\(\{([\s\S]*?)\n\}\);/.exec(config);
  expect(schema).not.toBeNull();
  const variables = [...schema![1]!.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!);
  expect(variables.length).toBeGreaterThan(40);
  const reference = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
  expect(variables.filter((name) => !reference.includes(`\`${name}\``))).toEqual([]);
});
