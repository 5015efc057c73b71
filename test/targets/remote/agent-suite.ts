import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError, TimeoutError } from '../../../src/errors.js';
import { quote } from '../../../src/internal/quote.js';
import { quoteFor } from '../../../src/fleet/template.js';
import { createShell } from '../../../src/shell/shell.js';
import type { RunningCommand, Target } from '../../../src/targets/target.js';
import { poll, runRaw, type TargetCase } from './targets.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A `sleep` no other test runs, so that `ps` tells this test's processes apart. */
const uniqueSleep = () => `sleep 100.${randomBytes(4).readUInt32BE()}`;

/** Runs `command` and returns its stdout as text, failing on anything but exit 0. */
async function stdoutOf(target: Target, command: string): Promise<string> {
  const { stdout, stderr, status } = await runRaw(target, command).exited;
  expect({ status, stderr: stderr.toString() }).toEqual({
    status: { exitCode: 0, signal: null },
    stderr: '',
  });
  return stdout.toString();
}

/**
 * The session agent's contract, checked through a real target: output, exit statuses, isolation between
 * the commands of one agent, and what happens when a command is cancelled or its agent dies.
 */
export function describeAgents(each: TargetCase): void {
  describe(`session agents on ${each.name}`, () => {
    const targets: Target[] = [];
    const markers: string[] = [];
    const create = () => {
      const target = each.create();
      targets.push(target);
      return target;
    };
    const marker = () => {
      const sleep = uniqueSleep();
      markers.push(sleep);
      return sleep;
    };
    const running = (sleep: string, count = 1) =>
      poll(async () => (await each.processes(sleep)).length >= count || undefined, 10_000, `${sleep} to run`);
    const gone = (sleep: string) =>
      poll(async () => (await each.processes(sleep)).length === 0 || undefined, 5000, `${sleep} to end`);

    afterEach(async () => {
      await Promise.all(targets.splice(0).map((target) => target.dispose()));
      await each.reset();
      for (const sleep of markers.splice(0)) await each.cleanUp(sleep);
    });

    it('carries 10 MB of random binary output byte for byte', async () => {
      const target = create();
      const file = `/tmp/fanout-agent-${randomBytes(6).toString('hex')}`;
      try {
        const sum = await stdoutOf(target, `head -c 10485760 /dev/urandom > ${file} && sha256sum ${file}`);
        const { stdout, status } = await runRaw(target, `cat ${file}`).exited;
        expect(status).toEqual({ exitCode: 0, signal: null });
        expect(stdout.length).toBe(10 * 1024 * 1024);
        expect(sha256(stdout)).toBe(sum.split(' ')[0]);
      } finally {
        await runRaw(target, `rm -f ${file}`).exited;
      }
    });

    it('delivers output with no final newline exactly, and the next command starts clean', async () => {
      const target = create();
      const first = await runRaw(target, `printf abc; printf 'no newline' >&2`).exited;
      expect(first.stdout.toString()).toBe('abc');
      expect(first.stderr.toString()).toBe('no newline');
      const empty = await runRaw(target, `printf ''`).exited;
      expect([empty.stdout.length, empty.stderr.length]).toEqual([0, 0]);
      const next = await runRaw(target, `echo next; echo err >&2`).exited;
      expect(next.stdout.toString()).toBe('next\n');
      expect(next.stderr.toString()).toBe('err\n');
    });

    it('passes an argument with bytes that are not UTF-8 to the command exactly, bare and in quotes', async () => {
      const target = create();
      const value = "a\uDCFF\uDC80'b\uDCE9";
      const { stdout, status } = await runRaw(
        target,
        `printf '%s|' ${quote(value)} '${quoteFor('single', value)}' "${quoteFor('double', value)}"`,
      ).exited;
      expect(status).toEqual({ exitCode: 0, signal: null });
      const bytes = [0x61, 0xff, 0x80, 0x27, 0x62, 0xe9, 0x7c];
      expect([...stdout]).toEqual([...bytes, ...bytes, ...bytes]);
    });

    it('passes bytes that look like markers, without the nonce, through unchanged', async () => {
      const target = create();
      const fake = randomBytes(12).toString('hex');
      const format = `\\036%s:x:0:0\\036\\036%s:e\\036\\036%s:p:1\\036\\036%s:\\036tail\\036`;
      const expected = Buffer.from(
        `\x1e${fake}:x:0:0\x1e\x1e${fake}:e\x1e\x1e${fake}:p:1\x1e\x1e${fake}:\x1etail\x1e`,
        'latin1',
      );
      const args = Array.from({ length: 4 }, () => fake).join(' ');
      const { stdout, stderr, status } = await runRaw(
        target,
        `printf '${format}' ${args}; printf '${format}' ${args} >&2; exit 7`,
      ).exited;
      expect(status).toEqual({ exitCode: 7, signal: null });
      expect(stdout.equals(expected)).toBe(true);
      expect(stderr.equals(expected)).toBe(true);
    });

    it('runs 512 commands in a row on one agent, each with its own output and exit code (0 to 255)', async () => {
      const target = create();
      const agents = new Set<string>();
      for (let index = 0; index < 512; index++) {
        const code = index % 256;
        const { stdout, stderr, status } = await runRaw(target, `echo $PPID ${index}; exit ${code}`).exited;
        expect(status).toEqual({ exitCode: code, signal: null });
        expect(stderr.length).toBe(0);
        const [agent, echoed] = stdout.toString().split(' ');
        expect(echoed).toBe(`${index}\n`);
        agents.add(agent!);
      }
      expect(agents.size).toBe(1);
    });

    it('reads a signal a command sent itself as exit 128 + n, and one fanout sent as that signal', async () => {
      const target = create();
      expect((await runRaw(target, 'kill -TERM $$').exited).status).toEqual({ exitCode: 143, signal: null });
      expect((await runRaw(target, 'kill -KILL $$').exited).status).toEqual({ exitCode: 137, signal: null });
      const sleep = marker();
      const command = runRaw(target, `echo up; ${sleep}`, () => command.kill('SIGTERM'));
      expect((await command.exited).status).toEqual({ exitCode: null, signal: 'SIGTERM' });
      expect(await each.processes(sleep)).toEqual([]);
    });

    it("never lets one command's directory, variables or shell state reach the next on the same agent", async () => {
      const shell = createShell(create());
      const before = await shell`echo "$PPID $(pwd) $(umask)"`.text();
      await shell`cd /tmp; export LEAK=1; alias ll=ls; f() { :; }; umask 077; set -e`;
      await shell`true`.cwd('/').env({ GIVEN: 'yes' });
      const after =
        await shell`echo "$PPID $(pwd) $(umask)" \${LEAK-unset} \${GIVEN-unset} \${n-unset} $(command -v f || echo no-f)`.text();
      expect(after).toBe(`${before} unset unset unset no-f`);
    });

    it('a timeout and an abort kill the whole process tree of a command on an agent', async () => {
      const shell = createShell(create())({ killGrace: '1s' });
      const timed = marker();
      const error = await shell
        .run(`${timed} & ${timed}; wait`)
        .timeout('1s')
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TimeoutError);
      await gone(timed);

      const aborted = marker();
      const controller = new AbortController();
      const settled = shell
        .run(`trap '' TERM; ${aborted} & ${aborted}; wait`)
        .signal(controller.signal)
        .catch((caught: unknown) => caught);
      await running(aborted, 2);
      controller.abort(new Error('stop'));
      expect(await settled).toMatchObject({ message: 'stop' });
      expect(await each.processes(aborted)).toEqual([]);
    });

    it("pauseOutput holds a command's output back until resumeOutput, on an agent and on an exec of its own", async () => {
      const total = 32 * 1024 * 1024;
      for (const session of [true, false]) {
        const target = each.create({ session });
        targets.push(target);
        let received = 0;
        const command: RunningCommand = target.spawn({
          command: `head -c ${total} /dev/zero`,
          cwd: undefined,
          env: {},
          stdin: undefined,
          onStdout: (chunk) => {
            if (received === 0) command.pauseOutput!();
            received += chunk.length;
          },
          onStderr: () => {},
        });
        await poll(async () => (received > 0 ? true : undefined), 10_000, 'the first output');
        await delay(1000);
        // What the transport already held (a channel window, socket buffers) still comes, nothing more.
        expect(received, `session: ${session}`).toBeLessThan(total / 4);
        command.resumeOutput!();
        expect(await command.exited).toEqual({ exitCode: 0, signal: null });
        expect(received).toBe(total);
      }
    });

    it('fails a command whose agent is killed from outside with a ConnectionError naming target and command, and kills its group', async () => {
      const target = create();
      const sleep = marker();
      // The runner (the command's parent) is in the agent's process group, led by the agent's shell.
      const command = `cut -d' ' -f4,5 /proc/$PPID/stat; ${sleep}`;
      let said = '';
      const settled = runRaw(target, command, (chunk) => (said += chunk.toString())).exited.catch(
        (caught: unknown) => caught,
      );
      const pids = await poll(async () => (said.includes('\n') ? said : undefined), 10_000, 'the pids');
      const [leader, group] = pids.trim().split(' ').map(Number);
      expect(group).toBe(leader);
      await running(sleep);
      const killedAt = Date.now();
      await each.killGroup(group!);
      const error = await settled;
      expect(Date.now() - killedAt).toBeLessThan(10_000);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error).toMatchObject({ code: 'CONNECTION_LOST', target: each.id, command });
      expect((error as Error).message).toContain(each.id);
      expect((error as Error).message).toContain(command);
      // The command ran in a process group of its own, which the killed agent can no longer end; over SSH
      // the kill goes through a new connection, whose handshake a busy machine slows down.
      await poll(
        async () => (await each.processes(sleep)).length === 0 || undefined,
        20_000,
        `${sleep} to end`,
      );
    });
  });
}
