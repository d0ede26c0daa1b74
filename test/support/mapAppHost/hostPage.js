/* global window, document */
// A minimal MCP Apps host, run in the browser by test/support/mapAppHost/startMapAppHost.ts:
// it embeds the view in a sandboxed iframe (scripts only, opaque origin, the CSP comes with
// the view's HTTP response) and speaks to it through the SDK's own AppBridge, as a chat client
// would. Plain JS because the root tsconfig has no DOM types; esbuild bundles it for the page.
import { AppBridge, PostMessageTransport } from '@modelcontextprotocol/ext-apps/app-bridge';

const state = { openedLinks: [], sizes: [], initialized: false, bridge: null, iframe: null };
window.__host = state;

/** Loads the view and hands it `toolResult` once it says it is initialized. */
window.showMap = async (toolResult, hostContext = {}) => {
  state.iframe?.remove();
  const iframe = document.createElement('iframe');
  iframe.setAttribute('sandbox', 'allow-scripts');
  iframe.title = 'Meridian map';
  iframe.style.cssText = `border:0;width:${hostContext.containerDimensions?.width ?? 900}px;height:${hostContext.containerDimensions?.height ?? 560}px`;
  document.body.append(iframe);
  state.iframe = iframe;
  const bridge = new AppBridge(
    null,
    { name: 'meridian-test-host', version: '1.0.0' },
    { openLinks: {} },
    { hostContext },
  );
  state.bridge = bridge;
  bridge.onopenlink = async ({ url }) => {
    state.openedLinks.push(url);
    return {};
  };
  bridge.onsizechange = (size) => state.sizes.push(size);
  bridge.oninitialized = () => {
    state.initialized = true;
    void bridge.sendToolResult(toolResult);
  };
  // The WindowProxy outlives the navigation below, so the bridge listens before the view starts.
  await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
  state.loadStartedAt = performance.now();
  iframe.src = '/view.html';
};

window.setHostContext = (context) => state.bridge.setHostContext(context);
