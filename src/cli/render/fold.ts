/**
 * Folds names that differ only in a trailing number into ranges, as ClusterShell does:
 * `web01 web02 web03 db1` → `web[01-03],db1`.
 *
 * @example
 * foldNames(['web1', 'web2', 'web3', 'web5', 'db']) // 'web[1-3,5],db'
 */
export function foldNames(names: readonly string[]): string {
  const families = new Map<string, { width: number; numbers: number[] }>();
  const plain: string[] = [];
  const order: string[] = [];
  for (const name of names) {
    const match = /^(.*?)(\d+)$/.exec(name);
    if (!match) {
      plain.push(name);
      order.push(name);
      continue;
    }
    const digits = match[2]!;
    const width = digits.length > 1 && digits.startsWith('0') ? digits.length : 0;
    const key = `${match[1]}\0${width}`;
    if (!families.has(key)) {
      families.set(key, { width, numbers: [] });
      order.push(key);
    }
    families.get(key)!.numbers.push(Number(digits));
  }
  return order
    .map((key) => {
      const family = families.get(key);
      if (!family) return key;
      const prefix = key.slice(0, key.indexOf('\0'));
      const pad = (n: number) => String(n).padStart(family.width, '0');
      const sorted = [...new Set(family.numbers)].sort((a, b) => a - b);
      if (sorted.length === 1) return `${prefix}${pad(sorted[0]!)}`;
      const parts: string[] = [];
      for (let index = 0; index < sorted.length;) {
        let end = index;
        while (end + 1 < sorted.length && sorted[end + 1] === sorted[end]! + 1) end += 1;
        parts.push(end === index ? pad(sorted[index]!) : `${pad(sorted[index]!)}-${pad(sorted[end]!)}`);
        index = end + 1;
      }
      return `${prefix}[${parts.join(',')}]`;
    })
    .join(',');
}
