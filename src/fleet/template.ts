import { FanoutError } from '../errors.js';
import { printfBytes, RAW_BYTES } from '../internal/bytes.js';
import { checkQuotable, quote } from '../internal/quote.js';

/** Where in the shell's grammar a replacement string stands, which decides how its value is quoted. */
export type TemplateContext = 'plain' | 'single' | 'double';

/** A piece of a parsed template: literal shell text, or a replacement string such as `{}` or `{1.}`. */
export type TemplatePart =
  | { readonly text: string }
  | {
      /** The replacement string as written: `{}`, `{#}`, `{2/.}` … */
      readonly token: string;
      readonly context: TemplateContext;
      /** Its offset in the template (0-based), for error messages. */
      readonly position: number;
    };

/** GNU parallel's replacement strings: `{}`, `{#}`, `{%}`, `{.}`, `{/}`, `{//}`, `{/.}` and the `{N…}` forms. */
const TOKEN = /^\{(?:#|%|\d*(?:\.|\/|\/\/|\/\.)?)\}/;

function refuse(template: string, position: number, where: string): never {
  const token = TOKEN.exec(template.slice(position))?.[0] ?? '{}';
  throw new FanoutError(
    `cannot place ${token} ${where} (template offset ${position}): its value could not be quoted safely ` +
      `there; move it out, e.g. into a variable: v=${token}; …`,
    { code: 'USAGE' },
  );
}

/**
 * Refuses a command whose own text holds bytes that are not UTF-8 (a USAGE FanoutError): a command is sent as
 * UTF-8 text, so they could only reach the shell replaced. Arguments keep such bytes exactly (see `quote`).
 */
export function checkCommandText(command: string): void {
  const offset = command.search(/\p{Cs}/u);
  if (offset >= 0) {
    throw new FanoutError(
      `the command holds bytes that are not UTF-8 (offset ${offset}): it cannot be sent as they are; pass ` +
        'them as an argument ({} or ::: …), which keeps them exactly',
      { code: 'USAGE' },
    );
  }
}

/**
 * Splits a command template into literal text and replacement strings, noting for each replacement whether it
 * stands unquoted, inside '…' or inside "…" — so that its value can be quoted to reach the command as exactly
 * one argument wherever it stands. Throws a USAGE FanoutError for places where no quoting is safe: inside
 * backticks, `${…}` or a here-document.
 *
 * @example
 * parseTemplate(`echo "a {}"`) // [{ text: 'echo "a ' }, { token: '{}', context: 'double', position: 9 }, { text: '"' }]
 */
export function parseTemplate(template: string): TemplatePart[] {
  checkCommandText(template);
  const parts: TemplatePart[] = [];
  // The open constructs, innermost last: quotes, `$(`, `${`, backticks. Plain text when empty.
  const open: Array<"'" | '"' | '$(' | '${' | '`'> = [];
  let text = '';
  let hereDocument = false;
  let index = 0;
  while (index < template.length) {
    const char = template[index]!;
    const inner = open.at(-1);
    const token = char === '{' ? TOKEN.exec(template.slice(index))?.[0] : undefined;
    if (token) {
      if (hereDocument) refuse(template, index, 'in a here-document');
      if (open.includes('`')) refuse(template, index, 'inside backticks');
      if (open.includes('${')) refuse(template, index, 'inside ${…}');
      if (text) parts.push({ text });
      text = '';
      const context = inner === "'" ? 'single' : inner === '"' ? 'double' : 'plain';
      parts.push({ token, context, position: index });
      index += token.length;
      continue;
    }
    let step = 1;
    if (inner === "'") {
      if (char === "'") open.pop();
    } else if (char === '\\') {
      step = 2;
    } else if (char === '"') {
      if (inner === '"') open.pop();
      else open.push('"');
    } else if (char === '`') {
      if (inner === '`') open.pop();
      else open.push('`');
    } else if (char === '$' && (template[index + 1] === '(' || template[index + 1] === '{')) {
      open.push(template[index + 1] === '(' ? '$(' : '${');
      step = 2;
    } else if (inner === '$(' && char === ')') {
      open.pop();
    } else if (inner === '${' && char === '}') {
      open.pop();
    } else if (inner !== '"') {
      if (char === "'") open.push("'");
      else if (char === '(' && inner === '$(') open.push('$(');
      else if (char === '<' && template[index + 1] === '<') hereDocument = true;
    }
    text += template.slice(index, index + step);
    index += step;
  }
  if (text) parts.push({ text });
  return parts;
}

/**
 * Quotes a value for the place it stands in a template, so that it reaches the command as exactly one
 * argument (or, inside quotes, as exactly the quoted text).
 *
 * @example
 * quoteFor('double', '$(id)') // \$(id)
 */
export function quoteFor(context: TemplateContext, value: string): string {
  checkQuotable(value);
  // Bytes that were not UTF-8 are made by printf (see `quote`), inside double quotes.
  if (context === 'single') {
    return value.replaceAll("'", `'\\''`).replace(RAW_BYTES, (run) => `'"${printfBytes(run)}"'`);
  }
  if (context === 'double') return value.replace(/[$`"\\]/g, '\\$&').replace(RAW_BYTES, printfBytes);
  return quote(value);
}
