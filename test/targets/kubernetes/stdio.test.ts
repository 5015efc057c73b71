import { describe, expect, it } from 'vitest';
import { createHeaderFilter } from '../../../src/targets/kubernetes/stdio.js';
import type { WrapperHeader } from '../../../src/targets/kubernetes/wrapper.js';

function run(chunks: readonly string[]) {
  const headers: (WrapperHeader | undefined)[] = [];
  const output: Buffer[] = [];
  const filter = createHeaderFilter(
    (header) => headers.push(header),
    (chunk) => output.push(chunk),
  );
  for (const chunk of chunks) filter.push(Buffer.from(chunk));
  filter.flush();
  return { headers, output: Buffer.concat(output).toString() };
}

describe('createHeaderFilter', () => {
  it.each([
    [['fanout-k8s 5 5\nhello'], 'hello'],
    [['fan', 'out-k8s 5', ' 5\n', 'hel', 'lo'], 'hello'],
    [['fanout-k8s 5 5\n'], ''],
  ])('cuts the header off %j, however it is split', (chunks, output) => {
    expect(run(chunks)).toEqual({ headers: [{ kind: 'started', pid: 5, pgid: 5 }], output });
  });

  it('delivers a first line that is not the header as output', () => {
    expect(run(['not a header\nrest'])).toEqual({ headers: [undefined], output: 'not a header\nrest' });
  });

  it('delivers output that never ends its first line', () => {
    expect(run(['no newline'])).toEqual({ headers: [], output: 'no newline' });
  });
});
