import type { Readable } from 'node:stream';
import { readSource, type InputSource } from './sources.js';

/** How linked sources of unequal length pair up: `--link` reuses the shorter ones, `:::+` stops at the shortest. */
type LinkMode = 'wrap' | 'shortest';

interface SourceGroup {
  readonly sources: InputSource[];
  readonly mode: LinkMode;
}

function groupSources(sources: readonly InputSource[], linkAll: boolean): SourceGroup[] {
  if (linkAll) return [{ sources: [...sources], mode: 'wrap' }];
  const groups: SourceGroup[] = [];
  for (const source of sources) {
    if (source.linked && groups.length > 0) groups[groups.length - 1]!.sources.push(source);
    else groups.push({ sources: [source], mode: 'shortest' });
  }
  return groups;
}

async function collect(source: InputSource, stdin: Readable): Promise<string[]> {
  const values: string[] = [];
  for await (const value of readSource(source, stdin)) values.push(value);
  return values;
}

/** The tuples of one group; a group of one source is streamed, linked sources are read whole. */
async function* groupTuples(group: SourceGroup, stdin: Readable): AsyncGenerator<string[]> {
  if (group.sources.length === 1) {
    for await (const value of readSource(group.sources[0]!, stdin)) yield [value];
    return;
  }
  const lists = await Promise.all(group.sources.map((source) => collect(source, stdin)));
  const lengths = lists.map((list) => list.length);
  if (Math.min(...lengths) === 0) return;
  const count = group.mode === 'wrap' ? Math.max(...lengths) : Math.min(...lengths);
  for (let index = 0; index < count; index++) yield lists.map((list) => list[index % list.length]!);
}

function* product(groups: readonly (readonly string[][])[]): Generator<string[]> {
  if (groups.length === 0) {
    yield [];
    return;
  }
  const [head, ...rest] = groups;
  for (const tuple of head!) for (const tail of product(rest)) yield [...tuple, ...tail];
}

/**
 * The argument records of a run, in GNU parallel's order: every combination of the source groups, the
 * last varying fastest; linked sources (`--link`, `:::+`) pair their values instead. The first group is
 * read lazily; the others are read whole, since each of their values is used many times.
 *
 * @example
 * // ::: a b ::: 1 2  →  [a,1] [a,2] [b,1] [b,2]
 * for await (const record of combineSources(sources, process.stdin, false)) …
 */
export async function* combineSources(
  sources: readonly InputSource[],
  stdin: Readable,
  linkAll: boolean,
): AsyncGenerator<string[]> {
  const [first, ...others] = groupSources(sources, linkAll);
  if (!first) return;
  const rest: string[][][] = [];
  for (const group of others) {
    const tuples: string[][] = [];
    for await (const tuple of groupTuples(group, stdin)) tuples.push(tuple);
    rest.push(tuples);
  }
  for await (const tuple of groupTuples(first, stdin)) {
    for (const tail of product(rest)) yield [...tuple, ...tail];
  }
}

/**
 * The number of records, when every source is a list on the command line; undefined otherwise.
 *
 * @example
 * countRecords(sources, false) // 4 for ::: a b ::: 1 2
 */
export function countRecords(sources: readonly InputSource[], linkAll: boolean): number | undefined {
  // No source: the records are stdin's lines, not known before it ends.
  if (sources.length === 0 || sources.some((source) => source.kind !== 'values')) return undefined;
  return groupSources(sources, linkAll).reduce((total, group) => {
    const lengths = group.sources.map((source) => (source.kind === 'values' ? source.values.length : 0));
    return total * (group.mode === 'wrap' ? Math.max(...lengths) : Math.min(...lengths));
  }, 1);
}
