import { describe, expect, it } from 'vitest';
import { FanoutError } from '../../src/errors.js';
import { closeMatches, parseInventory } from '../../src/fleet/inventory.js';
import { expandRange, selectTargets } from '../../src/fleet/selection.js';

const inventory = parseInventory(
  [
    'targets:',
    '  web01: local',
    '  web02: local',
    '  web03: local',
    '  web10: local',
    '  db1: local',
    '  db2: local',
    'groups:',
    '  web: [web01, web02, web03]',
    '  data: [db1, db2]',
    "  everything: ['@web', '@data', web10]",
  ].join('\n'),
  'fanout.yaml',
);

const names = (selectors: string[]) => selectTargets(inventory, selectors).map((spec) => spec.name);

describe('expandRange', () => {
  it.each([
    ['web[1-3]', ['web1', 'web2', 'web3']],
    ['web[01-03]', ['web01', 'web02', 'web03']],
    ['web[08-10]', ['web08', 'web09', 'web10']],
    ['n[1,3,5-6]', ['n1', 'n3', 'n5', 'n6']],
    ['r[1-2]c[1-2]', ['r1c1', 'r1c2', 'r2c1', 'r2c2']],
    ['plain', ['plain']],
  ])('expands %s', (selector, expected) => {
    expect(expandRange(selector)).toEqual(expected);
  });

  it.each(['web[3-1]', 'web[a-b]', 'web[1-]'])('rejects %s as a usage error', (selector) => {
    expect(() => expandRange(selector)).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('refuses a range of more than a million names before expanding it, saying how many', () => {
    expect(() => expandRange('a[1-100000][1-100000]')).toThrow(
      expect.objectContaining({
        code: 'USAGE',
        message:
          '`a[1-100000][1-100000]` stands for 10,000,000,000 names; a selection may name at most 1,000,000',
      }),
    );
    expect(expandRange('a[1-1000][1-1000]')).toHaveLength(1_000_000);
  });
});

describe('selectTargets', () => {
  it('resolves names, globs, groups, nested groups and ranges, in order without duplicates', () => {
    expect(names(['db2', 'web0*'])).toEqual(['db2', 'web01', 'web02', 'web03']);
    expect(names(['@everything'])).toEqual(['web01', 'web02', 'web03', 'db1', 'db2', 'web10']);
    expect(names(['web[02-03]', '@web'])).toEqual(['web02', 'web03', 'web01']);
    expect(names(['@all'])).toHaveLength(6);
  });

  it('takes direct URIs as targets of their own', () => {
    const [spec] = selectTargets(inventory, ['ssh://deploy@10.0.0.1:2222']);
    expect(spec).toMatchObject({ name: 'ssh://deploy@10.0.0.1:2222', kind: 'ssh', source: 'command line' });
    expect(selectTargets(undefined, ['local'])[0]).toMatchObject({ kind: 'local' });
  });

  it('names close matches for an unknown target or group', () => {
    const error = (() => {
      try {
        names(['wbe01']);
      } catch (caught) {
        return caught as FanoutError;
      }
    })();
    expect(error).toBeInstanceOf(FanoutError);
    expect(error?.code).toBe('USAGE');
    expect(error?.message).toContain('web01');
    expect(() => names(['@wbe'])).toThrow(/@web/);
    expect(() => names(['zz*'])).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => selectTargets(undefined, ['web01'])).toThrow(/no inventory/);
  });

  it('ranks close matches by edit distance', () => {
    expect(closeMatches('web1', ['web1x', 'db1', 'web2', 'xyz'])).toEqual(['web1x', 'web2']);
  });
});

describe('selectTargets with exclusion and intersection', () => {
  it.each([
    [
      ['@web', '!web03'],
      ['web01', 'web02'],
    ],
    [
      ['!web03', '@web'],
      ['web01', 'web02'],
    ],
    [
      ['@everything', '!@data'],
      ['web01', 'web02', 'web03', 'web10'],
    ],
    [['@everything:&@web'], ['web01', 'web02', 'web03']],
    [
      ['&@web', '@everything'],
      ['web01', 'web02', 'web03'],
    ],
    [['@everything:&web0*:!web02'], ['web01', 'web03']],
    [['!@web'], ['web10', 'db1', 'db2']],
    [
      ['web*', '!web[02-03]'],
      ['web01', 'web10'],
    ],
  ])('%j selects %j', (selectors, expected) => {
    expect(names(selectors)).toEqual(expected);
  });

  it('names close matches for an unknown name in an exclusion or intersection', () => {
    expect(() => names(['@web', '!wbe03'])).toThrow(/unknown target `wbe03`.*web03/);
    expect(() => names(['@web:&@dta'])).toThrow(/@data/);
  });

  it.each([[['@web', '!@web']], [['@web:&@data']], [['@web', '!!web01']], [['@web:&']]])(
    '%j is a usage error',
    (selectors) => {
      expect(() => names(selectors)).toThrow(expect.objectContaining({ code: 'USAGE' }));
    },
  );
});
