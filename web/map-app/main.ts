// The MCP Apps view of render_map: connects to the host, receives the tool result
// (structuredContent = RenderedMap) and draws it with the shared renderer.
import {
  App,
  applyDocumentTheme,
  applyHostStyleVariables,
  type McpUiHostContext,
} from '@modelcontextprotocol/ext-apps';
import type { RenderedMap } from '../../src/maps/renderedMap.ts';
import { mountMap, type MountedMap } from '../shared/map/mountMap.ts';
import { useInThreadWorker } from '../shared/map/inThreadWorker.ts';
import './view.css';

// Marks read by bench/mapFirstPaint.ts to split first paint into its parts.
performance.mark('meridian:script');

// The host's CSP leaves no way to start a Web Worker here (see inThreadWorker.ts).
useInThreadWorker();

const DEFAULT_HEIGHT = 420;
const MAX_HEIGHT = 640;

const header = document.getElementById('header')!;
const titleEl = document.getElementById('title')!;
const openEl = document.getElementById('open') as HTMLButtonElement;
const messageEl = document.getElementById('message')!;
const mapEl = document.getElementById('map')!;

let mounted: MountedMap | null = null;
let rendered: RenderedMap | null = null;
let theme: 'light' | 'dark' = 'light';

const app = new App({ name: 'Meridian map', version: '1.0.0' }, {}, { autoResize: true });

let hostContext: McpUiHostContext = {};

/** Host context changes arrive as partial updates: merge them, then apply the whole. */
function applyContext(update: McpUiHostContext | undefined) {
  if (!update) return;
  const context = (hostContext = { ...hostContext, ...update });
  if (context.styles?.variables) applyHostStyleVariables(context.styles.variables);
  if (context.theme && context.theme !== theme) {
    theme = context.theme;
    applyDocumentTheme(theme);
    // The background colour is part of the map style: start over with the new one.
    if (rendered) draw(rendered, true);
  }
  // A map has no natural height: take the host's fixed height, or a sensible one under its maximum.
  const dims = context.containerDimensions as { height?: number; maxHeight?: number } | undefined;
  const height = dims?.height ?? Math.min(dims?.maxHeight ?? DEFAULT_HEIGHT, DEFAULT_HEIGHT, MAX_HEIGHT);
  document.documentElement.style.setProperty(
    '--map-height',
    `${Math.max(200, height - header.offsetHeight)}px`,
  );
  mounted?.maplibre.resize();
}

function isRenderedMap(value: unknown): value is RenderedMap {
  const v = value as RenderedMap | undefined;
  return !!v && typeof v === 'object' && Array.isArray(v.layers) && typeof v.title === 'string';
}

function showMessage(text: string) {
  messageEl.textContent = text;
  messageEl.hidden = false;
}

function draw(map: RenderedMap, restart = false) {
  rendered = map;
  messageEl.hidden = true;
  titleEl.textContent = map.title;
  openEl.hidden = !map.link;
  if (mounted && !restart) return mounted.update(map);
  mounted?.destroy();
  mounted = mountMap(mapEl, map, { theme });
  (window as unknown as { __meridianMap?: MountedMap }).__meridianMap = mounted;
}

app.ontoolresult = (result) => {
  performance.mark('meridian:tool-result');
  if (result.isError) {
    const text = result.content?.find((c) => c.type === 'text');
    return showMessage(text && 'text' in text ? text.text : 'The map could not be drawn.');
  }
  if (!isRenderedMap(result.structuredContent)) return showMessage('This tool result holds no map to draw.');
  draw(result.structuredContent);
};
app.ontoolcancelled = () => showMessage('The map was cancelled.');
app.onhostcontextchanged = (context) => applyContext(context);
app.onteardown = async () => {
  mounted?.destroy();
  mounted = null;
  return {};
};

openEl.addEventListener('click', () => {
  // A sandboxed frame cannot navigate the host; ask it to open the workspace page.
  if (rendered?.link) void app.openLink({ url: rendered.link });
});

showMessage('Waiting for the map…');
app
  .connect()
  .then(() => applyContext(app.getHostContext()))
  .catch((error: unknown) =>
    showMessage(`Could not connect to the host: ${error instanceof Error ? error.message : String(error)}`),
  );
