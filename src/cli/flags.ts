/** The commands of the `fanout` CLI. */
export type CommandName =
  'run' | 'jobs' | 'targets' | 'ping' | 'push' | 'pull' | 'worker' | 'status' | 'results' | 'cancel';

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
  /** May be given more than once; the parsed value is the list of values. */
  readonly repeatable?: boolean;
}

/** The flags after parsing (values still text; `options.ts` checks and converts them once). */
export interface CliFlags {
  readonly inventory?: string;
  readonly exclude?: string;
  readonly concurrency?: string;
  readonly perTarget?: string;
  readonly timeout?: string;
  readonly retries?: string;
  readonly halt?: string;
  readonly batches?: string;
  readonly output?: string;
  readonly rawOutput?: boolean;
  readonly progress?: string;
  readonly joblog?: string;
  readonly resume?: boolean;
  readonly resumeFailed?: boolean;
  readonly dryRun?: boolean;
  readonly checksum?: boolean;
  readonly preserve?: boolean;
  readonly sync?: boolean;
  readonly mkdirs?: boolean;
  readonly link?: boolean;
  readonly colsep?: string;
  readonly maxArgs?: string;
  readonly contextReplace?: boolean;
  readonly multipleArgs?: boolean;
  readonly pipe?: boolean;
  readonly block?: string;
  readonly transfer?: boolean;
  readonly return?: readonly string[];
  readonly cleanup?: boolean;
  /** `--queue` alone (jobs): the queue named by FANOUT_QUEUE or the PG* variables. */
  readonly queue?: string | boolean;
  readonly wait?: boolean;
  readonly outputCap?: string;
  readonly run?: string;
  readonly lease?: string;
  readonly journal?: string;
  readonly verbose?: boolean;
  readonly stdin?: boolean;
  readonly results?: string;
  readonly keepOrder?: boolean;
  readonly tagstring?: string;
  readonly delay?: string;
  readonly env?: readonly string[];
  readonly secret?: readonly string[];
  readonly allowInsecure?: boolean;
  readonly tty?: boolean;
  /** `--become` alone: root. */
  readonly become?: string | boolean;
  readonly askBecomePass?: boolean;
}

const RUNS: readonly CommandName[] = ['run', 'jobs', 'push', 'pull'];
const JOBS: readonly CommandName[] = ['jobs'];
const ALL: readonly CommandName[] = ['run', 'jobs', 'targets', 'ping', 'push', 'pull', 'worker'];
const TRANSFERS: readonly CommandName[] = ['push', 'pull'];
const QUEUE: readonly CommandName[] = ['jobs', 'worker', 'status', 'results', 'cancel'];

