import { errors } from 'oidc-provider';
import { redirectUriProblem } from './redirectUriPolicy.ts';

/** Throws invalid_redirect_uri (oidc-provider derives that code from the "redirect_uris" prefix). */
export function assertRedirectUris(uris: unknown, maxCount: number): void {
  if (!Array.isArray(uris) || uris.length === 0)
    throw new errors.InvalidClientMetadata('redirect_uris must list at least one URI');
  if (uris.length > maxCount)
    throw new errors.InvalidClientMetadata(`redirect_uris: at most ${maxCount} may be registered`);
  for (const uri of uris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new errors.InvalidClientMetadata(`redirect_uris: ${problem}`);
  }
}
