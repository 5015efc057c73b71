import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { modify, parseTemplate, renderTemplate } from '../../../src/fleet/input/index.js';

/** The arguments a POSIX shell hands to printf for a command: each between < and >. */
function shellArgs(command: string): string {
  return execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8' });
}

const render = (template: string, args: string[], seq = 1, repeat = false): string =>
  renderTemplate(parseTemplate(template), { args, seq, slot: 2 }, repeat);

describe('replacement strings', () => {
  it.each([
    ['', 'dir/sub/photo.tar.gz', 'dir/sub/photo.tar.gz'],
    ['.', 'dir/sub/photo.tar.gz', 'dir/sub/photo.tar'],
    ['/', 'dir/sub/photo.tar.gz', 'photo.tar.gz'],
    ['//', 'dir/sub/photo.tar.gz', 'dir/sub'],
    ['/.', 'dir/sub/photo.tar.gz', 'photo.tar'],
    ['.', 'dir.d/file', 'dir.d/file'],
    ['.', '.hidden', '.hidden'],
    ['//', 'file', '.'],
    ['//', '/file', '/'],
    ['/', 'file', 'file'],
  ] as const)('modifier %j turns %j into %j', (modifier, value, expected) => {
    expect(modify(value, modifier)).toBe(expected);
  });

  it.each([
    ['echo {}', ['a b'], "echo 'a b'"],
    ['echo {} {.} {/} {//} {/.}', ['d/x.gz'], 'echo d/x.gz d/x x.gz d x'],
    ['echo {1} {2} {3}', ['a', 'b', 'c'], 'echo a b c'],
    ['echo {2.} {2/} {2//} {2/.}', ['a', 'p/q.r'], 'echo p/q q.r p q'],
    ['echo {#} {%}', ['a'], 'echo 7 2 a'],
    ['echo', ['a', 'b c'], "echo a 'b c'"],
    ['awk "{print}" {}', ['f'], 'awk "{print}" f'],
    ['echo ${HOME} {}', ['f'], 'echo ${HOME} f'],
  ])('%j with %j is %j', (template, args, expected) => {
    expect(render(template, args, 7)).toBe(expected);
  });

  it('repeats the word holding {} once per argument with -X', () => {
    expect(render('rm -f pre{}.post other', ['a', 'b c'], 1, true)).toBe(
      "rm -f prea.post pre'b c'.post other",
    );
  });

  it.each(['{..}', '{+/}', '{=s/a/b/=}', '{1,2}', '{...}', '{-1}', '{0}'])(
    'refuses %s as unsupported',
    (text) => {
      expect(() => parseTemplate(`echo ${text}`)).toThrow(expect.objectContaining({ code: 'USAGE' }));
    },
  );

  const hostile = fc.string({ unit: 'binary', maxLength: 40 }).filter((value) => !value.includes('\0'));

  it('hands any value to the command as exactly one argument, outside, in single and in double quotes', () => {
    fc.assert(
      fc.property(hostile, hostile, (first, second) => {
        const cases: [string, string][] = [
          [`printf '<%s>' {1} '{1}' "{1}" {2}`, `<${first}><${first}><${first}><${second}>`],
          [`printf '<%s>' x'{1}'y "a{2}b" "$(printf '%s.' "{1}")"`, `<x${first}y><a${second}b><${first}.>`],
        ];
        for (const [template, expected] of cases)
          expect(shellArgs(render(template, [first, second]))).toBe(expected);
      }),
      { numRuns: 50 },
    );
  });
});
