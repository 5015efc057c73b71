import { TARGET_KIND_ABOUT } from '../targets/about.js';
import type { CommandName } from './flags.js';

const TEMPLATE = `The words after -- are joined with spaces and run by sh -c on the target.`;

const JOBS_TEMPLATE = `${TEMPLATE} In a jobs template, GNU
parallel's replacement strings stand for the job's arguments, each quoted for the place it stands (outside
quotes, or inside '…' or "…"): {} all arguments, {.} without extension, {/} base name, {//} directory,
{/.} base name without extension, {1} {2} … one input source (or --colsep column) each, also as {1.} {1/}
{1//} {1/.}, {#} the job number, {%} the job slot. A template without {} gets the arguments appended.
Input: 'fanout jobs @all -- cmd ::: a b ::: 1 2' runs every combination (a 1, a 2, b 1, b 2); --link pairs
them; ':::: file' reads a source's values from the lines of file ('-' for stdin); ':::+' / '::::+' pair a
source with the one before it. Without ::: or ::::, each stdin line is one argument.`;

const SELECTIONS = `Selections: names (web1), globs ('web*'), groups (@web, @all), ranges (web[01-10]), target URIs. '!web3' or
'!@canary' leaves targets out, '@web:&@prod' (or '&@prod') keeps only those in both, wherever they stand; with
only ! and & terms the selection starts from @all. Inventories: fanout.yaml, Ansible INI or YAML (hosts.ini,
hosts.yml), or an ssh_config file (its Host aliases), told apart by name and content.`;

const KINDS = `Target kinds (inventory \`targets\` and \`defaults.<kind>\`, or a URI in a selection):
${TARGET_KIND_ABOUT.map((kind) => `  ${kind.uriForm.padEnd(31)} ${kind.summary}`).join('\n')}`;

const EXIT = `Exit status:
  0        every job succeeded
  1-100    that many jobs failed (non-zero exit, signal, timeout or unreachable target;
           jobs a halt canceled or skipped are not counted)
  101      more than 100 jobs failed
  130      interrupted (Ctrl-C or SIGTERM): running jobs got TERM, then KILL after 3s (at once on a second
           Ctrl-C); the joblog and the summary are written
  141      standard output was closed (e.g. | head): no more jobs were started, running ones were killed
  255      usage or inventory error: nothing was run`;

const PING_EXIT = `Exit status: the number of targets down (101 for more than 100), 0 when all answered; 255 usage or
inventory error.`;

/** Each command's examples, and the sections of the help that concern it. */
const HELP: Record<CommandName | 'fanout', { sections: readonly string[]; examples: readonly string[] }> = {
  fanout: {
    sections: [SELECTIONS, KINDS, EXIT],
    examples: [
      'fanout targets @web',
      'fanout ping @all',
      'fanout run @web -- uptime',
      "fanout jobs @all -j 8 --joblog run.log -- 'gzip -k {}' ::: *.log",
      'fanout push @web --mkdirs --checksum ./dist /srv/app',
      "fanout <command> --help    (each command's own flags and examples)",
    ],
  },
  run: {
    sections: [TEMPLATE, SELECTIONS, KINDS, EXIT],
    examples: [
      'fanout run @web -- uptime',
      "fanout run 'web[01-04]' --batches 1,50% --halt soon,fail=1 -- 'systemctl restart app'",
      "fanout run -i hosts.ini @prod '!web3' --output collapse -- 'cat /etc/os-release'",
      'fanout run @web --stdin --results out/ -- sh -s < script.sh',
    ],
  },
  jobs: {
    sections: [JOBS_TEMPLATE, SELECTIONS, KINDS, EXIT],
    examples: [
      "fanout jobs @all -j 8 --joblog run.log -- 'gzip -k {}' ::: *.log",
      "find . -name '*.csv' | fanout jobs @all --retries 2 --output json -- 'wc -l {}'",
      "fanout jobs @all --joblog run.log --resume -- 'gzip -k {}' ::: *.log",
      "fanout jobs @all -k --tagstring '{/.}' -- 'convert {} {.}.png' ::: img/*.jpg",
      "cat big.log | fanout jobs @all --pipe --block 10M -- 'grep -c ERROR'",
    ],
  },
  push: {
    sections: [SELECTIONS, KINDS, EXIT],
    examples: [
      'fanout push @web --mkdirs --checksum ./dist /srv/app',
      'fanout push web1 --sync ./conf /etc/app',
    ],
  },
  pull: {
    sections: [SELECTIONS, KINDS, EXIT],
    examples: ['fanout pull @web /var/log/app.log ./logs        (lands in ./logs/<target>/app.log)'],
  },
  targets: {
    sections: [SELECTIONS, KINDS],
    examples: [
      'fanout targets @web',
      "fanout targets -i ~/.ssh/config 'db*'",
      'fanout targets -i hosts.yml @all --verbose',
    ],
  },
  ping: {
    sections: [SELECTIONS, PING_EXIT],
    examples: ['fanout ping @all', 'fanout ping -i hosts.ini @prod --timeout 5s -j 64'],
  },
  worker: {
    sections: [SELECTIONS, KINDS],
    examples: ['fanout worker --queue postgres://fanout@db/fanout -i fleet.yaml @rack1 -j 64 --per-target 8'],
  },
  status: { sections: [], examples: ['fanout status --queue postgres://fanout@db/fanout 7'] },
  results: {
    sections: [],
    examples: ['fanout results --queue postgres://fanout@db/fanout 7 --joblog run.log'],
  },
  cancel: { sections: [], examples: ['fanout cancel --queue postgres://fanout@db/fanout 7'] },
};

/**
 * The text after a command's generated option list in `--help` (or the program's, for `fanout --help`):
 * what concerns that command, then its own examples.
 *
 * @example
 * command.addHelpText('after', helpFooter('run'));
 */
export function helpFooter(name: CommandName | 'fanout'): string {
  const { sections, examples } = HELP[name];
  return `\n${[...sections, `Examples:\n${examples.map((line) => `  ${line}`).join('\n')}`].join('\n\n')}`;
}
