import {
  hasSecrets,
  openJoblog,
  type FleetEvent,
  type FleetOptions,
  type FleetReport,
  type FleetTarget,
  type JoblogWriter,
} from '../../index.js';
import { setMaxListeners } from 'node:events';
import { EXIT, exitCodeForRun } from '../exit-code.js';
import { fitConcurrency, openFileLimit } from '../fd-limit.js';
import type { CliIo } from '../io.js';
import type { RunSettings } from '../options.js';
import { redactEvent } from '../redact.js';
import { showControls } from '../render/controls.js';
import { createCutNotes } from '../render/cut-notes.js';
import { createOutputRenderer } from '../render/output.js';
import { createProgressRenderer } from '../render/progress.js';
import type { TransferTally } from '../render/transfer-tally.js';
import { palette, Screen, useColor } from '../render/screen.js';
import { createMemoryBudget } from '../render/spill.js';
import { FailureLog, printSummary } from '../render/summary.js';
import { keepOrder } from '../keep-order.js';
import { createResultsWriter } from '../results.js';
import { spoolStream } from '../spool.js';

/** What `run` and `jobs` hand to a session: the fleet, how jobs are named, and how to start the run. */
export interface SessionPlan {
  readonly settings: RunSettings;
  readonly members: readonly FleetTarget[];
  /** The number of jobs, when known before the run. */
  readonly total: number | undefined;
  /** The group progress counts a target's jobs under; default the target's kind (`ssh`, `local` …). */
  readonly groupOf?: (target: string) => string;
  /** Set when every target runs exactly this many jobs (`run`): progress then knows each group's total. */
  readonly jobsPerTarget?: number;
  readonly label: (target: string, seq: number) => string;
  readonly collapseLabel: (target: string, seq: number) => string;
  /** The folder of a job under `--results DIR`: the target for `run`, the job number for `jobs`. */
  readonly resultsName: (target: string, seq: number) => string;
  readonly start: (options: Partial<FleetOptions>) => Promise<FleetReport>;
  /** Bytes and files moved by the jobs (`push`, `pull`): progress shows them. */
  readonly transfers?: TransferTally;
}

const DISPOSE_WAIT_MS = 2000;

/**
 * Runs a plan with everything around it: output and progress renderers, the joblog, Ctrl-C / SIGTERM
 * (kill running jobs, write the joblog, print the summary, exit 130; a second one exits at once), the
 * summary, and the exit status.
 *
 * @example
 * return runSession(plan, io);
 */
