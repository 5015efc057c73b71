import { describe, expect, it } from 'vitest';
import { runOn } from '../../src/fleet/run-on.js';
import { localTarget } from '../../src/targets/local.js';
import type { Target } from '../../src/targets/target.js';
import { ConnectionError } from '../../src/errors.js';

describe('fleet attempts through the shell core', () => {
  it('fails a job whose output passes maxBuffer with errorCode MAX_BUFFER instead of truncating it', async () => {
    const report = await runOn([localTarget], 'head -c 5000 /dev/zero', { maxBuffer: 1000 });
    expect(report.jobs[0]).toMatchObject({ ok: false, stage: 'run', errorCode: 'MAX_BUFFER' });
    expect(report.jobs[0]!.stdout.length).toBe(1000);
    expect(report.counts.failed).toBe(1);
  });

  it('keeps the whole output within maxBuffer, and no error code for a job that succeeds', async () => {
    const report = await runOn([localTarget], 'head -c 5000 /dev/zero', { maxBuffer: 5000 });
    expect(report.jobs[0]).toMatchObject({ ok: true, errorCode: undefined, outputBytes: 5000 });
    expect(report.jobs[0]!.stdout.length).toBe(5000);
  });

  it("keeps the target error's code in the job report", async () => {
    const lost: Target = {
      id: 'test://lost',
      spawn: () => ({
        exited: Promise.reject(
          new ConnectionError('gone', { code: 'CONNECTION_LOST', target: 'test://lost' }),
        ),
        kill: () => {},
      }),
      dispose: async () => {},
    };
    const report = await runOn([lost], 'true');
    expect(report.jobs[0]).toMatchObject({ ok: false, stage: 'connect', errorCode: 'CONNECTION_LOST' });
  });
});
