import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { $ } from '../../src/dollar.js';
import { within } from '../../src/shell/options.js';
import { processesMatching, uniqueSleep } from '../support/processes.js';

describe('.stdin()', () => {
  it('refuses a value it does not take with a TypeError, before anything starts', () => {
    for (const input of [42, { text: 'x' }, ['a'], new Uint16Array(2), null, true]) {
      const { command, marker } = uniqueSleep();
      const created = $.run(command);
      expect(() => created.stdin(input as never), String(input)).toThrow(TypeError);
      expect(() => created.stdin(input as never)).toThrow(/`stdin` to be a string, a Buffer or a Readable/);
      expect(created.started).toBe(false);
      expect(processesMatching(marker)).toEqual([]);
    }
    expect(() => within({ stdin: 7 as never }, () => undefined)).toThrow(TypeError);
  });

  it('takes a string, a Buffer and a Readable stream', async () => {
    expect(await $`cat`.stdin('text').text()).toBe('text');
    expect(await $`cat`.stdin(Buffer.from('bytes')).text()).toBe('bytes');
    expect(await $`cat`.stdin(Readable.from(['a', 'b'])).text()).toBe('ab');
  });
});
