/**
 * Commands on a terminal that the target's API opens without modes (Docker's `Tty`, Kubernetes' `tty`):
 * the exec's script sets the modes up first, and its output is read raw, from the end of that set-up on.
 */

/** Written once the terminal of a `tty` exec is set up: what comes before it is not the script's. */
const TTY_READY = '\x1efanout-tty-ready\x1e';

/**
 * Sets up the terminal of a `tty` exec as SSH's pty request does (see TTY_MODES in ssh/transport.ts): no
 * echo, no line editing, no signal characters, CR stays CR, newlines are written as they are. Neither Docker's
 * API nor Kubernetes' can set modes, so the script does it first and says when: input written before
 * would be echoed.
 */
export const TTY_SETUP = `stty -echo -icanon -isig -iexten -icrnl -ixon -onlcr 2>/dev/null; printf '\\036fanout-tty-ready\\036'\n`;

/**
 * The output of a `tty` exec: dropped up to TTY_READY (the terminal set-up's own), then handed on as it is.
 */
export function rawTtyOutput(
  onOutput: (chunk: Buffer) => void,
  ready: () => void,
): { push(chunk: Buffer): void; end(): void } {
  let head: Buffer | undefined = Buffer.alloc(0);
  return {
    push(chunk) {
      if (head === undefined) return onOutput(chunk);
      head = Buffer.concat([head, chunk]);
      const at = head.indexOf(TTY_READY);
      if (at < 0) return;
      const rest = head.subarray(at + TTY_READY.length);
      head = undefined;
      ready();
      if (rest.length > 0) onOutput(rest);
    },
    end() {
      // Ended before the set-up said so: what it wrote explains why.
      if (head !== undefined && head.length > 0) onOutput(head);
    },
  };
}
