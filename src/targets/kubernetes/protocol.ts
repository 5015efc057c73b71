/**
 * The Kubernetes exec channel protocol (`v4.channel.k8s.io`, `v5.channel.k8s.io`): every binary WebSocket
 * message starts with one byte naming its channel. v5 adds a close message (`255`, channel) that ends one
 * direction of a channel: the only way to send end-of-file on stdin without closing the socket.
 */
export const Channel = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4, close: 255 } as const;

/** The subprotocol that can close stdin. */
export const PROTOCOL_WITH_CLOSE = 'v5.channel.k8s.io';

/** Largest stdin payload per message. */
const MAX_FRAME = 64 * 1024;

/**
 * Prefixes data with its channel byte, split into messages of at most 64 KiB of payload.
 *
 * @example
 * encodeFrames(Channel.stdin, Buffer.from('hi')) // [<Buffer 00 68 69>]
 */
export function encodeFrames(channel: number, data: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let start = 0; start < data.length; start += MAX_FRAME) {
    const payload = data.subarray(start, start + MAX_FRAME);
    frames.push(Buffer.concat([Buffer.of(channel), payload]));
  }
  return frames;
}

/**
 * The v5 message that closes one channel.
 *
 * @example
 * encodeClose(Channel.stdin) // <Buffer ff 00>
 */
export function encodeClose(channel: number): Buffer {
  return Buffer.of(Channel.close, channel);
}

/** How the status channel says the command ended. */
export type ExecOutcome =
  | { readonly kind: 'exited'; readonly exitCode: number }
  /** The server could not run the command (no such executable, container gone …): `message` says why. */
  | { readonly kind: 'failed'; readonly reason: string; readonly message: string };

interface StatusCause {
  readonly reason?: unknown;
  readonly message?: unknown;
}

interface StatusBody {
  readonly status?: unknown;
  readonly reason?: unknown;
  readonly message?: unknown;
  readonly details?: { readonly causes?: readonly StatusCause[] };
}

/**
 * Reads the JSON `Status` the server sends on channel 3: `Success` is exit 0, `NonZeroExitCode` carries the
 * code as an `ExitCode` cause. Returns undefined when the message is not a Status it can read, so that the
 * caller reports an unknown outcome instead of guessing one.
 *
 * @example
 * parseExecStatus('{"status":"Success"}') // { kind: 'exited', exitCode: 0 }
 */
export function parseExecStatus(text: string): ExecOutcome | undefined {
  let body: StatusBody;
  try {
    body = JSON.parse(text) as StatusBody;
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  if (body.status === 'Success') return { kind: 'exited', exitCode: 0 };
  if (body.status !== 'Failure') return undefined;
  const reason = typeof body.reason === 'string' ? body.reason : '';
  const message = typeof body.message === 'string' ? body.message : '';
  if (reason === 'NonZeroExitCode') {
    const cause = body.details?.causes?.find((each) => each.reason === 'ExitCode');
    const code = typeof cause?.message === 'string' ? Number(cause.message) : Number.NaN;
    return Number.isInteger(code) && code >= 0 ? { kind: 'exited', exitCode: code } : undefined;
  }
  return { kind: 'failed', reason, message };
}
