/**
 * A map that cannot be drawn as asked, with what to change. `field` is the dotted path of the
 * definition field at fault ("layers.0.style.colorBy.column"), so the workspace editor can point
 * at it (422 field errors) and a model can correct its render_map call. A busy server is not the
 * map's fault: `retryAfterSeconds` marks it (503 with Retry-After on HTTP).
 */
export class MapRenderError extends Error {
  override name = 'MapRenderError';

  constructor(
    message: string,
    readonly field?: string,
    /** Set when nothing is wrong with the map, only the server is busy: retry after this many seconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
