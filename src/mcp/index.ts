/** The MCP module's interface: the /mcp routes, their options, and the origins a browser client may call from. */
export {
  registerMcpRoutes,
  defaultTools,
  BUILT_IN_TOOLS,
  CATALOG_LISTENER_APPLICATION_NAME,
  type McpRouteOptions,
} from './registerMcpRoutes.ts';
export type { McpEndpoint } from './McpEndpoint.ts';
export { trustedBrowserOrigins } from './trustedBrowserOrigins.ts';
