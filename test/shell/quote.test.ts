import { describe, expect, it } from 'vitest';
import { $ } from '../../src/index.js';
import { quote } from '../../src/internal/quote.js';
import { buildCommand, buildRawCommand } from '../../src/shell/template.js';
import { HOSTILE } from '../support/hostile.js';

/** Runs printf in the target shell and returns the arguments it received, NUL-separated. */
async function argvOf(...values: unknown[]): Promise<string[]> {
  const out = (await $`printf '%s\\0' ${values}`.buffer()).toString('utf8');
  return out.split('\0').slice(0, -1);
}

describe('quote', () => {
  it.each(HOSTILE)('passes %s to the program as exactly one argument', async (_name, value) => {
    expect(await argvOf(value)).toEqual([value]);
  });

  it('passes the whole hostile corpus in one command, argument for argument', async () => {
    const values = HOSTILE.map(([, value]) => value);
    expect(await argvOf(...values)).toEqual(values);
  });

  it('leaves plain words unquoted so command lines stay readable', () => {
    expect(quote('web-1.example.com:/srv/app')).toBe('web-1.example.com:/srv/app');
    expect(quote('a b')).toBe("'a b'");
    expect(quote('A=b')).toBe("'A=b'");
  });

  it('passes bytes that are not UTF-8, kept as lone surrogates U+DC80-U+DCFF, exactly', async () => {
    const out = await $`printf '%s|' ${['\uDCFF', "x\uDC80\uDC81'y", 'é\uDCC3']}`.buffer();
    expect([...out]).toEqual([0xff, 0x7c, 0x78, 0x80, 0x81, 0x27, 0x79, 0x7c, 0xc3, 0xa9, 0xc3, 0x7c]);
  });

  it('rejects a lone surrogate that does not stand for a byte', () => {
    expect(() => quote('a\uD800b')).toThrow(/lone surrogate/);
    expect(() => quote('a\uDC41')).toThrow(/lone surrogate/);
  });

  it('rejects a NUL byte', () => {
    expect(() => quote('a\0b')).toThrow(TypeError);
    expect(() => $`echo ${'a\0b'}`).toThrow(TypeError);
  });
});

describe('template', () => {
  it('expands an array into several quoted arguments', async () => {
    expect(await argvOf(['a b', 'c', "d'e"])).toEqual(['a b', 'c', "d'e"]);
  });

  it('expands an empty array into no arguments', async () => {
    expect(await $`set -- ${[]}; echo $#`.text()).toBe('0');
  });

  it('turns numbers and bigints into strings', () => {
    expect(buildCommand(['echo ', ' ', ''], [42, 10n ** 20n])).toBe('echo 42 100000000000000000000');
  });

  it('interpolates a command result as its trimmed stdout', async () => {
    const name = await $`echo '  two words  '`;
    expect(await argvOf(name)).toEqual(['two words']);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['an object', { a: 1 }],
    ['a boolean', true],
    ['a function', () => 1],
  ])('rejects %s with a TypeError naming its position', (_name, value) => {
    expect(() => buildCommand(['echo ', ' ', ''], ['ok', value])).toThrow(/interpolated value #2/);
  });

  it('pastes values unquoted with $.raw', async () => {
    expect(buildRawCommand(['', ''], ['echo 1'])).toBe('echo 1');
    expect(await $.raw`${'echo 1; echo 2'}`.lines()).toEqual(['1', '2']);
  });
});
