import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { $ } from '../../../src/dollar.js';
import { SpawnError } from '../../../src/errors.js';
import { dockerClient } from '../../support/docker.js';

const { image, socketPath } = inject('docker');

async function exists(name: string): Promise<boolean> {
  try {
    await dockerClient(socketPath).getContainer(name).inspect();
    return true;
  } catch {
    return false;
  }
}

describe('Docker target: throwaway containers from an image', () => {
  it('starts one container on first use, runs commands in it and removes it on dispose', async () => {
    const shell = $.docker({ image, env: { WHERE: 'throwaway' } });
    const name = shell.target.id.slice('docker://'.length);
    expect(await exists(name)).toBe(false);
    const results = await Promise.all(Array.from({ length: 5 }, () => shell`echo "$WHERE $(hostname)"`));
    const outputs = new Set(results.map((result) => result.stdout));
    expect(outputs.size).toBe(1);
    expect([...outputs][0]).toMatch(/^throwaway \w+\n$/);
    expect(await exists(name)).toBe(true);
    await shell.target.dispose();
    expect(await exists(name)).toBe(false);
  });

  it('a throwaway container does not outlive the process that made it, even killed', async () => {
    const script = fileURLToPath(new URL('../../support/docker-leave-throwaway.ts', import.meta.url));
    const name = await new Promise<string>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', script, image, socketPath], (_, stdout) =>
        resolve(stdout.trim()),
      );
    });
    expect(name).toMatch(/^fanout-/);
    for (let i = 0; i < 100 && (await exists(name)); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await exists(name)).toBe(false);
  });

  it('a missing image is TARGET_NOT_FOUND', async () => {
    const shell = $.docker({ image: 'fanout-test/no-such-image:1' });
    const error = await shell`true`.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpawnError);
    expect(error).toMatchObject({ code: 'TARGET_NOT_FOUND', target: shell.target.id });
    expect((error as Error).message).toContain('fanout-test/no-such-image:1');
    await shell.target.dispose();
  });
});
