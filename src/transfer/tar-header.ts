/** What a tar header describes: the entry types fanout moves (files, directories, symbolic links). */
export interface TarHeader {
  /** Relative POSIX path; directories without a trailing slash. */
  readonly path: string;
  readonly type: 'file' | 'directory' | 'symlink' | 'other';
  readonly mode: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly linkTarget: string;
}

export const BLOCK = 512;

const TYPE_FLAGS = { file: '0', directory: '5', symlink: '2' } as const;

function writeString(block: Buffer, offset: number, length: number, value: string): void {
  block.write(value, offset, length, 'utf8');
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  writeString(block, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

function fitsUstar(value: string, limit: number): boolean {
  return Buffer.byteLength(value) <= limit && !value.includes('\0');
}

function ustarBlock(header: TarHeader, flag: string, name: string, size: number, link: string): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, header.mode & 0o7777);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, Math.max(0, Math.floor(header.mtimeMs / 1000)));
  writeString(block, 148, 8, '        ');
  writeString(block, 156, 1, flag);
  writeString(block, 157, 100, link);
  writeString(block, 257, 8, 'ustar\u000000');
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length++;
  return `${length}${body}`;
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/**
 * The header blocks of one entry: a ustar header, preceded by a PAX extended header when the path, the link
 * target or the size does not fit ustar's fields.
 *
 * @example
 * const blocks = encodeTarHeader({ path: 'a.txt', type: 'file', mode: 0o644, size: 3, mtimeMs: 0, linkTarget: '' });
 */
export function encodeTarHeader(header: TarHeader): Buffer {
  if (header.type === 'other')
    throw new TypeError(`Cannot archive ${header.path}: not a file, directory or link`);
  const name = header.type === 'directory' ? `${header.path}/` : header.path;
  const size = header.type === 'file' ? header.size : 0;
  const records: string[] = [];
  if (!fitsUstar(name, 100)) records.push(paxRecord('path', name));
  if (!fitsUstar(header.linkTarget, 100)) records.push(paxRecord('linkpath', header.linkTarget));
  if (size > 0o77777777777) records.push(paxRecord('size', String(size)));
  const main = ustarBlock(
    header,
    TYPE_FLAGS[header.type],
    records.length > 0 ? name.slice(0, 99) : name,
    size > 0o77777777777 ? 0 : size,
    header.linkTarget.length > 100 ? '' : header.linkTarget,
  );
  if (records.length === 0) return main;
  const pax = Buffer.from(records.join(''));
  const paxHeader = ustarBlock(header, 'x', 'PaxHeader', pax.length, '');
  return Buffer.concat([paxHeader, pax, Buffer.alloc(padding(pax.length)), main]);
}

/** Zero bytes that round `size` up to a whole block. */
export function blockPadding(size: number): Buffer {
  return Buffer.alloc(padding(size));
}

function readString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

function readNumber(block: Buffer, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  // GNU base-256 for values that do not fit in octal.
  if ((field[0] ?? 0) & 0x80) {
    let value = (field[0] ?? 0) & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + (field[i] ?? 0);
    return value;
  }
  const text = readString(block, offset, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** Parses PAX records (`<length> key=value\n`). */
export function parsePaxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const length = Number(data.subarray(offset, space).toString('latin1'));
    if (space === -1 || !Number.isInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    offset += length;
  }
  return records;
}

/** A raw header block: its flag and fields, before PAX or GNU long names are applied. */
export interface RawTarHeader {
  readonly flag: string;
  readonly name: string;
  readonly mode: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly linkName: string;
}

/**
 * Decodes one header block; undefined for an all-zero block (the end of the archive). Throws on a bad
 * checksum: a corrupt archive must not be extracted.
 */
export function decodeTarBlock(block: Buffer): RawTarHeader | undefined {
  if (block.every((byte) => byte === 0)) return undefined;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (block[i] ?? 0);
  if (sum !== readNumber(block, 148, 8)) throw new Error('Corrupt tar archive: header checksum mismatch');
  const prefix = block.subarray(257, 263).toString('latin1').startsWith('ustar')
    ? readString(block, 345, 155)
    : '';
  const name = readString(block, 0, 100);
  return {
    flag: readString(block, 156, 1) || '0',
    name: prefix ? `${prefix}/${name}` : name,
    mode: readNumber(block, 100, 8),
    size: readNumber(block, 124, 12),
    mtimeMs: readNumber(block, 136, 12) * 1000,
    linkName: readString(block, 157, 100),
  };
}
