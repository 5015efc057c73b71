import { describe, expect, it } from 'vitest';
import { createNonce, MarkerReader, type Marker } from '../../../src/targets/remote/markers.js';

function read(nonce: string, chunks: readonly Buffer[]): { output: Buffer; markers: Marker[] } {
  const output: Buffer[] = [];
  const markers: Marker[] = [];
  const reader = new MarkerReader(
    nonce,
    (chunk) => output.push(chunk),
    (marker) => markers.push(marker),
  );
  for (const chunk of chunks) reader.push(chunk);
  reader.end();
  return { output: Buffer.concat(output), markers };
}

/** Every way of cutting `data` into two chunks. */
function splits(data: Buffer): Buffer[][] {
  return Array.from({ length: data.length + 1 }, (_, at) => [data.subarray(0, at), data.subarray(at)]);
}

describe('MarkerReader', () => {
  const nonce = 'abc123';

  it('takes markers with its nonce out of the stream wherever the chunks are cut', () => {
    const data = Buffer.from('one\x1eabc123:p:42\x1etwo\x1eabc123:x:3:0\x1e', 'latin1');
    for (const chunks of splits(data)) {
      const { output, markers } = read(nonce, chunks);
      expect(output.toString('latin1')).toBe('onetwo');
      expect(markers).toEqual([
        { kind: 'p', fields: ['42'] },
        { kind: 'x', fields: ['3', '0'] },
      ]);
    }
  });

  it('passes bytes that look like markers but carry another nonce through unchanged', () => {
    const data = Buffer.from('a\x1eabc124:x:0:0\x1eb\x1efanout:x:0\x1e\x1e\x1eabc12', 'latin1');
    for (const chunks of splits(data)) {
      const { output, markers } = read(nonce, chunks);
      expect(output.equals(data)).toBe(true);
      expect(markers).toEqual([]);
    }
  });

  it('passes binary output through byte-exact', () => {
    const data = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const { output } = read(nonce, [data.subarray(0, 1000), data.subarray(1000)]);
    expect(output.equals(data)).toBe(true);
  });

  it('makes a different nonce each time', () => {
    expect(createNonce()).not.toBe(createNonce());
    expect(createNonce()).toMatch(/^[0-9a-f]{24}$/);
  });
});
