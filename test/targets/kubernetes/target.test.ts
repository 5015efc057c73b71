import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, SpawnError } from '../../../src/errors.js';
import { createShell } from '../../../src/shell/shell.js';
import {
  createKubernetesTarget,
  type KubernetesTargetOptions,
} from '../../../src/targets/kubernetes/index.js';
import type { Target } from '../../../src/targets/target.js';
import { createKubeconfigDir, type KubeconfigDir, type TestContext } from '../../support/kube-config.js';
import { startKubePeer, type KubePeer } from '../../support/kube-peer.js';

const TOKEN = 'peer-token';
const pods = {
  'shop/web': { containers: ['app', 'sidecar'] },
  'shop/drop': { containers: ['app'], mode: 'drop-status' as const },
  'shop/garble': { containers: ['app'], mode: 'garbled-status' as const },
  // One pod per mode: the peer lets only the first exec of an unkillable pod through.
  'shop/stuck': { containers: ['app'], mode: 'unkillable' as const },
  'shop/stuck-off': { containers: ['app'], mode: 'unkillable' as const },
};

let v5: KubePeer;
let v4: KubePeer;
let dir: KubeconfigDir;

/** A target whose kubeconfig points at `peer` (its CA trusted, its token presented). */
function targetOn(
  peer: KubePeer,
  pod = 'web:app',
  context: Partial<TestContext> = {},
  extra: Partial<KubernetesTargetOptions> = {},
): Target {
  const kubeconfig = dir.write(
    `config-${Math.random()}`,
    [{ name: 'peer', server: peer.url, ca: peer.ca, token: TOKEN, namespace: 'shop', ...context }],
    'peer',
  );
  return createKubernetesTarget({ ...parse(pod), kubeconfig, ...extra });
}

function parse(pod: string) {
  const [name = '', container] = pod.split(':');
  return { pod: name, container };
}

