import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLAGS } from '../../src/cli/flags.js';
import { localFleet, runCli } from '../support/cli.js';

/** The flags docs/cli.md lists, by command (`## fanout <command>` sections, `| \`--flag …\` |` rows). */
function documentedFlags(): Map<string, string[]> {
  const byCommand = new Map<string, string[]>();
  let command: string | undefined;
  for (const line of readFileSync('docs/cli.md', 'utf8').split('\n')) {
    const heading = /^## fanout (\S+)/.exec(line);
    if (heading) byCommand.set((command = heading[1]!), []);
    const row = /^\| `(?:-\w, )?--([a-z-]+)/.exec(line);
    if (row && command) byCommand.get(command)!.push(row[1]!);
  }
  return byCommand;
}

/** Splits a command line into words: blanks separate, '…' quotes. */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2]!);
}

describe('the CLI docs', () => {
  it('docs/cli.md lists exactly the commands of fanout --help and, for each, exactly its flags', async () => {
    const help = await runCli(['--help']);
    const commands = [...help.stdout.matchAll(/^ {2}([a-z]+) \[options\]/gm)].map((match) => match[1]!);
    const documented = documentedFlags();
    expect([...documented.keys()].sort()).toEqual(commands.sort());
    for (const command of commands) {
      const inProgram = FLAGS.filter((flag) => flag.commands.includes(command as never)).map(
        (flag) => flag.long,
      );
      expect({ command, flags: documented.get(command)!.sort() }).toEqual({
        command,
        flags: inProgram.sort(),
      });
    }
  });

  it(
    'every fanout command of docs/coming-from.md parses and plans against a local fleet',
    { timeout: 120_000 },
    async () => {
      const { dir } = localFleet(1);
      const names = ['web01', 'web02', 'web03', 'web04', 'web1', 'web2', 'web3'];
      writeFileSync(
        join(dir, 'fanout.yaml'),
        `targets:\n${names.map((name) => `  ${name}: local\n`).join('')}groups:\n  web: [web01, web02, web3]\n  db: [web1]\n`,
      );
      writeFileSync(
        join(dir, 'hosts.ini'),
        '[web]\nweb[1:3] ansible_connection=local\n[prod:children]\nweb\n',
      );
      writeFileSync(join(dir, 'hosts.yml'), 'all:\n  hosts:\n    web1:\n      ansible_connection: local\n');
      for (const file of ['files.txt', 'data.csv', 'app.conf', 'run.log'])
        writeFileSync(join(dir, file), 'a,b\n');
      const lines = [...readFileSync('docs/coming-from.md', 'utf8').matchAll(/\| `(fanout [^`]+)`/g)].map(
        (match) => match[1]!.replace(/\\\|/g, '|'),
      );
      expect(lines.length).toBeGreaterThan(25);
      // Four at a time: each is a CLI start.
      for (let start = 0; start < lines.length; start += 4) {
        await Promise.all(
          lines.slice(start, start + 4).map(async (line) => {
            const [, command = '', ...rest] = words(line);
            const planOnly = ['run', 'jobs', 'push', 'pull'].includes(command) ? ['--dry-run'] : [];
            const run = await runCli([command, ...planOnly, ...rest], { cwd: dir, input: 'x\n' });
            expect({ line, code: run.code, stderr: run.stderr }).toEqual({
              line,
              code: 0,
              stderr: run.stderr,
            });
          }),
        );
      }
    },
  );
});
