// Run by agent.test.ts in a process of its own: starts one command on a target and keeps running until the
// test kills it by SIGKILL, so that the test can check with `ps` what the command left behind.
import { $ } from '../../src/dollar.js';

const [kind = '', spec = '{}', command = ''] = process.argv.slice(2);
const options = JSON.parse(spec) as Record<string, unknown>;
const shell =
  kind === 'ssh'
    ? $.ssh(options as unknown as Parameters<typeof $.ssh>[0])
    : kind === 'docker'
      ? $.docker(options as unknown as Parameters<typeof $.docker>[0])
      : $;
void shell.run(command).nothrow();
process.stdout.write('started\n');
setInterval(() => {}, 1000);
