import { FanoutError } from '../../errors.js';
import { parseTemplate as parseParts, quoteFor, type TemplateContext } from '../template.js';

/** How a replacement string changes its argument: `{.}`, `{/}`, `{//}`, `{/.}`, or not at all (`{}`). */
export type Modifier = '' | '.' | '/' | '//' | '/.';

/** A piece of a parsed template. */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'arg';
      /** 1-based position (`{2}`), undefined for all arguments (`{}`). */
      readonly position: number | undefined;
      readonly modifier: Modifier;
      readonly context: TemplateContext;
    }
  | { readonly kind: 'seq' | 'slot'; readonly context: TemplateContext };

/** A template: shell words (each a list of parts) separated by the whitespace written between them. */
export interface Template {
  readonly words: readonly { readonly parts: readonly TemplatePart[]; readonly space: string }[];
  /** True when some word holds an argument replacement string; otherwise arguments are appended. */
  readonly hasArgs: boolean;
  /** The highest positional replacement string (`{3}` → 3), 0 when there is none. */
  readonly maxPosition: number;
  readonly usesSlot: boolean;
}

/** GNU parallel replacement strings fanout does not implement: a usage error, never literal text. */
const UNSUPPORTED =
  /\{(?:-?\d+)?(?:\+\/|\+\.|\+\.\.|\.\.\.?|\/\.\.\.?|\d+,\d+)\}|\{-\d+[^}]*\}|\{0+[./]*\}|\{=[^}]*=\}/;
const ARG = /^\{(\d*)(\.|\/|\/\/|\/\.)?\}$/;

export const SUPPORTED_REPLACEMENTS = '{} {.} {/} {//} {/.} {#} {%} {n} {n.} {n/} {n//} {n/.}';

function usage(message: string): FanoutError {
  return new FanoutError(message, { code: 'USAGE' });
}

function toPart(token: string, context: TemplateContext): TemplatePart {
  if (token === '{#}') return { kind: 'seq', context };
  if (token === '{%}') return { kind: 'slot', context };
  const [, digits = '', modifier = ''] = ARG.exec(token) ?? [];
  return {
    kind: 'arg',
    position: digits === '' ? undefined : Number(digits),
    modifier: modifier as Modifier,
    context,
  };
}

/**
 * Parses a job template: the replacement strings, each with the place it stands (outside quotes, inside
 * '…' or "…", found by the fleet's template parser, which also refuses places no quoting makes safe), and
 * the shell words they belong to (for \`-X\`). An unsupported GNU parallel form is a USAGE error.
 *
 * @example
 * parseTemplate('convert {} {.}.png').hasArgs // true
 */
export function parseTemplate(text: string): Template {
  const unsupported = UNSUPPORTED.exec(text);
  if (unsupported) {
    throw usage(
      `replacement string \`${unsupported[0]}\` is not supported (supported: ${SUPPORTED_REPLACEMENTS})`,
    );
  }
  const words: { parts: TemplatePart[]; space: string }[] = [];
  let parts: TemplatePart[] = [];
  const endWord = (space: string): void => {
    if (parts.length > 0) words.push({ parts, space });
    else if (words.length > 0) words[words.length - 1]!.space += space;
    else if (space !== '') words.push({ parts: [], space });
    parts = [];
  };
  // Quote state inside literal text, only to find the unquoted blanks between words.
  let quote: TemplateContext = 'plain';
  for (const piece of parseParts(text)) {
    if (!('text' in piece)) {
      quote = piece.context;
      parts.push(toPart(piece.token, piece.context));
      continue;
    }
    let literal = '';
    for (let index = 0; index < piece.text.length; index++) {
      const char = piece.text[index]!;
      if (quote === 'plain' && /\s/.test(char)) {
        let end = index;
        while (end + 1 < piece.text.length && /\s/.test(piece.text[end + 1]!)) end += 1;
        if (literal !== '') parts.push({ kind: 'text', text: literal });
        literal = '';
        endWord(piece.text.slice(index, end + 1));
        index = end;
        continue;
      }
      literal += char;
      if (char === '\\' && quote !== 'single' && index + 1 < piece.text.length)
        literal += piece.text[++index]!;
      else if (char === "'" && quote !== 'double') quote = quote === 'single' ? 'plain' : 'single';
      else if (char === '"' && quote !== 'single') quote = quote === 'double' ? 'plain' : 'double';
    }
    if (literal !== '') parts.push({ kind: 'text', text: literal });
  }
  endWord('');
  const all = words.flatMap((word) => word.parts);
  const args = all.filter((part) => part.kind === 'arg');
  return {
    words,
    hasArgs: args.length > 0,
    maxPosition: Math.max(0, ...args.map((part) => part.position ?? 0)),
    usesSlot: all.some((part) => part.kind === 'slot'),
  };
}

