import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Spl, SplOptions } from 'spl.js';

type SplFactory = (options?: SplOptions) => Promise<Spl>;

const RELAXED = 'SPATIALITE_SECURITY="relaxed"';

/**
 * Loads spl.js with SPATIALITE_SECURITY=strict.
 *
 * spl.js 1.0.1 hard-codes `ENV.SPATIALITE_SECURITY = 'relaxed'` in its Emscripten preRun, which
 * registers BlobFromFile, BlobToFile, eval, ImportSHP/ExportSHP, ImportDXF, ExportGeoJSON… on
 * every connection. SpatiaLite reads the variable when it registers its functions, and nothing
 * outside the bundle can change the Emscripten environment, so we load the bundle's source with
 * that one literal changed (and `import.meta.url` pinned to the real file, so the .wasm is still
 * found). If the literal is not found exactly once (another spl.js version), we refuse to start
 * rather than run relaxed: the worker also verifies the functions are absent after opening.
 */
export async function loadStrictSpl(): Promise<{ SPL: SplFactory; projDir: string }> {
  const entryUrl = import.meta.resolve('spl.js');
  const entryPath = fileURLToPath(entryUrl);
  const source = readFileSync(entryPath, 'utf8');
  if (source.split(RELAXED).length !== 2) {
    throw new Error('unexpected spl.js build: cannot enforce SPATIALITE_SECURITY=strict (pin spl.js@1.0.1)');
  }
  const patched = source
    .replace(RELAXED, 'SPATIALITE_SECURITY="strict"')
    .replaceAll('import.meta.url', JSON.stringify(entryUrl));
  const mod = (await import(`data:text/javascript;base64,${Buffer.from(patched).toString('base64')}`)) as {
    default: SplFactory;
  };
  return { SPL: mod.default, projDir: join(dirname(entryPath), 'proj') };
}
