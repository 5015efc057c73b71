import { FanoutError, type FanoutErrorOptions } from '../errors.js';

/**
 * A file transfer failed. `code` says why: SOURCE_NOT_FOUND, UNSAFE_PATH (an entry would land outside the
 * destination), CHECKSUM_MISMATCH, TIMEOUT, ABORTED, or TRANSFER_FAILED (the file system refused: no
 * permission, disk full …). `path` is the file concerned, on the side where it failed.
 */
export class TransferError extends FanoutError {
  override name = 'TransferError';
  readonly path: string | undefined;

  constructor(message: string, options: FanoutErrorOptions & { readonly path?: string | undefined }) {
    super(message, options);
    this.path = options.path;
  }
}
