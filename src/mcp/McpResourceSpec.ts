import type { ReadResourceResult, ResourceMetadata } from '@modelcontextprotocol/server';

/**
 * A fixed resource every caller may read (today the MCP Apps map view: application code, no
 * organization data), registered on each per-request server.
 */
export interface McpResourceSpec {
  name: string;
  uri: string;
  metadata: ResourceMetadata;
  read(uri: URL): Promise<ReadResourceResult>;
}
