import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SpawnError } from '../../../src/errors.js';
import { encodeCommandWords, quoteWord } from '../../../src/targets/remote/words.js';

/** What `sh` makes of a line of quoted words after `read -r` and `eval "set -- $l"`. */
function readBack(line: string): string[] {
  const script = `nl='\n'; IFS= read -r l; eval "set -- $l"; for w in "$@"; do printf '%s\\0' "$w"; done`;
  const out = execFileSync('/bin/sh', ['-c', script], { input: `${line}\n` });
  return out.toString('utf8').split('\0').slice(0, -1);
}

describe('quoted words for the remote scripts', () => {
  it.each([["it's"], ['two\nlines\n'], ['$HOME `id` "q" \\ *'], [''], ['\t lead and trail \t']])(
    'keeps %j as one word on one line',
    (value) => {
      const word = quoteWord(value);
      expect(word).not.toContain('\n');
      expect(readBack(word)).toEqual([value]);
    },
  );

  it('encodes cwd, command and environment, with unsets', () => {
    const line = encodeCommandWords(
      { command: 'echo "$A"', cwd: '/srv', env: { A: 'x\ny', B: undefined } },
      'local',
    );
    expect(readBack(line)).toEqual(['/srv', 'echo "$A"', 'A', 'x\ny', '-B', '']);
  });

  it('refuses a name a shell cannot export, naming the target and the command', () => {
    const run = () => encodeCommandWords({ command: 'ls', cwd: '', env: { 'A-B': '1' } }, 'docker://app');
    expect(run).toThrow(SpawnError);
    expect(run).toThrow(
      expect.objectContaining({ code: 'SPAWN_FAILED', target: 'docker://app', command: 'ls' }),
    );
  });
});
