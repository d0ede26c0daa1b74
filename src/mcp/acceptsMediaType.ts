/**
 * Whether an Accept header admits a media type (`type/subtype`), wildcards included and `q=0`
 * ranges excluded. Both protocol generations require clients to list application/json and
 * text/event-stream, because the server chooses per request which one it answers with.
 */
export function acceptsMediaType(accept: string, mediaType: string): boolean {
  const [type] = mediaType.split('/');
  return accept.split(',').some((part) => {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) return false;
    return range === mediaType || range === `${type}/*` || range === '*/*';
  });
}
