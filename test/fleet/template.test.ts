import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { expandTemplate } from '../../src/fleet/input/template.js';
import { parseTemplate } from '../../src/fleet/template.js';
import { HOSTILE } from '../support/hostile.js';

/** Runs a command line with `sh` (given on stdin, so that long lines fit) and returns its stdout. */
function sh(command: string): string {
  return execFileSync('sh', { input: command, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
}

describe('expandTemplate', () => {
  it.each(HOSTILE)('passes %s as exactly one argument where {} stands bare', (_name, value) => {
    expect(sh(expandTemplate(`printf '%s\\0' {}`, [value], 1))).toBe(`${value}\0`);
  });

  it.each(HOSTILE)('keeps %s as exactly the text inside single quotes', (_name, value) => {
    expect(sh(expandTemplate(`printf '%s' 'file: {}!'`, [value], 1))).toBe(`file: ${value}!`);
  });

  it.each(HOSTILE)('keeps %s as exactly the text inside double quotes', (_name, value) => {
    expect(sh(expandTemplate(`printf '%s' "file: {} $((1 + 1))"`, [value], 1))).toBe(`file: ${value} 2`);
  });

  it.each(HOSTILE)('passes %s through a command substitution inside double quotes', (_name, value) => {
    const output = sh(expandTemplate(`printf '%s' "<$(printf '%s' "{}" '{}' {})>"`, [value], 1));
    expect(output).toBe(`<${`${value}${value}${value}`.replace(/\n+$/, '')}>`);
  });

  it('stops the injections that reached the shell through quoted {}', () => {
    expect(sh(expandTemplate('echo "file: {}"', ['$(id -un)'], 1))).toBe('file: $(id -un)\n');
    expect(sh(expandTemplate("echo '{}'", ['x; id -un; echo'], 1))).toBe('x; id -un; echo\n');
  });

  it('appends the arguments, quoted, when the template has no {}', () => {
    expect(expandTemplate('gzip -k', ['my file', 'b'], 1)).toBe("gzip -k 'my file' b");
    expect(expandTemplate('echo {#}', ['a b'], 7)).toBe("echo 7 'a b'");
  });

  it('replaces {#} with the sequence number in any context', () => {
    expect(sh(expandTemplate(`printf '%s|' {#} '{#}' "{#}" {}`, ['x'], 42))).toBe('42|42|42|x|');
  });

  it.each([
    ['inside backticks', 'echo `cat {}`'],
    ['inside ${…}', 'echo ${X:-{}}'],
    ['in a here-document', 'cat <<EOF\n{}\nEOF'],
  ])('refuses {} %s with a usage error naming its offset', (where, template) => {
    expect(() => expandTemplate(template, ['x'], 1)).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(where) }),
    );
    expect(() => expandTemplate(template, ['x'], 1)).toThrow(`offset ${template.indexOf('{}')}`);
  });

  it('tells each replacement string its context', () => {
    expect(parseTemplate(`a {} '{1}' "{/.}" $(b {#})`)).toEqual([
      { text: 'a ' },
      { token: '{}', context: 'plain', position: 2 },
      { text: " '" },
      { token: '{1}', context: 'single', position: 6 },
      { text: `' "` },
      { token: '{/.}', context: 'double', position: 12 },
      { text: '" $(b ' },
      { token: '{#}', context: 'plain', position: 22 },
      { text: ')' },
    ]);
  });
});
