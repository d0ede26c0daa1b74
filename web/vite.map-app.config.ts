import { defineConfig } from 'vite';
import { viteSingleFile } from 'vite-plugin-singlefile';
import { fileURLToPath } from 'node:url';

/**
 * The MCP Apps view of render_map: one self-contained HTML file (scripts, styles and MapLibre
 * inlined) because the host loads it from a ui:// resource into a sandboxed iframe that may
 * fetch nothing the resource does not declare.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./map-app', import.meta.url)),
  plugins: [viteSingleFile()],
  build: {
    outDir: fileURLToPath(new URL('./dist/map-app', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
  },
});
