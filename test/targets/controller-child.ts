// Run by controller-death.test.ts in a process of its own: starts one command on a target, says `started`,
// and keeps running until the test kills it by SIGKILL, so that the test can check with `ps` what the
// command left behind. Arguments: the kind (`local`, `ssh`, `docker`, `k8s`), the target's options as JSON
// (`{}` for local), the command.
import { createShell } from '../../src/shell/shell.js';
import { createTargetOfKind, getTargetKind, type TargetKindRow } from '../../src/targets/registry.js';

const [kind = 'local', spec = '{}', command = '', input] = process.argv.slice(2);
const row = getTargetKind(kind) as TargetKindRow<object> | undefined;
if (!row) throw new Error(`unknown kind ${kind}`);
const shell = createShell(createTargetOfKind(row, JSON.parse(spec) as object));
// Commands are lazy: `then` starts it.
const running = shell.run(command).nothrow();
void (input === undefined ? running : running.stdin(input)).then(() => {});
process.stdout.write('started\n');
setInterval(() => {}, 1000);
