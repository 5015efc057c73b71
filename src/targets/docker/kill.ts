import type Docker from 'dockerode';

/**
 * Sends `signal` to process group `pid` (and to the pid alone, should it not lead a group) from a second
 * exec in the same container: the Engine API cannot signal an exec, and closing its stream leaves the
 * command running. Resolves once the daemon has started the kill.
 *
 * @example
 * await signalProcessGroup(container, 42, 'SIGTERM', undefined);
 */
export async function signalProcessGroup(
  container: Docker.Container,
  pid: number,
  signal: NodeJS.Signals,
  user: string | undefined,
): Promise<void> {
  if (!/^SIG[A-Z0-9]+$/.test(signal) || !Number.isInteger(pid) || pid < 2) return;
  const name = signal.slice(3);
  const exec = await container.exec({
    Cmd: ['sh', '-c', `kill -${name} -${pid} 2>/dev/null || kill -${name} ${pid} 2>/dev/null; true`],
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    ...(user === undefined ? {} : { User: user }),
  });
  await exec.start({ Detach: true });
}
