// Run by throwaway.test.ts in a process of its own: starts a throwaway container, runs one command in it,
// prints the container's name, then dies by SIGKILL without disposing of anything.
import { $ } from '../../src/dollar.js';

const [image = '', socketPath = ''] = process.argv.slice(2);
const shell = $.docker({ image, socketPath });
await shell`true`;
process.stdout.write(`${shell.target.id.slice('docker://'.length)}\n`, () =>
  process.kill(process.pid, 'SIGKILL'),
);
