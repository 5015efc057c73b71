/**
 * Text that keeps bytes which are not UTF-8: each such byte becomes a lone surrogate U+DC80–U+DCFF (as
 * Python's `surrogateescape`), so that a line of a file or a command-line argument reaches a command with its
 * exact bytes (see `quote`) instead of having them replaced by U+FFFD.
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A run of bytes kept as lone surrogates. */
export const RAW_BYTES = /[\uDC80-\uDCFF]+/gu;

/**
 * The text of `bytes`; each byte that is not part of valid UTF-8 becomes U+DC00 + byte.
 *
 * @example
 * decodeBytes(Buffer.from([0x61, 0xff])) // 'a\uDCFF'
 */
export function decodeBytes(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    let text = '';
    for (let index = 0; index < bytes.length;) {
      const lead = bytes[index]!;
      const size = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
      let char: string | undefined;
      if (size > 0 && index + size <= bytes.length) {
        try {
          char = strictUtf8.decode(bytes.subarray(index, index + size));
        } catch {
          char = undefined;
        }
      }
      if (char === undefined) {
        text += String.fromCharCode(0xdc00 + lead);
        index += 1;
      } else {
        text += char;
        index += size;
      }
    }
    return text;
  }
}

/** Whether `text` holds bytes that were not UTF-8 (or any other lone surrogate). */
export function hasRawBytes(text: string): boolean {
  return /\p{Cs}/u.test(text);
}

/**
 * A POSIX shell expression, to stand inside double quotes or bare, whose value is exactly the raw bytes of
 * `run` (lone surrogates U+DC80–U+DCFF): `$(printf '\377')`. `printf` writes octal escapes as bytes on every
 * shell, busybox's included, and a command substitution keeps them (only trailing newlines, never among
 * them, would be dropped).
 */
export function printfBytes(run: string): string {
  let octal = '';
  for (const char of run) octal += `\\${(char.charCodeAt(0) - 0xdc00).toString(8)}`;
  return `$(printf '${octal}')`;
}