export async function runSession(plan: SessionPlan, io: CliIo): Promise<number> {
  const { settings } = plan;
  // Checked before anything starts: too many jobs at once would fail on EMFILE, not on their own.
  const concurrency = fitConcurrency({
    given: settings.fleet.concurrency,
    // -j auto: the targets' own limits bound the run (and the open-file limit, when it is lower).
    fallback: settings.fleet.adaptive ? Infinity : 32,
    members: plan.members,
    jobs: plan.total,
    limit: openFileLimit(),
  });
  const outColors = palette(useColor(io.stdout, io.env));
  const errColors = palette(useColor(io.stderr, io.env));
  const screen = new Screen(io, settings.progress === 'bar');
  // --tagstring needs each job's arguments: kept from its start until it ended well (failures are listed).
  const argsBySeq = new Map<number, readonly string[]>();
  const tag = settings.tag;
  const label = tag
    ? (target: string, seq: number) => tag({ target, seq, args: argsBySeq.get(seq) ?? [] })
    : plan.label;
  // On a terminal, a job's control characters are shown, not acted on (unless --raw-output).
  const escaped = {
    stdout: io.stdout.isTTY === true && !settings.rawOutput,
    stderr: io.stderr.isTTY === true && !settings.rawOutput,
  };
  const show = (stream: 'stdout' | 'stderr', line: string): string =>
    escaped[stream] ? showControls(line) : line;
  const renderer = createOutputRenderer(settings.output, {
    screen,
    colors: outColors,
    label,
    collapseLabel: plan.collapseLabel,
    show,
    budget: createMemoryBudget(),
  });
  const output = settings.keepOrder ? keepOrder(renderer) : renderer;
  const results = settings.results ? createResultsWriter(settings.results, plan.resultsName) : undefined;
  const input = settings.stdin ? await spoolStream(io.stdin) : undefined;
  const cutNotes = createCutNotes({ screen, label });
  const groupOf = plan.groupOf ?? kindsOf(plan.members);
  const groups = new Map<string, number | undefined>();
  for (const member of plan.members) {
    const group = groupOf(member.name);
    const perTarget = plan.jobsPerTarget;
    groups.set(group, perTarget === undefined ? undefined : (groups.get(group) ?? 0) + perTarget);
  }
  const progress = createProgressRenderer(settings.progress, screen, errColors, {
    total: plan.total,
    groupOf,
    groups,
    label,
    ...(plan.transfers ? { transfers: plan.transfers } : {}),
  });
  const failures = new FailureLog();
  const joblog: JoblogWriter | undefined =
    settings.joblog === undefined
      ? undefined
      : openJoblog(settings.joblog, { append: settings.resume !== undefined });

  // First Ctrl-C / SIGTERM: stop starting jobs, TERM the running ones (KILL after the grace period). A second
  // one: KILL them now. Either way the run ends normally: joblog, summary, exit 130.
  const controller = new AbortController();
  const killNow = new AbortController();
  setMaxListeners(Infinity, controller.signal, killNow.signal);
  let interrupted = false;
  let stdoutClosed = false;
  const onSignal = (): void => {
    if (interrupted) killNow.abort(new Error('Interrupted twice'));
    interrupted = true;
    controller.abort(new Error('Interrupted'));
  };
  // A reader that went away (`fanout … | head -1`): nobody reads the rest, so stop like a Ctrl-C.
  const onStdoutError = (error: NodeJS.ErrnoException): void => {
    if (error.code !== 'EPIPE' || stdoutClosed) return;
    stdoutClosed = true;
    screen.stdoutClosed = true;
    controller.abort(new Error('Standard output closed'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  io.stdout.on('error', onStdoutError);

  // Registered secrets (--env values, --secret) never reach the terminal, the joblog or the summary.
  const onEvent = (raw: FleetEvent): void => {
    const event = hasSecrets() ? redactEvent(raw) : raw;
    if (event.type === 'end') joblog?.write(event.report);
    if (tag && event.type === 'start') argsBySeq.set(event.job.seq, event.job.args);
    results?.onEvent(event);
    output.onEvent(event);
    cutNotes.onEvent(event);
    progress.onEvent(event);
    failures.onEvent(event);
    // Output held by -k still needs the label of a finished job.
    if (tag && event.type === 'end' && event.report.ok && !settings.keepOrder)
      argsBySeq.delete(event.report.seq);
  };

  let report: FleetReport;
  try {
    report = await plan.start({
      ...settings.fleet,
      concurrency,
      signal: controller.signal,
      killNow: killNow.signal,
      onEvent,
      keepJobs: false,
      keepOutput: false,
      ...(input ? { stdin: input.stdin } : {}),
    });
  } catch (error) {
    results?.close();
    input?.dispose();
    progress.stop();
    output.dispose();
    joblog?.close({ complete: false });
    await disposeTargets(plan.members);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    io.stdout.removeListener('error', onStdoutError);
    throw error;
  }
  results?.close();
  input?.dispose();
  progress.stop();
  joblog?.close();
  try {
    output.finish();
  } finally {
    output.dispose();
  }
  printSummary(screen, errColors, report, failures, {
    interrupted: interrupted ? 'interrupted' : stdoutClosed ? 'stdout closed' : undefined,
    label,
    show: (line) => show('stderr', line),
  });
  const status =
    stdoutClosed && !interrupted ? EXIT.stdoutClosed : exitCodeForRun(report.counts, interrupted);
  if (settings.output === 'json') {
    screen.out(
      `${JSON.stringify({ type: 'summary', ...report.counts, halted: report.halted ?? null, interrupted, exitCode: status })}\n`,
    );
  }
  await disposeTargets(plan.members);
  // What a slow reader has not taken yet waits in a temporary file: hand it over before exiting.
  await screen.flushed();
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  io.stdout.removeListener('error', onStdoutError);
  return status;
}

/** The kind of each member's target, from its id (`ssh://…` → `ssh`, `local`). */
function kindsOf(members: readonly FleetTarget[]): (target: string) => string {
  const kinds = new Map(
    members.map((member) => [
      member.name,
      /^([a-z0-9]+):\/\//.exec(member.target.id)?.[1] ?? member.target.id,
    ]),
  );
  return (target) => kinds.get(target) ?? target;
}

/** Closes the targets' connections, waiting at most 2 s. */
export async function disposeTargets(members: readonly FleetTarget[]): Promise<void> {
  const targets = new Set(members.map((member) => member.target));
  const wait = new Promise<void>((resolve) => setTimeout(resolve, DISPOSE_WAIT_MS).unref());
  await Promise.race([Promise.allSettled([...targets].map((target) => target.dispose())), wait]);
}
