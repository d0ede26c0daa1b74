/**
 * The auth module's interface: who a request is (bearer tokens for /mcp, the workspace's web
 * session, password sign-in), the scopes a token may carry, API tokens, the first admin.
 *
 * The OAuth authorization server itself (`oauth/registerOAuthServer.ts`, `oauth/createOidcProvider.ts`)
 * is not re-exported: the app loads it lazily with a dynamic import, because oidc-provider is large
 * and warns on Node 20 at import time, which the CLI must not print.
 */
export { mcpCallerOf, type McpCaller, type AuthMethod } from './McpCaller.ts';
export { createTokenVerifier, type BearerVerifier } from './createTokenVerifier.ts';
export { StoreUnavailableError } from './StoreUnavailableError.ts';
export {
  SCOPES,
  ALL_SCOPES,
  DEFAULT_TOKEN_SCOPES,
  isScope,
  scopesForRole,
  parseScopes,
  effectiveScopes,
  type Scope,
} from './scopes.ts';
export { sessionCookie, currentSession, safeNextPath, redirectToSignIn, csrfValid } from './webSession.ts';
export { authenticatePassword, SIGN_IN_RATE_LIMIT } from './authenticatePassword.ts';
export { issueApiToken, TokenRequestError } from './issueApiToken.ts';
export { loadOrCreateServerKey } from './serverKey.ts';
export { bootstrapFirstAdmin, type FirstAdmin } from './bootstrapFirstAdmin.ts';
export { CALLBACK_PRESETS, ClientInputError, parseClientCallbacks } from './oauth/parseClientCallbacks.ts';
export { addSigningKey, retireOldSigningKeys } from './oauth/signingKeys.ts';
export type { OAuthServerOptions } from './oauth/registerOAuthServer.ts';