/** Local processes in a process group, by `ps` on this machine. */
function groupMembers(pgid: number): string[] {
  const out = execFileSync('ps', ['-e', '-o', 'pgid=,pid=,stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([group, , stat]) => Number(group) === pgid && !stat?.startsWith('Z'))
    .map((fields) => fields.slice(3).join(' '));
}

/** The process group of the process whose command line is exactly `args`, by `ps` on this machine. */
function groupOf(args: string): number | undefined {
  const out = execFileSync('ps', ['-e', '-o', 'pgid=,args='], { encoding: 'utf8' });
  const line = out.split('\n').find((each) => each.trim().replace(/^\d+\s+/, '') === args);
  return line === undefined ? undefined : Number(line.trim().split(/\s+/)[0]);
}

async function waitFor<T>(read: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  dir = createKubeconfigDir();
  v5 = await startKubePeer({ pods, token: TOKEN });
  v4 = await startKubePeer({ pods, token: TOKEN, protocols: ['v4.channel.k8s.io'] });
});

afterAll(async () => {
  await Promise.all([v5?.close(), v4?.close()]);
  dir?.remove();
});

describe.each([
  ['agents on', true],
  ['agents off', false],
] as const)(
  'KubernetesTarget against a local peer speaking the exec channel protocol (not a cluster), %s',
  (_mode, session) => {
    const on = (
      peer: KubePeer,
      pod = 'web:app',
      context: Partial<TestContext> = {},
      extra: Partial<KubernetesTargetOptions> = {},
    ): Target => targetOn(peer, pod, context, { session, ...extra });

    it('delivers stdout, stderr and the exit code from the status channel, over v5 and v4', async () => {
      for (const peer of [v5, v4]) {
        const $ = createShell(on(peer));
        const result = await $`printf out; printf err >&2; exit 3`.nothrow();
        expect(result).toMatchObject({ stdout: 'out', stderr: 'err', exitCode: 3, signal: null, ok: false });
        expect(result.target).toBe('k8s://shop/web/app');
        expect((await $`true`).exitCode).toBe(0);
      }
      expect(v4.execs.at(-1)?.protocol).toBe('v4.channel.k8s.io');
      expect(v5.execs.at(-1)?.protocol).toBe('v5.channel.k8s.io');
    });

    it('asks for the namespace, pod and container, tty off, with the command and env sent over stdin, never in the URL', async () => {
      await createShell(on(v5, 'web:sidecar'))`cat`.env({ SECRET: 'hunter2' });
      expect(v5.execs.at(-1)).toMatchObject({
        namespace: 'shop',
        pod: 'web',
        container: 'sidecar',
        tty: false,
        stdin: true,
      });
      const argv = v5.execs.at(-1)?.argv ?? [];
      expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
      expect(argv).toHaveLength(3);
      expect(argv.join(' ')).not.toContain('hunter2');
    });

    it('runs a command on a terminal when asked: tty on the exec, stderr with stdout, its line never echoed', async () => {
      const target = on(v5);
      const run = async (tty: boolean) => {
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        const { exited } = target.spawn({
          command: 'tty -s && echo in-tty; test -t 1 && echo out-tty; echo err >&2; exit 3',
          cwd: undefined,
          env: { SECRET: 'hunter2' },
          stdin: undefined,
          tty,
          onStdout: (chunk) => stdout.push(chunk),
          onStderr: (chunk) => stderr.push(chunk),
        });
        const status = await exited;
        return { status, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() };
      };
      const withTty = await run(true);
      expect(v5.execs.at(-1)).toMatchObject({ tty: true });
      expect(withTty).toEqual({
        status: { exitCode: 3, signal: null },
        stdout: 'in-tty\nout-tty\nerr\n',
        stderr: '',
      });
      const without = await run(false);
      expect(without).toEqual({ status: { exitCode: 3, signal: null }, stdout: '', stderr: 'err\n' });
    });

    it('delivers 8 MB of binary stdout byte-exact before the result resolves', async () => {
      const $ = createShell(on(v5));
      const local = execFileSync('sh', ['-c', 'head -c 8000000 /dev/zero | tr "\\0" "\\377"; seq 1 100000'], {
        maxBuffer: 64 * 1024 * 1024,
      });
      const remote = await $`head -c 8000000 /dev/zero | tr '\\0' '\\377'; seq 1 100000`.buffer();
      const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');
      expect(remote.length).toBe(local.length);
      expect(digest(remote)).toBe(digest(local));
    });

    it('runs 20 commands at once, each with its own output', async () => {
      const $ = createShell(on(v5));
      const results = await Promise.all(Array.from({ length: 20 }, (_, index) => $`echo ${index}`.text()));
      expect(results).toEqual(Array.from({ length: 20 }, (_, index) => String(index)));
    });

    it('applies cwd and env in the pod', async () => {
      const $ = createShell(on(v5));
      const text = await $`pwd; printf %s "$GREETING"`
        .cwd('/tmp')
        .env({ GREETING: "it's a\nnew line" })
        .text();
      expect(text).toBe("/tmp\nit's a\nnew line");
    });

    it('rejects a missing working directory with a SpawnError', async () => {
      const error = await createShell(on(v5))`ls`.cwd('/no/such/dir').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SpawnError);
      expect(error).toMatchObject({ code: 'SPAWN_FAILED', target: 'k8s://shop/web/app', command: 'ls' });
    });

    it('sends stdin from a Buffer and from a stream, then end-of-file (v5 close message)', async () => {
      const $ = createShell(on(v5));
      expect(await $`wc -c; echo done`.stdin('hello\n').text()).toMatch(/^6\s*\ndone$/);
      const big = Buffer.alloc(300_000, 'x');
      const stream = Readable.from([big, big, Buffer.from('end')]);
      expect(await $`wc -c`.stdin(stream).text()).toBe('600003');
      expect(v5.execs.at(-1)?.stdin).toBe(true);
    });

    it('refuses stdin on a v4-only server before starting the command, since v4 cannot end input', async () => {
      const target = on(v4);
      const before = v4.execs.length;
      const error = await createShell(target)`cat > /dev/null; echo ran`
        .stdin('data')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SpawnError);
      expect(error).toMatchObject({ code: 'SPAWN_FAILED', target: 'k8s://shop/web/app' });
      // Only the probe ran; the command never started.
      expect(v4.execs.slice(before).map((exec) => exec.argv)).toEqual([['sh', '-c', ':']]);
    });

    it('timeout kills the whole process group; ps shows nothing left', async () => {
      const $ = createShell(on(v5));
      const running = $`sleep 301 & sleep 302; wait`.timeout('3s').nothrow();
      const pending = running.then((result) => result);
      const pgid = await waitFor(() => groupOf('sleep 301'));
      await waitFor(() => (groupMembers(pgid).length >= 2 ? true : undefined));
      const result = await pending;
      expect(result).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGTERM' });
      await waitFor(() => (groupMembers(pgid).length === 0 ? true : undefined), 5000);
    });

    it('an aborted command is killed and rejects with the abort reason; ps shows nothing left', async () => {
      const $ = createShell(on(v5));
      const controller = new AbortController();
      const pending = $`sleep 303`.signal(controller.signal).catch((error: unknown) => error);
      const pgid = await waitFor(() => groupOf('sleep 303'));
      controller.abort(new Error('stop'));
      expect(await pending).toMatchObject({ message: 'stop' });
      await waitFor(() => (groupMembers(pgid).length === 0 ? true : undefined), 5000);
    });

    it('dispose kills what still runs', async () => {
      const target = on(v5);
      const pending = createShell(target)`sleep 304`.nothrow().then((result) => result);
      const pgid = await waitFor(() => groupOf('sleep 304'));
      await target.dispose();
      expect(await pending).toMatchObject({ signal: 'SIGKILL' });
      await waitFor(() => (groupMembers(pgid).length === 0 ? true : undefined), 5000);
    });

    // Tests of one mode are registered in that mode only (not reported as skipped in the other).
    if (!session)
      it('settles promptly after SIGKILL when the kill exec cannot get through, as an unknown outcome', async () => {
        const running = on(v5, 'stuck-off:app').spawn({
          command: 'sleep 305',
          cwd: undefined,
          env: {},
          stdin: undefined,
          onStdout: () => {},
          onStderr: () => {},
        });
        const pgid = await waitFor(() => groupOf('sleep 305'));
        const started = Date.now();
        running.kill('SIGKILL');
        const error = await running.exited.catch((caught: unknown) => caught);
        expect(Date.now() - started).toBeLessThan(8000);
        expect(error).toBeInstanceOf(ConnectionError);
        expect(error).toMatchObject({ code: 'NO_EXIT_STATUS', command: 'sleep 305' });
        // As with a real pod that cannot be reached, the command itself survives: clean up here.
        expect(groupMembers(pgid).length).toBeGreaterThan(0);
        process.kill(-pgid, 'SIGKILL');
      });

    if (session)
      it('kills over the control stream of the agent, so a pod that refuses further execs is no obstacle', async () => {
        const controller = new AbortController();
        const pending = createShell(on(v5, 'stuck:app'))`sleep 306`
          .signal(controller.signal)
          .catch((error: unknown) => error);
        const pgid = await waitFor(() => groupOf('sleep 306'));
        controller.abort(new Error('stop'));
        expect(await pending).toMatchObject({ message: 'stop' });
        await waitFor(() => (groupMembers(pgid).length === 0 ? true : undefined), 5000);
      });

    if (!session)
      it.each([
        ['a socket that closes without a status', 'drop:app'],
        ['an unreadable status', 'garble:app'],
      ])('rejects %s with NO_EXIT_STATUS, never exit 0', async (_name, pod) => {
        const error = await createShell(on(v5, pod))`echo hi`.catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ConnectionError);
        expect(error).toMatchObject({ code: 'NO_EXIT_STATUS', command: 'echo hi' });
      });

    it.each([
      ['a wrong token', 'AUTH_FAILED', 'web:app', { token: 'wrong' }],
      ['a missing pod', 'TARGET_NOT_FOUND', 'nope:app', {}],
      ['a missing namespace', 'TARGET_NOT_FOUND', 'web:app', { namespace: 'other' }],
      ['a container not in the pod', 'TARGET_UNAVAILABLE', 'web:db', {}],
      ['an untrusted certificate', 'CONNECTION_FAILED', 'web:app', { ca: undefined }],
    ] as const)('maps %s to %s, naming the target', async (_name, code, pod, context) => {
      const target = on(v5, pod, context);
      const error = await createShell(target)`echo hi`.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error).toMatchObject({ code, target: target.id, command: 'echo hi' });
    });

    it('maps a refused connection to CONNECTION_FAILED', async () => {
      const port = await new Promise<number>((resolve) => {
        const server = createServer().listen(0, '127.0.0.1', () => {
          const address = server.address();
          server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
        });
      });
      const target = on(v5, 'web:app', { server: `https://127.0.0.1:${port}` });
      const error = await createShell(target)`echo hi`.catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'CONNECTION_FAILED', target: 'k8s://shop/web/app' });
    });

    it('fails with CONNECT_TIMEOUT when the server accepts the connection but never answers', async () => {
      const sockets: Socket[] = [];
      const silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      try {
        const target = on(
          v5,
          'web:app',
          { server: `https://127.0.0.1:${port}` },
          { connectTimeout: '300ms' },
        );
        const started = Date.now();
        const error = await createShell(target)`echo hi`.catch((caught: unknown) => caught);
        expect(Date.now() - started).toBeLessThan(5000);
        expect(error).toBeInstanceOf(ConnectionError);
        expect(error).toMatchObject({
          code: 'CONNECT_TIMEOUT',
          target: 'k8s://shop/web/app',
          command: 'echo hi',
        });
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });
  },
);
