/* eslint-disable @typescript-eslint/no-explicit-any -- oidc-provider's models are untyped */
import type Provider from 'oidc-provider';

/**
 * oidc-provider redeems a code when the request's redirect_uri equals the code's, without asking
 * whether the client still lists that callback. A client ID metadata document can drop a
 * callback while a code issued to it is outstanding (SECURITY-TESTS C12): the code must then be
 * void, like the consent given for it. Returns the error body to answer with, or undefined to
 * let the token endpoint proceed (anything it cannot look up is left to the endpoint itself).
 */
export async function refuseCodeForRemovedCallback(
  provider: Provider,
  form: string | undefined,
): Promise<{ error: string; error_description: string } | undefined> {
  if (!form) return undefined;
  const params = new URLSearchParams(form);
  const codeValue = params.get('code');
  if (params.get('grant_type') !== 'authorization_code' || !codeValue) return undefined;
  try {
    const code = (await (provider as any).AuthorizationCode.find(codeValue, { ignoreExpiration: true })) as
      { clientId: string; redirectUri: string } | undefined;
    if (!code) return undefined;
    // For a CIMD client this is the current document (cached within MERIDIAN_CIMD_CACHE_MIN).
    const client = (await provider.Client.find(code.clientId)) as
      { redirectUriAllowed(uri: string): boolean } | undefined;
    if (!client || client.redirectUriAllowed(code.redirectUri)) return undefined;
  } catch {
    return undefined;
  }
  return {
    error: 'invalid_grant',
    error_description:
      'the callback URL this code was issued for is no longer registered by the client; start the sign-in again',
  };
}
