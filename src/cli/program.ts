import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { FanoutError } from '../errors.js';
import { FLAGS, type CliFlags, type CommandName } from './flags.js';
import { helpFooter } from './help.js';
import type { CliIo, CommandInput } from './io.js';
import { usageError } from './usage.js';

/** What each command does, loaded only when it runs. */
const COMMANDS: Record<
  CommandName,
  {
    summary: string;
    usage: string;
    /** The positional argument, in commander's syntax. */
    argument: string;
    load: () => Promise<(input: CommandInput<CliFlags>) => Promise<number>>;
  }
> = {
  run: {
    summary: 'run the same command on every selected target',
    usage: '[options] <selection...> -- <command...>',
    argument: '<selection...>',
    load: async () => (await import('./commands/run.js')).runCommand,
  },
  jobs: {
    summary:
      "spread jobs over the selected targets: one per argument after ':::' (or per stdin line), {} replaced by it, quoted",
    usage: '[options] <selection...> -- <template...> [::: <arg...>]',
    argument: '[selection...]',
    load: async () => (await import('./commands/jobs.js')).jobsCommand,
  },
  push: {
    summary:
      'copy local files or trees to REMOTE_DIR on every selected target (SFTP, archive API, tar over exec)',
    usage: '[options] <selection> <local...> <remote-dir>',
    argument: '<selection...>',
    load: async () => (await import('./commands/push.js')).pushCommand,
  },
  pull: {
    summary: 'copy remote files or trees from every selected target to LOCAL_DIR/<target>/',
    usage: '[options] <selection> <remote...> <local-dir>',
    argument: '<selection...>',
    load: async () => (await import('./commands/pull.js')).pullCommand,
  },
  targets: {
    summary: 'show what a selection resolves to',
    usage: '[options] <selection...>',
    argument: '<selection...>',
    load: async () => (await import('./commands/targets.js')).targetsCommand,
  },
  ping: {
    summary:
      'reach every selected target once: reachable, connect time, latency, login user and shell; exit status = targets down',
    usage: '[options] <selection...>',
    argument: '<selection...>',
    load: async () => (await import('./commands/ping.js')).pingCommand,
  },
  worker: {
    summary: 'run the jobs of queued runs on the selected targets, sharing the work with other workers',
    usage: '--queue <url> [options] <selection...>',
    argument: '<selection...>',
    load: async () => (await import('./commands/worker.js')).workerCommand,
  },
  status: {
    summary: 'show a queued run: jobs per state, per worker and per target, and the time left',
    usage: '--queue <url> [run]',
    argument: '[run]',
    load: async () => (await import('./commands/status.js')).statusCommand,
  },
  results: {
    summary: 'print every attempt of a queued run, or write it as a joblog or JSON lines',
    usage: '--queue <url> <run> [--joblog file | --journal file.jsonl | --output json]',
    argument: '<run>',
    load: async () => (await import('./commands/results.js')).resultsCommand,
  },
  cancel: {
    summary: 'cancel a queued run: its queued jobs are skipped and its running jobs killed',
    usage: '--queue <url> <run>',
    argument: '<run>',
    load: async () => (await import('./commands/cancel.js')).cancelCommand,
  },
};

/** This package's version, from its package.json (next to dist/ when installed). */
function version(): string {
  for (const path of ['../../package.json', '../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string })
        .version;
    } catch {
      // Not at this depth: the source tree (src/cli) and the bundle (dist/) differ by one level.
    }
  }
  return 'unknown';
}

function buildProgram(
  io: CliIo,
  chosen: { name?: CommandName; selection?: string[]; flags?: CliFlags },
): Command {
  const program = new Command('fanout')
    .description(
      'Run shell commands concurrently across local processes, SSH hosts, Docker containers and Kubernetes pods.',
    )
    .exitOverride()
    .showSuggestionAfterError(true)
    .version(version(), '-V, --version', 'print the version of fanout')
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: () => {} })
    .addHelpText('after', helpFooter('fanout'));
  for (const [name, spec] of Object.entries(COMMANDS) as [CommandName, (typeof COMMANDS)[CommandName]][]) {
    const command = program
      .command(name)
      .description(spec.summary)
      .usage(spec.usage)
      .argument(
        spec.argument,
        spec.argument.includes('selection') ? 'targets: names, globs, @groups, ranges, URIs' : 'the run id',
      )
      .exitOverride()
      .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: () => {} })
      .addHelpText('after', helpFooter(name))
      .action((positional: string[] | string | undefined, flags: CliFlags) => {
        const selection = positional === undefined ? [] : ([] as string[]).concat(positional);
        Object.assign(chosen, { name, selection, flags });
      });
    for (const flag of FLAGS.filter((row) => row.commands.includes(name))) {
      const value = flag.value?.startsWith('[') ? ` ${flag.value}` : flag.value ? ` <${flag.value}>` : '';
      const names = `${flag.short ? `-${flag.short}, ` : ''}--${flag.long}${value}`;
      const option = new Option(names, flag.description);
      if (flag.choices) option.choices(flag.choices);
      if (flag.repeatable) option.argParser((value: string, list?: string[]) => [...(list ?? []), value]);
      command.addOption(option);
    }
  }
  return program;
}

/**
 * Parses the command line and runs the command; returns its exit status or throws (usage errors as
 * FanoutError `USAGE`). The words after the first `--` are the command, never parsed as flags.
 *
 * @example
 * const status = await dispatch(['run', '@web', '--', 'uptime'], io);
 */
export async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const split = argv.indexOf('--');
  const before = split < 0 ? argv : argv.slice(0, split);
  const words = split < 0 ? undefined : argv.slice(split + 1);
  const chosen: { name?: CommandName; selection?: string[]; flags?: CliFlags } = {};
  const program = buildProgram(io, chosen);
  if (before.length === 0) {
    program.outputHelp();
    return 255;
  }
  try {
    await program.parseAsync([...before], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code)) return 0;
      throw new FanoutError(error.message.replace(/^error: /, ''), { code: 'USAGE' });
    }
    throw error;
  }
  if (!chosen.name) {
    throw usageError(
      'fanout',
      'expected a command: run, jobs, push, pull, targets, ping, worker, status, results or cancel',
    );
  }
  const command = await COMMANDS[chosen.name].load();
  return command({ selection: chosen.selection ?? [], words, flags: chosen.flags ?? {}, io });
}