/**
 * Applies a modifier to one argument, as GNU parallel does: `{.}` drops the extension, `{/}` the
 * directory, `{//}` keeps only the directory, `{/.}` keeps the base name without extension.
 *
 * @example
 * modify('dir/photo.jpg', '/.') // 'photo'
 */
export function modify(value: string, modifier: Modifier): string {
  const slash = value.lastIndexOf('/');
  const base = value.slice(slash + 1);
  const withoutExtension = (name: string): string => {
    const dot = name.lastIndexOf('.');
    return dot > 0 ? name.slice(0, dot) : name;
  };
  switch (modifier) {
    case '':
      return value;
    case '.':
      return value.slice(0, slash + 1) + withoutExtension(base);
    case '/':
      return base;
    case '//':
      return slash < 0 ? '.' : slash === 0 ? '/' : value.slice(0, slash);
    case '/.':
      return withoutExtension(base);
  }
}

/** What one job fills a template with. */
export interface Fill {
  readonly args: readonly string[];
  readonly seq: number;
  /** The job slot (`{%}`); only read when the template uses it. */
  readonly slot?: number;
}

function argValues(args: readonly string[], position: number | undefined, modifier: Modifier): string[] {
  if (position === undefined) return args.map((arg) => modify(arg, modifier));
  return [modify(args[position - 1] ?? '', modifier)];
}

function renderPart(part: TemplatePart, fill: Fill): string {
  switch (part.kind) {
    case 'text':
      return part.text;
    case 'seq':
      return quoteFor(part.context, String(fill.seq));
    case 'slot':
      return quoteFor(part.context, String(fill.slot ?? 1));
    case 'arg': {
      const values = argValues(fill.args, part.position, part.modifier);
      // Outside quotes each argument stays a word of its own; inside quotes they share the quoted word.
      return part.context === 'plain'
        ? values.map((value) => quoteFor('plain', value)).join(' ')
        : quoteFor(part.context, values.join(' '));
    }
  }
}

function renderWord(parts: readonly TemplatePart[], fill: Fill): string {
  return parts.map((part) => renderPart(part, fill)).join('');
}

/**
 * Builds a job's command: every replacement string becomes its value, quoted so that it reaches the
 * command as exactly the argument wherever it stands (outside quotes, inside '…' or "…"). With no argument
 * replacement string, the arguments are appended, each quoted. `repeat` (GNU parallel's `-X`) repeats each
 * word that holds a replacement string once per argument instead.
 *
 * @example
 * renderTemplate(parseTemplate("echo '{}'"), { args: ["it's"], seq: 1 }) // "echo 'it'\''s'"
 */
export function renderTemplate(template: Template, fill: Fill, repeat = false): string {
  let command = '';
  for (const word of template.words) {
    const holdsArg = word.parts.some((part) => part.kind === 'arg');
    if (repeat && holdsArg) {
      command += fill.args.map((arg) => renderWord(word.parts, { ...fill, args: [arg] })).join(' ');
    } else command += renderWord(word.parts, fill);
    command += word.space;
  }
  if (!template.hasArgs && fill.args.length > 0) {
    command = `${command.trimEnd()} ${fill.args.map((arg) => quoteFor('plain', arg)).join(' ')}`;
  }
  return command;
}

/**
 * Builds a job's command from a template string, as GNU parallel does: every replacement string (`{}`, `{.}`,
 * `{1}`, `{#}` …) becomes its value, quoted for where it stands; with none for the arguments, they are appended.
 *
 * @example
 * expandTemplate('gzip -k {}', ['my file.txt'], 3) // "gzip -k 'my file.txt'"
 * expandTemplate('echo "file: {}"', ['$(id)'], 1) // 'echo "file: \\$(id)"'
 */
export function expandTemplate(template: string, args: readonly string[], seq: number): string {
  return renderTemplate(parseTemplate(template), { args, seq });
}
