import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { dockerInventory, sshInventory } from '../support/fleets.js';
import { processesMatching, waitFor } from '../support/processes.js';

/** A value unique to this test run, long enough to be masked. */
function newSecret(): string {
  return `tok-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** An inventory of the sshd fixtures with session agents off: every command gets a channel of its own. */
function sshInventoryWithoutSessions(): { dir: string; inventory: string } {
  const fleet = sshInventory();
  const text = readFileSync(fleet.inventory, 'utf8').replace(
    '    configFile: false\n',
    '    configFile: false\n    session: false\n',
  );
  writeFileSync(fleet.inventory, text);
  return fleet;
}

const TARGETS: readonly {
  name: string;
  fleet: () => { dir: string; inventory: string | undefined } | undefined;
  target: string;
}[] = [
  { name: 'local', fleet: () => undefined, target: 'local' },
  { name: 'SSH (real sshd)', fleet: () => sshInventory(), target: 'h1' },
  { name: 'SSH without session agents', fleet: sshInventoryWithoutSessions, target: 'h2' },
  { name: 'Docker (real dockerd)', fleet: () => dockerInventory(), target: 'c1' },
];

describe('--env passes values off every argv', { timeout: 300_000 }, () => {
  for (const { name, fleet, target } of TARGETS) {
    for (const path of ['a command without stdin', 'a command with stdin'] as const) {
      it(`reaches ${path} on ${name}, never on an argv`, async () => {
        const secret = newSecret();
        const sleep = `sleep 3.${process.pid}${Math.floor(Math.random() * 1e6)}`;
        const script = `printf %s "$TOKEN" | sha256sum; ${sleep}`;
        const where = fleet() ?? { dir: mkdtempSync(join(tmpdir(), 'fanout-env-')), inventory: undefined };
        const options = [
          ...(where.inventory ? ['-i', where.inventory] : []),
          ...['--env', 'TOKEN', '--progress', 'none'],
        ];
        const args =
          path === 'a command without stdin'
            ? ['run', target, ...options, '--', script]
            : ['jobs', target, ...options, '--pipe', '-N', '1', '--', `cat >/dev/null; ${script}`];
        const run = startCli(args, { env: { TOKEN: secret }, input: 'line\n', cwd: where.dir });
        await waitFor(() => processesMatching(sleep).length > 0, 120_000, `${sleep} to run`);
        // The remote command runs now: no process on this machine (host, sshd sessions, containers) shows it.
        expect(processesMatching(secret)).toEqual([]);
        const result = await run.result;
        expect(result.stderr).toMatch(/1 job in [\d.]+s: 1 ok/);
        expect(result.stdout).toContain(sha256(secret));
        expect(result.code).toBe(0);
      });
    }
  }

  it('takes NAME=value, and inventory env under the command line’s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-env-'));
    const inventory = join(dir, 'fanout.yaml');
    writeFileSync(
      inventory,
      'defaults:\n  env: { STAGE: prod, ROLE: any }\ntargets:\n  node1:\n    uri: local\n    env: { ROLE: web }\n',
    );
    const run = await runCli(
      [
        'run',
        '-i',
        inventory,
        'node1',
        '--env',
        'STAGE=canary',
        '--progress',
        'none',
        '--',
        'echo "$STAGE/$ROLE"',
      ],
      { cwd: dir },
    );
    // Every --env value is a secret: `canary` is masked, the inventory's `web` is not.
    expect(run.stdout).toBe('node1: ***/web\n');
    expect(run.code).toBe(0);
  });

  it('is a usage error naming the flag for a variable that is not set, and never prints a value', async () => {
    const missing = `FANOUT_MISSING_${process.pid}`;
    const unset = await runCli(['run', 'local', '--env', missing, '--', 'true']);
    expect(unset.code).toBe(255);
    expect(unset.stderr).toContain(`--env: \`${missing}\` is not set in this environment`);
    const secret = newSecret();
    const badName = await runCli(['run', 'local', '--env', `1BAD=${secret}`, '--', 'true']);
    expect(badName.code).toBe(255);
    expect(badName.stderr).toMatch(/--env: expected NAME or NAME=value, and `1BAD` is not a variable name/);
    expect(badName.stderr).not.toContain(secret);
    const secretFlag = await runCli(['run', 'local', '--secret', missing, '--', 'true']);
    expect(secretFlag.stderr).toContain(`--secret: \`${missing}\` is not set in this environment`);
    const secretValue = await runCli(['run', 'local', '--secret', `TOKEN=${secret}`, '--', 'true']);
    expect(secretValue.code).toBe(255);
    expect(secretValue.stderr).toContain('--secret: takes the NAME of a variable set here, not NAME=value');
    expect(secretValue.stderr).not.toContain(secret);
    const short = await runCli(['run', 'local', '--secret', 'PIN', '--', 'true'], {
      env: { PIN: 'x7q' },
    });
    expect(short.code).toBe(255);
    expect(short.stderr).toContain(
      '--secret: the value of `PIN` is shorter than 4 characters, too short to mask',
    );
    expect(short.stderr).not.toContain('x7q');
  });
});