/** Every flag of the CLI. */
export const FLAGS: readonly FlagSpec[] = [
  {
    key: 'env',
    long: 'env',
    value: 'name',
    repeatable: true,
    commands: ['run', 'jobs', 'worker'],
    description:
      "pass this variable's value here to every command (NAME=value sets it); it travels off every argv and shows as *** in output, logs and errors (repeatable)",
  },
  {
    key: 'secret',
    long: 'secret',
    value: 'name',
    repeatable: true,
    commands: ['run', 'jobs', 'worker'],
    description:
      'the value of this variable here is secret: it shows as *** in output, logs and errors (it is not passed on; that is --env) (repeatable)',
  },
  {
    key: 'allowInsecure',
    long: 'allow-insecure',
    commands: ALL,
    description: 'let the inventory turn off host-key checking (hostKeyPolicy: insecure) or hold passwords',
  },
  {
    key: 'inventory',
    long: 'inventory',
    short: 'i',
    value: 'file',
    commands: ALL,
    description: 'inventory file (default: ./fanout.yaml when it exists)',
  },
  {
    key: 'exclude',
    long: 'exclude',
    short: 'x',
    value: 'targets',
    commands: ALL,
    description:
      "leave out these comma-separated names, globs, @groups or ranges (as pdsh -x; same as '!name')",
  },
  {
    key: 'verbose',
    long: 'verbose',
    commands: ALL,
    description: 'also list what the inventory reader ignored (Ansible variables other than connection keys)',
  },
  {
    key: 'concurrency',
    long: 'concurrency',
    short: 'j',
    value: 'n|auto',
    commands: [...RUNS, 'worker', 'ping'],
    description:
      'most jobs running at once over all targets (default: 32); auto (run, jobs, push, pull): each target gets a limit of its own, from 4, that shrinks when its jobs fail or slow down and grows while they go well, up to 64 or --per-target; progress shows the limits that moved',
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
    commands: [...RUNS, 'ping'],
    description:
      "kill a job after this long: seconds, or '500ms', '30s', '2m' (default: none; ping: 10s per target)",
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
    key: 'rawOutput',
    long: 'raw-output',
    commands: RUNS,
    description:
      "pass jobs' control characters (escape sequences …) to a terminal as they are (default: shown as ^[ …)",
  },
  {
    key: 'progress',
    long: 'progress',
    value: 'mode',
    commands: RUNS,
    choices: ['auto', 'bar', 'plain', 'none'],
    description:
      'status on stderr (default: auto, bar on a terminal and plain otherwise): bar redraws a few lines in place at most 10 times a second (done/failed/running overall and per target group, jobs/s, ETA from job durations, stalled jobs); plain prints a line a second',
  },
  {
    key: 'joblog',
    long: 'joblog',
    value: 'file',
    commands: [...RUNS, 'results'],
    description: "append one line per finished job to file, in GNU parallel's joblog format",
  },
  {
    key: 'stdin',
    long: 'stdin',
    commands: ['run', 'jobs'],
    description:
      "send fanout's stdin to every job's command (pssh -I); read once, spooled to a temp file when over 8 MiB",
  },
  {
    key: 'results',
    long: 'results',
    value: 'dir',
    commands: RUNS,
    description:
      'write each job’s output to dir/<target> (run, push, pull) or dir/<job number> (jobs): stdout, stderr as they arrive, exit when it ends',
  },
  {
    key: 'keepOrder',
    long: 'keep-order',
    short: 'k',
    commands: RUNS,
    description:
      'print output in input order (jobs after the oldest running one wait until it ends; past 8 MB in all, waiting output goes to a temporary file, deleted however fanout ends)',
  },
  {
    key: 'tagstring',
    long: 'tagstring',
    value: 'template',
    commands: RUNS,
    description:
      'label output lines with template instead of the target: {target}, {#}, {}, {.}, {/}, {//}, {/.}, {1} … (default: the target, and #n for jobs)',
  },
  {
    key: 'delay',
    long: 'delay',
    value: 'duration',
    commands: RUNS,
    description: "wait this long between two job starts: seconds, or '500ms', '2s' (default: 0)",
  },
  {
    key: 'tty',
    long: 'tty',
    commands: ['run', 'jobs'],
    description:
      'run each command on a pseudo-terminal (ssh -t, docker exec -t, kubectl exec -t), for commands that need one; its stderr then arrives with its stdout, and it reads nothing on stdin (SSH, Docker and Kubernetes targets)',
  },
  {
    key: 'become',
    long: 'become',
    value: '[user]',
    commands: ['run', 'jobs'],
    description:
      "run each command as user (default: root) through sudo -n -u user, which fails rather than asks when sudo wants a password; sudo's environment rules apply to --env (SSH targets only)",
  },
  {
    key: 'askBecomePass',
    long: 'ask-become-pass',
    commands: ['run', 'jobs'],
    description:
      'with --become: read the sudo password once, typed on the terminal or from FANOUT_BECOME_PASS, and give it to sudo -S on the command’s stdin; it is a secret, shown as *** everywhere',
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
    key: 'link',
    long: 'link',
    commands: JOBS,
    description:
      'pair the input sources value by value (shorter ones start over) instead of every combination',
  },
  {
    key: 'colsep',
    long: 'colsep',
    value: 'regex',
    commands: JOBS,
    description:
      'split each input line into columns at regex: the columns are {1}, {2} … (default: no split)',
  },
  {
    key: 'maxArgs',
    long: 'max-args',
    short: 'N',
    value: 'n',
    commands: JOBS,
    description: 'n arguments per job ({1} … {n}); with --pipe, n lines per chunk (default: 1)',
  },
  {
    key: 'contextReplace',
    long: 'context-replace',
    short: 'X',
    commands: JOBS,
    description:
      'as many arguments per job as fit: the word holding {} is repeated once per argument (GNU parallel -X)',
  },
  {
    key: 'multipleArgs',
    long: 'multiple-args',
    short: 'm',
    commands: JOBS,
    description: 'as many arguments per job as fit, all in place of {} (GNU parallel -m)',
  },
  {
    key: 'pipe',
    long: 'pipe',
    commands: JOBS,
    description: 'cut stdin into chunks at line ends (--block or -N lines); each chunk is one job’s stdin',
  },
  {
    key: 'block',
    long: 'block',
    value: 'size',
    commands: JOBS,
    description: "with --pipe: chunks of about size bytes, e.g. '512k', '10M' (default: 1M)",
  },
  {
    key: 'transfer',
    long: 'transfer',
    commands: JOBS,
    description:
      "send each job's argument, a local file, to the target that runs it before the job: a relative path below the target's working directory, the part after /./ too, an absolute one to the same path",
  },
  {
    key: 'return',
    long: 'return',
    value: 'path',
    repeatable: true,
    commands: JOBS,
    description:
      "after each job, fetch this file (replacement strings allowed, e.g. '{.}.out') from the target to the same path here; a job that did not create it fails (repeatable)",
  },
  {
    key: 'cleanup',
    long: 'cleanup',
    commands: JOBS,
    description:
      'after each job, remove the files --transfer sent and --return fetched from the target, and their directories left empty',
  },
  {
    key: 'checksum',
    long: 'checksum',
    commands: TRANSFERS,
    description: 'verify each file by sha256 from source to destination before it takes its name',
  },
  { key: 'preserve', long: 'preserve', commands: TRANSFERS, description: 'keep modification times' },
  {
    key: 'sync',
    long: 'sync',
    commands: TRANSFERS,
    description: 'skip files whose size and modification time already match (implies --preserve)',
  },
  {
    key: 'mkdirs',
    long: 'mkdirs',
    commands: ['push'],
    description: 'create REMOTE_DIR and its parents when missing',
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
    key: 'outputCap',
    long: 'output-cap',
    value: 'size',
    commands: ['jobs'],
    description:
      "with --queue: keep at most this much of each attempt's stdout and of its stderr in the results, e.g. '4k', '1M', up to 256M (default: 64k)",
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
