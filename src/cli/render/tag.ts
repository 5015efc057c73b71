import type { OutputRenderer, RenderContext } from './output.js';

/**
 * `--output tag`: every line as it arrives, whole, prefixed with its source (`web1: …`); stderr lines go
 * to stderr.
 *
 * @example
 * const output = createTagOutput(context);
 */
export function createTagOutput(context: RenderContext): OutputRenderer {
  const { screen, colors } = context;
  return {
    onEvent(event) {
      if (event.type !== 'output') return;
      const prefix = colors.cyan(`${context.label(event.target, event.job.seq)}:`);
      const line = context.show(event.stream, event.line);
      if (event.stream === 'stdout') screen.out(`${prefix} ${line}\n`);
      else screen.err(`${prefix} ${line}\n`);
    },
    finish() {},
    dispose() {},
  };
}
