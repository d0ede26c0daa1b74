import { MeridianError } from '../errors/MeridianError.ts';

/**
 * A map that cannot be drawn as asked, with what to change. `field` is the dotted path of the
 * definition field at fault ("layers.0.style.colorBy.column"), so the workspace editor can point
 * at it (422 field errors) and a model can correct its render_map call. A busy server is not the
 * map's fault: `retryAfterSeconds` marks it (503 with Retry-After on HTTP).
 */
export class MapRenderError extends MeridianError {
  override name = 'MapRenderError';
  override readonly code: string = 'map_render_failed';
  override readonly showable: boolean = true;

  constructor(
    message: string,
    override readonly field?: string,
    /** Set when nothing is wrong with the map, only the server is busy: retry after this many seconds. */
    override readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** 422 for a map to change; 503 (with Retry-After on HTTP) when only the server is busy. */
  override get status(): number {
    return this.retryAfterSeconds === undefined ? 422 : 503;
  }

  /** A busy server points at no field: nothing in the map is wrong. */
  override fieldErrors(): { field: string; message: string }[] | undefined {
    return this.retryAfterSeconds === undefined ? super.fieldErrors() : undefined;
  }
}
