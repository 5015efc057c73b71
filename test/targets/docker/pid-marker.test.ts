import { describe, expect, it } from 'vitest';
import { buildExecArgv, PidMarker } from '../../../src/targets/docker/pid-marker.js';

function feed(chunks: string[]): { pid: number | undefined; stderr: string } {
  const marker = new PidMarker();
  const out = chunks.map((chunk) => marker.push(Buffer.from(chunk)));
  out.push(marker.end());
  return { pid: marker.pid, stderr: Buffer.concat(out).toString() };
}

describe('PidMarker', () => {
  it.each([
    [['fanout-pid=42\n'], 42, ''],
    [['fanout-pid=42\nerr\n'], 42, 'err\n'],
    [['fan', 'out-pid=4', '2', '\nerr', ' more\n'], 42, 'err more\n'],
    [['fanout-pid=7\n', 'fanout-pid=8\n'], 7, 'fanout-pid=8\n'],
    [['plain error\n'], undefined, 'plain error\n'],
    [['no newline at all'], undefined, 'no newline at all'],
    [['x'.repeat(100)], undefined, 'x'.repeat(100)],
    [[], undefined, ''],
  ])('takes the pid line off the front of %j', (chunks, pid, stderr) => {
    expect(feed(chunks)).toEqual({ pid, stderr });
  });
});

describe('buildExecArgv', () => {
  it('passes the command as an argument, never pasted into the script', () => {
    const argv = buildExecArgv(`echo '$$' "quoted"`);
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv.at(-1)).toBe(`echo '$$' "quoted"`);
    expect(argv[2]).not.toContain('quoted');
  });
});
