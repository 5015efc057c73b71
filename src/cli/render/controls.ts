/** C0 controls but tab, DEL, and C1 controls: what a terminal may act on instead of showing. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;
const ALL_CONTROLS = new RegExp(CONTROLS.source, 'g');

function caret(char: string): string {
  const code = char.charCodeAt(0);
  if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
  if (code === 0x7f) return '^?';
  return `M-^${String.fromCharCode(code - 0x80 + 0x40)}`;
}

/**
 * Makes the control characters of a job's output line visible, as `cat -v` does (ESC → `^[`, CR → `^M`,
 * DEL → `^?`, C1 CSI → `M-^[`), so that a job cannot move the cursor, retitle or reprogram the terminal.
 * Tabs stay.
 *
 * @example
 * showControls('\x1b[31mred\x1b[0m') // '^[[31mred^[[0m'
 */
export function showControls(line: string): string {
  return CONTROLS.test(line) ? line.replace(ALL_CONTROLS, caret) : line;
}
