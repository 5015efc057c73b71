import type { Socket } from 'node:net';
import type Docker from 'dockerode';

/** Label set on every throwaway container, so that leftovers can be found. */
export const THROWAWAY_LABEL = 'dev.fanout.throwaway';

/** A throwaway container, and the attach stream that keeps it alive. */
export interface ThrowawayContainer {
  readonly container: Docker.Container;
  readonly lifeline: Socket;
}

/**
 * Starts a container from `image` whose only process is a `sh` reading its stdin, for commands to be
 * exec'd into. That stdin is an attach stream held by this process (StdinOnce): when this process ends,
 * even by a crash, the stream closes, `sh` reads end-of-file and exits, and Docker removes the container.
 *
 * @example
 * const { container } = await createThrowawayContainer(docker, 'alpine:3', 'fanout-1a2b3c');
 */
export async function createThrowawayContainer(
  client: Docker,
  image: string,
  name: string,
): Promise<ThrowawayContainer> {
  const container = await client.createContainer({
    name,
    Image: image,
    Entrypoint: ['sh'],
    Cmd: [],
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    Tty: false,
    Labels: { [THROWAWAY_LABEL]: '1' },
    HostConfig: { AutoRemove: true },
  });
  try {
    const lifeline = (await container.attach({
      stream: true,
      stdin: true,
      hijack: true,
    })) as unknown as Socket;
    lifeline.on('error', () => {});
    // The container lives as long as this process, but does not keep it alive.
    lifeline.unref();
    await container.start();
    return { container, lifeline };
  } catch (error) {
    await removeThrowawayContainer(container);
    throw error;
  }
}

/**
 * Removes a throwaway container, whatever its state; one already gone is fine.
 *
 * @example
 * await removeThrowawayContainer(container);
 */
export async function removeThrowawayContainer(container: Docker.Container | undefined): Promise<void> {
  await container?.remove({ force: true }).catch((error: { statusCode?: number }) => {
    if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
  });
}