describe('registered secrets show as *** wherever fanout writes', { timeout: 300_000 }, () => {
  for (const output of ['tag', 'group', 'collapse', 'json'] as const) {
    it(`masks commands, arguments, output and errors in --output ${output}, the progress lines, the summary and the joblog`, async () => {
      const secret = newSecret();
      const dir = mkdtempSync(join(tmpdir(), 'fanout-secret-'));
      const joblog = join(dir, 'run.log');
      // As a user's shell would paste $TOKEN into the command; --secret TOKEN tells fanout it is secret.
      const run = await runCli(
        [
          'jobs',
          'local',
          '--secret',
          'TOKEN',
          '--joblog',
          joblog,
          '--output',
          output,
          '--progress',
          'plain',
          '--retries',
          '1',
          '--',
          `echo out-${secret} {}; echo err-${secret} >&2; exit 3`,
          ':::',
          'plain',
          `arg-${secret}`,
        ],
        { env: { TOKEN: secret } },
      );
      expect(run.code).toBe(2);
      for (const text of [run.stdout, run.stderr, readFileSync(joblog, 'utf8')]) {
        expect(text).not.toContain(secret);
        expect(text).toContain('***');
      }
      // The summary lists the failed jobs with their commands.
      expect(run.stderr).toContain('local #2 [run, 2 attempts');
      expect(run.stderr).toContain('echo out-*** arg-***; echo err-*** >&2; exit 3');
      expect(statSync(joblog).mode & 0o777).toBe(0o600);
    });
  }

  it('masks the commands --dry-run lists', async () => {
    const secret = newSecret();
    const run = await runCli(
      ['run', 'local', '--secret', 'TOKEN', '--dry-run', '--', `curl -u me:${secret}`],
      {
        env: { TOKEN: secret },
      },
    );
    expect(run.stdout).toBe('local\tcurl -u me:***\n');
  });

  it('masks every --env value in what the command prints', async () => {
    const secret = newSecret();
    const run = await runCli(
      [
        'run',
        'local',
        '--env',
        'TOKEN',
        '--output',
        'json',
        '--progress',
        'plain',
        '--',
        'echo "$TOKEN"; exit 1',
      ],
      { env: { TOKEN: secret } },
    );
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).not.toContain(secret);
    expect(run.stdout).toContain('"line":"***"');
  });

  it('refuses a target URI with a password without printing it', async () => {
    const secret = newSecret();
    for (const command of ['run', 'targets']) {
      const run = await runCli([
        command,
        `ssh://bob:${secret}@127.0.0.2`,
        ...(command === 'run' ? ['--', 'true'] : []),
      ]);
      expect(run.code).toBe(255);
      expect(run.stderr).toContain('target `ssh://bob:***@127.0.0.2`: a password in a target URI is refused');
      expect(run.stderr + run.stdout).not.toContain(secret);
    }
  });
});
