import { expect } from 'vitest';
import { upload, type TransferTarget } from '../../src/transfer/transfer.js';
import type { FaultProxy } from '../support/fault-proxy.js';

/**
 * Uploads `source` to `remote` on a target reached through `proxy`, resetting the connection once 8 MiB have
 * gone (the source must be larger), and returns the upload's error. The proxy stays faulty: the target is out
 * of reach until the caller heals it, as in an outage, so the upload cannot clean up through it.
 */
export async function cutUpload(
  target: TransferTarget,
  source: string,
  remote: string,
  proxy: FaultProxy,
): Promise<unknown> {
  let cut = false;
  const error = await upload(target, source, remote, {
    onProgress: ({ bytes }) => {
      if (!cut && bytes > 8 * 1024 * 1024) {
        cut = true;
        proxy.fault({ kind: 'reset' });
      }
    },
  }).catch((e: unknown) => e);
  expect(cut).toBe(true);
  return error;
}
