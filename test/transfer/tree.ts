import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh local directory for one test. */
export function scratch(prefix = 'fanout-transfer-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** A fresh directory on this machine that `user` owns: where an SSH fixture logging in as them may write. */
export function ownedScratch(user: string): string {
  const dir = scratch('fanout-remote-');
  execFileSync('chown', [user, dir]);
  return dir;
}

export const OLD_MTIME = new Date('2020-01-02T03:04:05Z');

/**
 * A small tree: an executable, a private file, a nested directory, a relative link inside the tree and a
 * link pointing out of it (which must travel as a link, never as what it points at).
 */
export function makeTree(root: string): void {
  mkdirSync(join(root, 'sub/deeper'), { recursive: true });
  writeFileSync(join(root, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  writeFileSync(join(root, 'secret'), 'key\n', { mode: 0o600 });
  writeFileSync(join(root, 'sub/deeper/data.bin'), Buffer.alloc(70_000, 7));
  writeFileSync(join(root, 'sub/empty'), '');
  symlinkSync('deeper/data.bin', join(root, 'sub/link'));
  symlinkSync('/etc/passwd', join(root, 'outside'));
  chmodSync(join(root, 'sub'), 0o750);
  chmodSync(join(root, 'secret'), 0o600);
  chmodSync(join(root, 'run.sh'), 0o755);
  for (const path of ['run.sh', 'secret', 'sub/deeper/data.bin', 'sub/empty'])
    utimesSync(join(root, path), OLD_MTIME, OLD_MTIME);
}

/** Every path below `root` with its type, mode, content hash or link target: what a copy must keep. */
export function describeTree(root: string, withTimes = false): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (relative: string): void => {
    const path = join(root, relative);
    const stat = lstatSync(path);
    const mode = (stat.mode & 0o7777).toString(8);
    const time = withTimes ? ` ${Math.floor(stat.mtimeMs / 1000)}` : '';
    if (stat.isSymbolicLink()) out[relative] = `link -> ${readlinkSync(path)}`;
    else if (stat.isDirectory()) {
      if (relative) out[relative] = `dir ${mode}`;
      for (const name of readdirSync(path).sort()) visit(relative ? `${relative}/${name}` : name);
    } else
      out[relative] =
        `file ${mode} ${createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 12)}${time}`;
  };
  visit('');
  return out;
}

/** Names in a directory tree that look like temporary files of a transfer. */
export function leftovers(root: string): string[] {
  const found: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.fanout-')) found.push(join(dir, entry.name));
      if (entry.isDirectory()) visit(join(dir, entry.name));
    }
  };
  visit(root);
  return found;
}
