import { describe, expect, it } from 'vitest';
import { FrameDecoder, type DockerStreamKind } from '../../../src/targets/docker/frame-decoder.js';

function frame(type: number, payload: string | Buffer): Buffer {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(bytes.length, 4);
  return Buffer.concat([header, bytes]);
}

function decode(wire: Buffer, chunkSize: number): Record<DockerStreamKind, Buffer> {
  const parts: Record<DockerStreamKind, Buffer[]> = { stdin: [], stdout: [], stderr: [] };
  const decoder = new FrameDecoder((kind, bytes) => parts[kind].push(Buffer.from(bytes)));
  for (let offset = 0; offset < wire.length; offset += chunkSize) {
    decoder.push(wire.subarray(offset, offset + chunkSize));
  }
  decoder.end();
  return {
    stdin: Buffer.concat(parts.stdin),
    stdout: Buffer.concat(parts.stdout),
    stderr: Buffer.concat(parts.stderr),
  };
}

describe('FrameDecoder', () => {
  const binary = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));
  const wire = Buffer.concat([
    frame(1, 'out one\n'),
    frame(2, 'err one\n'),
    frame(1, binary),
    frame(1, ''),
    frame(2, Buffer.from([0, 1, 2, 0x0a])),
    frame(1, 'last'),
  ]);

  it.each([1, 3, 7, 8, 9, 64, 1024, wire.length])(
    'splits stdout and stderr byte-exact in %i-byte chunks',
    (size) => {
      const { stdout, stderr } = decode(wire, size);
      expect(stdout.equals(Buffer.concat([Buffer.from('out one\n'), binary, Buffer.from('last')]))).toBe(
        true,
      );
      expect(stderr.equals(Buffer.concat([Buffer.from('err one\n'), Buffer.from([0, 1, 2, 0x0a])]))).toBe(
        true,
      );
    },
  );

  it('rejects a frame of unknown type (a tty stream)', () => {
    const decoder = new FrameDecoder(() => {});
    expect(() => decoder.push(Buffer.from('hello world\n'))).toThrow(/unknown type/);
  });

  it.each([
    ['inside a header', frame(1, 'abc').subarray(0, 5)],
    ['inside a payload', frame(1, 'abc').subarray(0, 10)],
  ])('reports a stream that ends %s', (_, partial) => {
    const decoder = new FrameDecoder(() => {});
    decoder.push(partial);
    expect(() => decoder.end()).toThrow(/ended inside a frame/);
  });
});
