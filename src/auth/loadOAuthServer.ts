/**
 * The authorization server, loaded on demand: oidc-provider prints a runtime notice on import,
 * which CLI commands that never serve (user, token, client) should not show. So the auth index
 * hands out this loader, never the modules themselves.
 */
export async function loadOAuthServer() {
  const [{ registerOAuthServer }, { OAUTH_ROUTES }] = await Promise.all([
    import('./oauth/registerOAuthServer.ts'),
    import('./oauth/createOidcProvider.ts'),
  ]);
  return { registerOAuthServer, OAUTH_ROUTES };
}
