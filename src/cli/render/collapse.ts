import { createHash, type Hash } from 'node:crypto';
import { foldNames } from './fold.js';
import { describeOutcome } from './group.js';
import type { OutputRenderer, RenderContext } from './output.js';
import { HeldText, SpillFile } from './spill.js';

const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;

/**
 * `--output collapse`: at the end, each distinct output (with how the job ended) once, under the folded
 * list of the targets or jobs that produced it, like `dshbak -c`. One copy per distinct output is held, in
 * memory up to the budget and then in one temporary file; outputs are told apart by their SHA-256.
 *
 * @example
 * const output = createCollapseOutput(context);
 */
export function createCollapseOutput(context: RenderContext): OutputRenderer {
  const { screen, colors } = context;
  let file: SpillFile | undefined;
  const shared = (): SpillFile => (file ??= SpillFile.open());
  const running = new Map<number, { text: HeldText; hash: Hash }>();
  const groups = new Map<string, { labels: string[]; outcome: string; text: HeldText }>();
  return {
    onEvent(event) {
      if (event.type === 'start') {
        running.get(event.job.seq)?.text.release();
        running.set(event.job.seq, {
          text: new HeldText(context.budget, shared),
          hash: createHash('sha256'),
        });
      } else if (event.type === 'output') {
        const job = running.get(event.job.seq);
        if (!job) return;
        // Both streams, shown together on stdout.
        const line = `${context.show('stdout', event.line)}\n`;
        job.text.add(line);
        job.hash.update(line);
      } else if (event.type === 'end') {
        const job = event.report;
        const held = running.get(job.seq);
        running.delete(job.seq);
        if (job.stage === 'skipped' || !held) {
          held?.text.release();
          return;
        }
        const outcome = describeOutcome(job, colors);
        const key = `${outcome}\0${held.hash.digest('hex')}\0${held.text.length}`;
        let group = groups.get(key);
        if (group) held.text.release();
        else groups.set(key, (group = { labels: [], outcome, text: held.text }));
        group.labels.push(context.collapseLabel(job.target ?? '-', job.seq));
      }
    },
    finish() {
      for (const group of groups.values()) {
        const rule = '-'.repeat(16);
        screen.out(
          `${rule}\n${colors.cyan(foldNames([...group.labels].sort(naturalOrder)))} (${group.labels.length}): ${group.outcome}\n${rule}\n`,
        );
        if (group.text.length === 0) screen.out(colors.dim('(no output)\n'));
        else group.text.replay((chunk) => screen.out(chunk));
      }
    },
    dispose() {
      for (const { text } of running.values()) text.release();
      for (const { text } of groups.values()) text.release();
      running.clear();
      groups.clear();
      file?.close();
      file = undefined;
    },
  };
}
