import { foldNames } from './fold.js';
import { describeOutcome } from './group.js';
import type { OutputRenderer, RenderContext } from './output.js';

const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;

/**
 * `--output collapse`: at the end, each distinct output (with how the job ended) once, under the folded
 * list of the targets or jobs that produced it, like `dshbak -c`. Memory holds one copy per distinct output.
 *
 * @example
 * const output = createCollapseOutput(context);
 */
export function createCollapseOutput(context: RenderContext): OutputRenderer {
  const { screen, colors } = context;
  const running = new Map<number, string[]>();
  const groups = new Map<string, { labels: string[]; outcome: string; text: string }>();
  return {
    onEvent(event) {
      if (event.type === 'start') running.set(event.job.seq, []);
      else if (event.type === 'output') running.get(event.job.seq)?.push(event.line);
      else if (event.type === 'end') {
        const job = event.report;
        const lines = running.get(job.seq) ?? [];
        running.delete(job.seq);
        if (job.stage === 'skipped') return;
        const outcome = describeOutcome(job, colors);
        const text = lines.join('\n');
        const key = `${outcome}\0${text}`;
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { labels: [], outcome, text }));
        group.labels.push(context.collapseLabel(job.target ?? '-', job.seq));
      }
    },
    finish() {
      for (const group of groups.values()) {
        const rule = '-'.repeat(16);
        screen.out(
          `${rule}\n${colors.cyan(foldNames([...group.labels].sort(naturalOrder)))} (${group.labels.length}): ${group.outcome}\n${rule}\n`,
        );
        screen.out(group.text === '' ? colors.dim('(no output)\n') : `${group.text}\n`);
      }
    },
  };
}
