// The auth module as the rest of Meridian sees it: token verification, the authenticated caller
// of a bearer token, sign-in, API tokens, scopes, and (loaded on demand) the OAuth server.
export { bearerCallerOf, type AuthMethod, type BearerCaller } from './BearerCaller.ts';
export type { BearerVerifier } from './BearerVerifier.ts';
export { createTokenVerifier } from './createTokenVerifier.ts';
export { StoreUnavailableError } from './StoreUnavailableError.ts';
export { ALL_SCOPES, DEFAULT_TOKEN_SCOPES, SCOPES, scopesForRole, type Scope } from './scopes.ts';
export { authenticatePassword, SIGN_IN_RATE_LIMIT } from './authenticatePassword.ts';
export { issueApiToken, TokenRequestError } from './issueApiToken.ts';
export { bootstrapFirstAdmin, type FirstAdmin } from './bootstrapFirstAdmin.ts';
export { loadOrCreateServerKey } from './serverKey.ts';
export { CALLBACK_PRESETS, ClientInputError, parseClientCallbacks } from './oauth/parseClientCallbacks.ts';
export { addSigningKey, retireOldSigningKeys } from './oauth/signingKeys.ts';
export type { OAuthServerOptions } from './oauth/registerOAuthServer.ts';
export { loadOAuthServer } from './loadOAuthServer.ts';
