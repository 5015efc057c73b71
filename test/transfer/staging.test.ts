import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { needsSweep, rememberOrphans, sweepStaging } from '../../src/transfer/staging.js';
import { scratch } from './tree.js';

const OWN = 'aaaaaaaaaaaa';

/** A destination `app` in a fresh directory, with staged copies of it and of look-alike names beside it. */
function stage(): string {
  const dir = scratch();
  mkdirSync(join(dir, 'app'));
  mkdirSync(join(dir, `.fanout-${OWN}.app`));
  mkdirSync(join(dir, '.fanout-0123456789ab.app/sub'), { recursive: true });
  writeFileSync(join(dir, '.fanout-0123456789ab.app/sub/file'), 'x');
  writeFileSync(join(dir, '.fanout-cdef01234567.app'), 'x');
  // Staged copies of `my.app` and `app.old`, and a name that is no nonce: never a staged copy of `app`.
  writeFileSync(join(dir, '.fanout-0123456789ab.my.app'), 'x');
  writeFileSync(join(dir, '.fanout-0123456789ab.app.old'), 'x');
  writeFileSync(join(dir, '.fanout-mine.app'), 'x');
  return dir;
}

const sweep = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' });

describe('the staging sweep before an upload', () => {
  it('removes the staged copies of the destination that are stale, never its own or another name’s', () => {
    const dir = stage();
    // Every staged copy counts as stale here (nothing changed "more than -1 s ago").
    expect(sweep(sweepStaging('t1', join(dir, 'app'), OWN, -1).script)).toBe('');
    expect(readdirSync(dir).sort()).toEqual([
      '.fanout-0123456789ab.app.old',
      '.fanout-0123456789ab.my.app',
      `.fanout-${OWN}.app`,
      '.fanout-mine.app',
      'app',
    ]);
  });

  it('keeps staged copies in which something changed recently: they may belong to a live upload', () => {
    const dir = stage();
    const before = readdirSync(dir).sort();
    sweep(sweepStaging('t2', join(dir, 'app'), OWN).script);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('removes the staged copy of a failed upload of this process at the next upload to the same target, once', () => {
    const dir = stage();
    const failed = join(dir, '.fanout-0123456789ab.other');
    writeFileSync(failed, 'x');
    rememberOrphans('t3', [failed]);
    const first = sweepStaging('t3', join(dir, 'app'), OWN);
    first.done(false);
    // Not run: the next sweep still has it.
    sweep(sweepStaging('t3', join(dir, 'app'), OWN).script);
    expect(readdirSync(dir)).not.toContain('.fanout-0123456789ab.other');
    expect(readdirSync(dir)).toContain('.fanout-0123456789ab.app');
    expect(sweepStaging('t3', join(dir, 'app'), OWN).script).not.toContain('other');
  });

  it('is needed only when the destination has a staged sibling not its own, or this process left some', () => {
    const root = '/srv/app';
    const look = ['app', `.fanout-${OWN}.app`, '.fanout-0123456789ab.my.app', '.fanout-mine.app', 'other'];
    expect(needsSweep('t4', root, OWN, look)).toBe(false);
    expect(needsSweep('t4', root, OWN, [...look, '.fanout-0123456789ab.app'])).toBe(true);
    rememberOrphans('t4', ['/elsewhere/.fanout-0123456789ab.x']);
    expect(needsSweep('t4', root, OWN, look)).toBe(true);
  });
});
