import { FanoutError } from '../../errors.js';
import { quoteFor, type QuoteContext } from './quote-context.js';

/** How a replacement string changes its argument: `{.}`, `{/}`, `{//}`, `{/.}`, or not at all (`{}`). */
export type Modifier = '' | '.' | '/' | '//' | '/.';

/** A piece of a parsed template. */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'arg';
      /** 1-based position (`{2}`), negative from the end (`{-1}`), undefined for all arguments (`{}`). */
      readonly position: number | undefined;
      readonly modifier: Modifier;
      readonly context: QuoteContext;
      /** The replacement string as written, for error messages. */
      readonly source: string;
    }
  | { readonly kind: 'seq' | 'slot'; readonly context: QuoteContext };

/** A template: shell words (each a list of parts) separated by the whitespace written between them. */
export interface Template {
  readonly words: readonly { readonly parts: readonly TemplatePart[]; readonly space: string }[];
  /** True when some word holds an argument replacement string; otherwise arguments are appended. */
  readonly hasArgs: boolean;
  /** The highest positional replacement string (`{3}` → 3), 0 when there is none. */
  readonly maxPosition: number;
  readonly usesSlot: boolean;
}

/** The replacement strings fanout knows, as GNU parallel spells them. */
const KNOWN = /\{(-?[1-9]\d*)?(\.|\/|\/\/|\/\.)?\}|\{#\}|\{%\}/y;
/** GNU parallel replacement strings fanout does not implement: a usage error, never literal text. */
const UNSUPPORTED = /\{(-?\d+)?(\+\/|\+\.|\+\.\.|\.\.\.?|\/\.\.\.?|=[^}]*=|\d+,\d+)\}/y;

export const SUPPORTED_REPLACEMENTS = '{} {.} {/} {//} {/.} {#} {%} {n} {n.} {n/} {n//} {n/.} {-n}';

/**
 * Parses a job template: finds the replacement strings and notes, for each, whether it stands outside
 * quotes or inside '…' or "…", so its value can be quoted for exactly that place.
 *
 * @example
 * parseTemplate('convert {} {.}.png').maxPosition // 0
 */
export function parseTemplate(text: string): Template {
  const words: { parts: TemplatePart[]; space: string }[] = [];
  let parts: TemplatePart[] = [];
  let literal = '';
  let context: QuoteContext = 'plain';
  let hasArgs = false;
  let maxPosition = 0;
  let usesSlot = false;
  const flushText = (): void => {
    if (literal !== '') parts.push({ kind: 'text', text: literal });
    literal = '';
  };
  const endWord = (space: string): void => {
    flushText();
    if (parts.length > 0) words.push({ parts, space });
    else if (words.length > 0) words[words.length - 1]!.space += space;
    parts = [];
  };
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    UNSUPPORTED.lastIndex = index;
    const unsupported = UNSUPPORTED.exec(text);
    if (unsupported) {
      throw new FanoutError(
        `replacement string \`${unsupported[0]}\` is not supported (supported: ${SUPPORTED_REPLACEMENTS})`,
        { code: 'USAGE' },
      );
    }
    KNOWN.lastIndex = index;
    const known = KNOWN.exec(text);
    if (known) {
      flushText();
      const source = known[0];
      if (source === '{#}') parts.push({ kind: 'seq', context });
      else if (source === '{%}') {
        parts.push({ kind: 'slot', context });
        usesSlot = true;
      } else {
        const position = known[1] === undefined ? undefined : Number(known[1]);
        if (position !== undefined) maxPosition = Math.max(maxPosition, Math.abs(position));
        hasArgs = true;
        parts.push({ kind: 'arg', position, modifier: (known[2] ?? '') as Modifier, context, source });
      }
      index += source.length;
      continue;
    }
    if (context === 'plain' && /\s/.test(char)) {
      let end = index;
      while (end < text.length && /\s/.test(text[end]!)) end += 1;
      endWord(text.slice(index, end));
      index = end;
      continue;
    }
    literal += char;
    if (context === 'plain') {
      if (char === "'") context = 'single';
      else if (char === '"') context = 'double';
      else if (char === '\\' && index + 1 < text.length) literal += text[++index]!;
    } else if (context === 'single') {
      if (char === "'") context = 'plain';
    } else if (context === 'double') {
      if (char === '"') context = 'plain';
      else if (char === '\\' && index + 1 < text.length) literal += text[++index]!;
    }
    index += 1;
  }
  endWord('');
  return { words, hasArgs, maxPosition, usesSlot };
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
  const value = position > 0 ? args[position - 1] : args[args.length + position];
  return [modify(value ?? '', modifier)];
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
