/** The commands of the `fanout` CLI. */
export type CommandName = 'run' | 'jobs' | 'targets' | 'worker' | 'status' | 'results' | 'cancel';

/** One command-line flag, as data: `program.ts` builds the parser and `--help` from these rows. */
export interface FlagSpec {
  /** The option's key in the parsed flags (camelCase of the long name). */
  readonly key: keyof CliFlags;
  readonly long: string;
  readonly short?: string;
  /** Placeholder of the value; undefined for a boolean switch. */
  readonly value?: string;
  readonly description: string;
  /** The commands that accept it. */
  readonly commands: readonly CommandName[];
  /** Allowed values, checked by the parser and listed in `--help`. */
  readonly choices?: readonly string[];
}

/** The flags after parsing (values still text; `options.ts` checks and converts them once). */
export interface CliFlags {
  readonly inventory?: string;
  readonly concurrency?: string;
  readonly perTarget?: string;
  readonly timeout?: string;
  readonly retries?: string;
  readonly halt?: string;
  readonly batches?: string;
  readonly output?: string;
  readonly progress?: string;
  readonly joblog?: string;
  readonly resume?: boolean;
  readonly resumeFailed?: boolean;
  readonly dryRun?: boolean;
  /** `--queue` alone (jobs): the queue named by FANOUT_QUEUE or the PG* variables. */
  readonly queue?: string | boolean;
  readonly wait?: boolean;
  readonly run?: string;
  readonly lease?: string;
  readonly journal?: string;
}

const RUNS: readonly CommandName[] = ['run', 'jobs'];
const ALL: readonly CommandName[] = ['run', 'jobs', 'targets', 'worker'];
const QUEUE: readonly CommandName[] = ['jobs', 'worker', 'status', 'results', 'cancel'];

/** Every flag of the CLI. */
export const FLAGS: readonly FlagSpec[] = [
  {
    key: 'inventory',
    long: 'inventory',
    short: 'i',
    value: 'file',
    commands: ALL,
    description: 'inventory file (default: ./fanout.yaml when it exists)',
  },
  {
    key: 'concurrency',
    long: 'concurrency',
    short: 'j',
    value: 'n',
    commands: [...RUNS, 'worker'],
    description: 'most jobs running at once over all targets (default: 32)',
  },
  {
    key: 'perTarget',
    long: 'per-target',
    value: 'n',
    commands: [...RUNS, 'worker'],
    description: 'most jobs running at once on one target of weight 1 (default: unlimited)',
  },
  {
    key: 'timeout',
    long: 'timeout',
    value: 'duration',
    commands: RUNS,
    description: "kill a job after this long: seconds, or '500ms', '30s', '2m' (default: none)",
  },
  {
    key: 'retries',
    long: 'retries',
    value: 'n',
    commands: RUNS,
    description: 'retry a failed job n times, on another target when there is one (default: 0)',
  },
  {
    key: 'halt',
    long: 'halt',
    value: 'when',
    commands: RUNS,
    description:
      'now|soon|never[,fail=N|N%]: stop once N (or N%) jobs failed; now kills running jobs (default: never)',
  },
  {
    key: 'batches',
    long: 'batches',
    value: 'sizes',
    commands: RUNS,
    description:
      "rolling batches, e.g. '1,5,25%': each finishes and is checked against --halt before the next (default: none)",
  },
  {
    key: 'output',
    long: 'output',
    value: 'mode',
    commands: [...RUNS, 'results'],
    choices: ['tag', 'group', 'collapse', 'json'],
    description:
      'tag: live lines prefixed by target; group: each job when it ends; collapse: identical outputs once, with their targets; json: one object per line (default: tag)',
  },
  {
    key: 'progress',
    long: 'progress',
    value: 'mode',
    commands: RUNS,
    choices: ['auto', 'bar', 'plain', 'none'],
    description: 'status on stderr: bar on a terminal, plain lines otherwise (default: auto)',
  },
  {
    key: 'joblog',
    long: 'joblog',
    value: 'file',
    commands: [...RUNS, 'results'],
    description: "append one line per finished job to file, in GNU parallel's joblog format",
  },
  { key: 'resume', long: 'resume', commands: RUNS, description: 'skip the jobs the --joblog file records' },
  {
    key: 'resumeFailed',
    long: 'resume-failed',
    commands: RUNS,
    description: 'skip the jobs the --joblog file records as succeeded (rerun the failed ones)',
  },
  {
    key: 'dryRun',
    long: 'dry-run',
    commands: RUNS,
    description: 'print the exact command each target or job would run, and run nothing',
  },
  {
    key: 'queue',
    long: 'queue',
    value: '[url]',
    commands: QUEUE,
    description:
      'the PostgreSQL run queue, postgres://user:password@host/db (default: FANOUT_QUEUE, else the PG* variables); jobs: submit the run to it',
  },
  {
    key: 'wait',
    long: 'wait',
    commands: ['jobs'],
    description: 'with --queue: follow the run until it ends and exit as jobs would',
  },
  {
    key: 'run',
    long: 'run',
    value: 'id',
    commands: ['worker'],
    description: 'work only on this run, and exit when it ends (default: any run, until stopped)',
  },
  {
    key: 'lease',
    long: 'lease',
    value: 'duration',
    commands: ['worker'],
    description: "a claimed job returns to the queue when this worker is silent this long (default: '30s')",
  },
  {
    key: 'journal',
    long: 'journal',
    value: 'file',
    commands: ['results'],
    description: 'write every attempt to file as JSON lines',
  },
];

/** Text after the generated option list of each command in `--help`. */
export const HELP_FOOTER = `
The words after -- are joined with spaces and run by sh -c on the target; in a jobs template {} is the
argument (quoted for the shell) and {#} the job number.

Selections: names (web1), globs ('web*'), groups (@web, @all), ranges (web[01-10]), URIs (ssh://user@host:22, docker://app, k8s://ns/pod, local).

Exit status:
  0        every job succeeded
  1-100    that many jobs failed (non-zero exit, signal, timeout or unreachable target;
           jobs a halt canceled or skipped are not counted)
  101      more than 100 jobs failed
  130      interrupted (Ctrl-C or SIGTERM): running jobs were killed
  255      usage or inventory error: nothing was run

Examples:
  fanout targets @web
  fanout run @web -- uptime
  fanout run 'web[01-04]' --batches 1,50% --halt soon,fail=1 -- 'systemctl restart app'
  fanout jobs @all -j 8 --joblog run.log -- 'gzip -k {}' ::: *.log
  find . -name '*.csv' | fanout jobs @all --retries 2 --output json -- 'wc -l {}'
  fanout jobs @all --joblog run.log --resume -- 'gzip -k {}' ::: *.log`;
