import { MeridianError } from '../errors/MeridianError.ts';

/**
 * A layer whose source the acting user may not read: saving it, or publishing the map by link,
 * would let the map show what that user cannot see. `field` is the definition path of the source
 * at fault ("layers.1.source.jobId"), so the editor can point at it.
 */
export class LayerAccessError extends MeridianError {
  override name = 'LayerAccessError';
  override readonly code: string = 'layer_access_denied';
  override readonly status: number = 403;
  override readonly showable: boolean = true;

  constructor(
    message: string,
    override readonly field: string,
  ) {
    super(message);
  }
}
