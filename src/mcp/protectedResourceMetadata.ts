import type { MeridianConfig } from '../config.ts';
import { ALL_SCOPES } from '../auth/index.ts';

export function resourceMetadataUrlOf(config: MeridianConfig): string {
  return `${config.issuer}/.well-known/oauth-protected-resource${config.mcpUrl.pathname}`;
}

/** RFC 9728 metadata for /mcp, built only from configuration (never from request headers). */
export function protectedResourceMetadata(config: MeridianConfig) {
  return {
    resource: config.mcpUrl.href,
    authorization_servers: [config.issuer],
    scopes_supported: ALL_SCOPES,
    bearer_methods_supported: ['header'],
    resource_name: 'Meridian',
    resource_documentation: `${config.issuer}/`,
  };
}
