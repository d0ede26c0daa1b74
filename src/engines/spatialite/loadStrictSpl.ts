import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db, Spl, SplOptions } from 'spl.js';

/** The few Emscripten exports `SplCursor` needs to drive a prepared statement itself. */
export interface SplModule {
  cwrap: (name: string, returns: string | null, args: string[]) => (...args: never[]) => unknown;
  _malloc: (bytes: number) => number;
  _free: (pointer: number) => void;
  stringToUTF8: (text: string, pointer: number, maxBytes: number) => void;
  lengthBytesUTF8: (text: string) => number;
  getValue: (pointer: number, type: 'i32') => number;
  setValue: (pointer: number, value: number, type: 'i32') => void;
  HEAP8: Int8Array;
}

/** spl.js with the two handles the patch below adds. */
export type StrictSpl = Spl & { module: SplModule };
export type StrictDb = Db & { pointer: number };
type SplFactory = (options?: SplOptions) => Promise<StrictSpl>;

/** Each patch is `[literal, replacement]`; the literal must occur exactly once in spl.js 1.0.1. */
const PATCHES: [string, string][] = [
  ['SPATIALITE_SECURITY="relaxed"', 'SPATIALITE_SECURITY="strict"'],
  // spl.js's `exec` reads a whole result into one array and has no step call, so streaming a
  // large result needs the sqlite3_* functions and the connection (`s` is the Emscripten module,
  // `a` the frozen-later Spl object, `b` the sqlite3* of one Db).
  ['return a.db=function(r){', 'a.module=s;return a.db=function(r){'],
  [
    'Object.defineProperty(this,"get",{get:()=>i}),',
    'Object.defineProperty(this,"get",{get:()=>i}),Object.defineProperty(this,"pointer",{get:()=>b}),',
  ],
];

/**
 * Loads spl.js with SPATIALITE_SECURITY=strict and with the handles `SplCursor` steps through.
 *
 * spl.js 1.0.1 hard-codes `ENV.SPATIALITE_SECURITY = 'relaxed'` in its Emscripten preRun, which
 * registers BlobFromFile, BlobToFile, eval, ImportSHP/ExportSHP, ImportDXF, ExportGeoJSON… on
 * every connection. SpatiaLite reads the variable when it registers its functions, and nothing
 * outside the bundle can change the Emscripten environment, so we load the bundle's source with
 * that one literal changed (and `import.meta.url` pinned to the real file, so the .wasm is still
 * found). If a literal is not found exactly once (another spl.js version), we refuse to start
 * rather than run relaxed: the worker also verifies the functions are absent after opening.
 */
export async function loadStrictSpl(): Promise<{ SPL: SplFactory; projDir: string }> {
  const entryUrl = import.meta.resolve('spl.js');
  const entryPath = fileURLToPath(entryUrl);
  let patched = readFileSync(entryPath, 'utf8');
  for (const [literal, replacement] of PATCHES) {
    if (patched.split(literal).length !== 2) {
      throw new Error(
        'unexpected spl.js build: cannot enforce SPATIALITE_SECURITY=strict (pin spl.js@1.0.1)',
      );
    }
    patched = patched.replace(literal, replacement);
  }
  patched = patched.replaceAll('import.meta.url', JSON.stringify(entryUrl));
  const mod = (await import(`data:text/javascript;base64,${Buffer.from(patched).toString('base64')}`)) as {
    default: SplFactory;
  };
  return { SPL: mod.default, projDir: join(dirname(entryPath), 'proj') };
}
