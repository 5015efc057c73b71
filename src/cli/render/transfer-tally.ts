import type { TransferProgress } from '../../index.js';
import { formatBytes } from '../format.js';

/**
 * Bytes and files moved so far by every transfer of a run (`push`, `pull`): what their progress adds to
 * the job counts. A retried transfer counts again what it sends again.
 *
 * @example
 * const tally = new TransferTally();
 * await upload(target, './dist', '/srv/app', { onProgress: tally.follow() });
 * tally.describe(performance.now()); // '3.4 MB (1.2 MB/s), 12 files'
 */
export class TransferTally {
  bytes = 0;
  files = 0;
  readonly #startedAt: number;

  constructor(now = performance.now()) {
    this.#startedAt = now;
  }

  /** An `onProgress` for one transfer: each report adds what that transfer moved since its previous one. */
  follow(): (progress: TransferProgress) => void {
    let bytes = 0;
    let files = 0;
    return (progress) => {
      this.bytes += progress.bytes - bytes;
      this.files += progress.files - files;
      bytes = progress.bytes;
      files = progress.files;
    };
  }

  /** `3.4 MB (1.2 MB/s), 12 files` */
  describe(now = performance.now()): string {
    const seconds = (now - this.#startedAt) / 1000;
    const rate = seconds > 0 ? ` (${formatBytes(this.bytes / seconds)}/s)` : '';
    return `${formatBytes(this.bytes)}${rate}, ${this.files} ${this.files === 1 ? 'file' : 'files'}`;
  }
}
