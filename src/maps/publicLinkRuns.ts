/**
 * Jobs a public link's anonymous viewers cause are submitted as the user who enabled the link,
 * with this client id: `public-link:<map id>`. It is how the anonymous budget counts them and
 * how the jobs list labels them.
 */
export const PUBLIC_LINK_CLIENT_PREFIX = 'public-link:';

export function publicLinkClientId(mapId: string): string {
  return PUBLIC_LINK_CLIENT_PREFIX + mapId;
}

export function isPublicLinkClientId(clientId: string): boolean {
  return clientId.startsWith(PUBLIC_LINK_CLIENT_PREFIX);
}
