import { afterAll, describe, expect, it } from 'vitest';
import { $ } from '../../../src/dollar.js';
import { closeSshConnections, getSshPoolStats } from '../../../src/targets/ssh/index.js';
import { fixtures, optionsFor } from './helpers.js';

afterAll(() => closeSshConnections());

const statsFor = (host: string) => getSshPoolStats().filter((row) => row.host === host);

describe('SSH connection pool', () => {
  it('runs 100 concurrent commands on one host over one connection, within its 10 channels', async () => {
    const host = fixtures().hosts[0]!;
    // A new target per command, as `$.ssh(…)` in a loop would make: they share one pooled connection.
    const outputs = await Promise.all(
      Array.from({ length: 100 }, (_, i) => $.ssh(optionsFor(host))`echo ${`line-${i}`}; sleep 0.05`.text()),
    );
    expect(outputs).toEqual(Array.from({ length: 100 }, (_, i) => `line-${i}`));
    const [row] = statsFor(host.host);
    expect(row).toMatchObject({
      connectionsOpened: 1,
      connected: true,
      activeChannels: 0,
      queuedChannels: 0,
    });
    // Session agents take at most 9 channels, leaving one for commands with stdin.
    expect(row!.peakChannels).toBeGreaterThanOrEqual(9);
    expect(row!.peakChannels).toBeLessThanOrEqual(10);
  });

  it('treats "Channel open failure" as back-pressure when maxChannels exceeds the server MaxSessions', async () => {
    const host = fixtures().hosts[1]!;
    const shell = $.ssh(optionsFor(host, { maxChannels: 25 }));
    const outputs = await Promise.all(
      Array.from({ length: 100 }, (_, i) => shell`echo ${i}; sleep 0.05`.text()),
    );
    expect(outputs).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    const [row] = statsFor(host.host);
    expect(row!.connectionsOpened).toBe(1);
    expect(row!.peakChannels).toBeLessThanOrEqual(10);
  });

  it('closes idle connections and opens a new one for the next command', async () => {
    const host = fixtures().hosts[2]!;
    const shell = $.ssh(optionsFor(host, { idleTimeout: '200ms' }));
    expect(await shell`echo one`.text()).toBe('one');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(statsFor(host.host)[0]).toMatchObject({ connected: false, connectionsOpened: 1 });
    expect(await shell`echo two`.text()).toBe('two');
    expect(statsFor(host.host)[0]).toMatchObject({ connected: true, connectionsOpened: 2 });
  });

  it('never evicts a busy connection for idleness', async () => {
    const host = fixtures().hosts[3]!;
    const shell = $.ssh(optionsFor(host, { idleTimeout: '100ms' }));
    expect(await shell`sleep 0.6; echo busy`.text()).toBe('busy');
    expect(statsFor(host.host)[0]).toMatchObject({ connectionsOpened: 1 });
  });

  it('lets a script end on its own while connections are pooled', async () => {
    const { execFile } = await import('node:child_process');
    const host = fixtures().hosts[4]!;
    const script = `
      import { $ } from ${JSON.stringify(new URL('../../../src/index.ts', import.meta.url).pathname)};
      console.log(await $.ssh(${JSON.stringify(optionsFor(host, { idleTimeout: '10m' }))})\`echo done\`.text());
    `;
    const started = Date.now();
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { timeout: 120_000 },
        (error, out) => (error ? reject(error) : resolve(out)),
      ),
    );
    expect(stdout.trim()).toBe('done');
    // Far below the 10 min idle timeout: the pooled socket does not hold the process open.
    expect(Date.now() - started).toBeLessThan(120_000);
  }, 150_000);
});
