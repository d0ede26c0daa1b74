// Node 20 has no fs.globSync (Node 22 has); @modelcontextprotocol/conformance imports it by name.
// Preloaded with `node --import`, this redirects ES-module imports of 'fs' to a module that
// re-exports node:fs plus a globSync from the `glob` package. Node 22 needs none of this.
import { register } from 'node:module';
import fs from 'node:fs';

if (typeof fs.globSync !== 'function') {
  const withGlobSync = new URL('./fsWithGlobSync.mjs', import.meta.url).href;
  const hooks = `
    export async function resolve(specifier, context, next) {
      if ((specifier === 'fs' || specifier === 'node:fs') && context.parentURL !== ${JSON.stringify(withGlobSync)})
        return { url: ${JSON.stringify(withGlobSync)}, shortCircuit: true };
      return next(specifier, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
