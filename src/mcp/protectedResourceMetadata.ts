import type { MeridianConfig } from '../config.ts';
import { ALL_SCOPES } from '../auth/scopes.ts';

/** The issuer of our authorization server: the public URL without a trailing slash. */
export function issuerOf(config: MeridianConfig): string {
  return config.publicUrl.href.replace(/\/$/, '');
}

export function resourceMetadataUrlOf(config: MeridianConfig): string {
  return `${issuerOf(config)}/.well-known/oauth-protected-resource${config.mcpUrl.pathname}`;
}

/** RFC 9728 metadata for /mcp, built only from configuration (never from request headers). */
export function protectedResourceMetadata(config: MeridianConfig) {
  return {
    resource: config.mcpUrl.href,
    authorization_servers: [issuerOf(config)],
    scopes_supported: ALL_SCOPES,
    bearer_methods_supported: ['header'],
    resource_name: 'Meridian',
    resource_documentation: `${issuerOf(config)}/`,
  };
}
