/**
 * The bisection algorithm on a toy Kconfig: `settle` applies a few
 * dependency rules (depends on, select, a default that follows its parent)
 * as olddefconfig would, and the oracle is a predicate on the values. Each
 * test counts the oracle's calls per config, so "never twice" is checked.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  applyFrom,
  bisectConfigs,
  canonicalText,
  differingSymbols,
  fewest,
  splitsOf,
  type BisectAdapters,
  type Candidate,
  type Values,
} from '../../../src/bisect/bisect.js';

type Rule = (v: Map<string, string>) => void;

/** depends on: `sym` is invisible (dropped) unless `dep` is y. */
const dependsOn =
  (sym: string, dep: string): Rule =>
  (v) => {
    if (v.get(dep) !== 'y') v.delete(sym);
  };
/** select: `sel`=y forces `sym`=y. */
const selects =
  (sel: string, sym: string): Rule =>
  (v) => {
    if (v.get(sel) === 'y') v.set(sym, 'y');
  };
/** `sym` depends on `dep` and defaults to y when it first becomes visible. */
const defaultYWith =
  (sym: string, dep: string): Rule =>
  (v) => {
    if (v.get(dep) !== 'y') v.delete(sym);
    else if (!v.has(sym)) v.set(sym, 'y');
  };

function cfg(pairs: Record<string, string>): Values {
  return new Map(Object.entries(pairs));
}

interface Harness {
  adapters: BisectAdapters;
  calls: Map<string, number>;
  tested: Candidate[];
}

function harness(rules: Rule[], isBad: (v: Values) => boolean, opts: { skip?: (v: Values) => boolean } = {}): Harness {
  const calls = new Map<string, number>();
  const tested: Candidate[] = [];
  const adapters: BisectAdapters = {
    settle(values) {
      const v = new Map(values);
      for (let i = 0; i < 3; i++) for (const r of rules) r(v);
      return v;
    },
    key: (v) => canonicalText(v),
    async test(c) {
      calls.set(c.key, (calls.get(c.key) ?? 0) + 1);
      tested.push(c);
      if (opts.skip?.(c.values)) return { verdict: 'skip', why: 'no measurement' };
      return isBad(c.values) ? { verdict: 'bad', why: 'panic' } : { verdict: 'good', why: 'booted' };
    },
  };
  return { adapters, calls, tested };
}

const names = (r: Awaited<ReturnType<typeof bisectConfigs>>) => r.culprits.map((c) => c.entries.map((e) => e.name));

describe('splits and helpers', () => {
  it('splits like config-bisect.pl: top half both ways, then the bottom half, then single symbols', () => {
    const s = splitsOf(['A', 'B', 'C']);
    expect(s.slice(0, 4).map((x) => [x.from, x.names])).toEqual([
      ['good', ['A', 'B']],
      ['bad', ['A', 'B']],
      ['good', ['C']],
      ['bad', ['C']],
    ]);
    expect(s).toHaveLength(4 + 6);
    expect(splitsOf(['A'])).toEqual([]);
  });

  it('fewest: the smallest subset a cheap check allows, dropping halves first', async () => {
    const asked: string[][] = [];
    const ok = async (names: readonly string[]) => {
      asked.push([...names]);
      return ['C', 'H'].every((n) => names.includes(n));
    };
    expect(await fewest(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'], ok)).toEqual(['C', 'H']);
    expect(asked.length).toBeLessThan(16);
    expect(await fewest(['A', 'B'], async () => true)).toEqual([]);
  });

  it('treats an invisible symbol as n and sets a bool absent on the other side to n', () => {
    const good = cfg({ A: 'y', B: 'n', S: '"x"' });
    const bad = cfg({ A: 'n', C: 'y' });
    expect(differingSymbols(good, bad)).toEqual(['A', 'C', 'S']);
    const moved = applyFrom(bad, ['C', 'S', 'B'], good);
    expect([...moved].sort()).toEqual([
      ['A', 'n'],
      ['B', 'n'],
      ['C', 'n'],
      ['S', '"x"'],
    ]);
    expect(canonicalText(moved)).toBe('CONFIG_S="x"\n');
  });
});

describe('bisectConfigs', () => {
  const good = cfg({ A: 'n', B: 'n', C: 'n', D: 'n', E: 'n', F: 'n', X: 'n' });
  const bad = cfg({ A: 'y', B: 'y', C: 'y', D: 'y', E: 'y', F: 'y', X: 'y' });

  it('finds one culprit among 7 differences in log2 steps, testing no config twice', async () => {
    const h = harness([], (v) => v.get('X') === 'y');
    const r = await bisectConfigs(good, bad, h.adapters);
    expect(r.status).toBe('found');
    expect(names(r)).toEqual([['X']]);
    expect(r.culprits[0]!.entries).toEqual([{ op: '->', name: 'X', before: 'n', after: 'y' }]);
    expect(r.initialDifference).toBe(7);
    expect(r.tests).toBe(h.tested.length);
    expect(r.tests).toBeLessThanOrEqual(Math.ceil(Math.log2(7)) + 4);
    expect(r.culprits[0]).toMatchObject({ together: false, verification: { verdict: 'bad' } });
    expect(r.notes).toEqual([]);
    expect([...h.calls.values()].every((n) => n === 1)).toBe(true);
    expect(r.end).toMatch(/passes without the culprit/);
    expect(h.tested.map((c) => c.role).slice(0, 2)).toEqual(['good', 'bad']);
  });

  it('keeps going after the first culprit and finds a second, independent one', async () => {
    const h = harness([], (v) => v.get('B') === 'y' || v.get('F') === 'y');
    const r = await bisectConfigs(good, bad, h.adapters);
    expect(names(r)).toEqual([['B'], ['F']]);
    expect(r.steps.filter((s) => s.role === 'residual').map((s) => s.verdict)).toEqual(['bad', 'good']);
    expect([...h.calls.values()].every((n) => n === 1)).toBe(true);
  });

  it('finds a symbol that olddefconfig drags along with its parent (default y when visible)', async () => {
    // Z_CHILD defaults to y once PARENT is y; the culprit is Z_CHILD, and it cannot be set without PARENT.
    const rules = [defaultYWith('Z_CHILD', 'PARENT')];
    const g = cfg({ A: 'n', B: 'n', PARENT: 'n' });
    const b = cfg({ A: 'y', B: 'y', PARENT: 'y', Z_CHILD: 'y' });
    const h = harness(rules, (v) => v.get('Z_CHILD') === 'y');
    const r = await bisectConfigs(g, b, h.adapters);
    expect(names(r)).toEqual([['PARENT', 'Z_CHILD']]);
    expect(r.culprits[0]!.parts.map((p) => [p.entries.map((e) => e.name), p.dependency ?? false])).toEqual([
      [['Z_CHILD'], false],
      [['PARENT'], true],
    ]);
    // A culprit and what it depends on: not symbols that fail only together.
    expect(r.culprits[0]).toMatchObject({ together: false, verification: { verdict: 'bad' } });
    // good + PARENT drags Z_CHILD in and equals bad: not tested, the next split is.
    const dragged = r.steps.find((s) => s.dragged.includes('Z_CHILD'));
    expect(dragged).toMatchObject({ kind: 'unchanged', requested: ['PARENT'], why: 'olddefconfig made it equal to the bad config' });
    expect(r.steps.find((s) => s.kind === 'test' && s.requested.includes('Z_CHILD'))).toMatchObject({ verdict: 'good', remaining: 1 });
  });

  it('reports a selected symbol together with what selects it when the select cannot be undone', async () => {
    // SEL selects LIB; LIB=y alone is the bad one, but LIB cannot be y without SEL in bad, nor n with SEL.
    const rules = [selects('SEL', 'LIB'), dependsOn('LIB', 'SEL')];
    const g = cfg({ A: 'n', SEL: 'n' });
    const b = cfg({ A: 'y', SEL: 'y', LIB: 'y' });
    const h = harness(rules, (v) => v.get('LIB') === 'y');
    const r = await bisectConfigs(g, b, h.adapters);
    expect(names(r)).toEqual([['LIB', 'SEL']]);
    expect(r.culprits[0]!.inseparable).toBe(true);
    expect(r.steps.some((s) => s.kind === 'unchanged' && /equal to the (good|bad) config/.test(s.why ?? ''))).toBe(true);
  });

  it('splits on settable symbols only and names the hidden ones that follow a culprit', async () => {
    // LIB has no prompt: it is y exactly when SEL is (a select); the culprit is SEL, LIB follows.
    const rules = [selects('SEL', 'LIB'), dependsOn('LIB', 'SEL')];
    const g = cfg({ A: 'n', B: 'n', SEL: 'n' });
    const b = cfg({ A: 'y', B: 'y', SEL: 'y', LIB: 'y' });
    const h = harness(rules, (v) => v.get('LIB') === 'y');
    h.adapters.settable = (n) => n !== 'LIB';
    const r = await bisectConfigs(g, b, h.adapters);
    expect(r.initialDifference).toBe(3);
    expect(names(r)).toEqual([['SEL']]);
    expect(r.culprits[0]!.follows).toEqual([{ op: '+', name: 'LIB', after: 'y' }]);
    expect(r.culprits[0]!.inseparable).toBe(false);
    expect(r.steps.every((s) => !s.requested.includes('LIB'))).toBe(true);
  });

  it('tries another split when a config cannot be judged (skip)', async () => {
    const h = harness([], (v) => v.get('X') === 'y', { skip: (v) => v.get('A') === 'y' && v.get('X') !== 'y' && v.get('F') !== 'y' });
    const r = await bisectConfigs(good, bad, h.adapters);
    expect(names(r)).toEqual([['X']]);
    expect(r.steps.some((s) => s.verdict === 'skip')).toBe(true);
    expect([...h.calls.values()].every((n) => n === 1)).toBe(true);
  });

  it('stops before bisecting when good fails, bad passes, or both are the same config', async () => {
    const fails = await bisectConfigs(good, bad, harness([], () => true).adapters);
    expect(fails.status).toBe('good-fails');
    expect(fails.tests).toBe(1);
    const passes = await bisectConfigs(good, bad, harness([], () => false).adapters);
    expect(passes.status).toBe('bad-passes');
    expect(passes.why).toBe('booted');
    // CHILD differs, but it is invisible without PARENT: olddefconfig makes the two equal.
    const h = harness([dependsOn('CHILD', 'PARENT')], () => true);
    const same = await bisectConfigs(cfg({ PARENT: 'n' }), cfg({ PARENT: 'n', CHILD: 'y' }), h.adapters);
    expect(same.status).toBe('identical');
    expect(h.tested).toHaveLength(0);
  });

  it('uses the oracle’s tested config (make olddefconfig is the authority)', async () => {
    const h = harness([], (v) => v.get('X') === 'y');
    const test = h.adapters.test;
    // The real olddefconfig also turns D on whenever C is on (ktrim's engine did not predict it).
    h.adapters.test = async (c) => {
      const r = await test(c);
      if (c.values.get('C') !== 'y') return r;
      const tested = new Map(c.values).set('D', 'y');
      return { ...r, tested };
    };
    const r = await bisectConfigs(good, bad, h.adapters);
    expect(names(r)).toEqual([['X']]);
  });

  it('finds any single culprit among up to 40 differences within ⌈log2 n⌉ + 4 tests (the culprit alone on good is one)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 40 }), fc.nat(), async (n, pick) => {
        const syms = Array.from({ length: n }, (_, i) => `S${String(i).padStart(2, '0')}`);
        const culprit = syms[pick % n]!;
        const g = new Map(syms.map((s) => [s, 'n']));
        const b = new Map(syms.map((s) => [s, 'y']));
        const h = harness([], (v) => v.get(culprit) === 'y');
        const r = await bisectConfigs(g, b, h.adapters);
        expect(names(r)).toEqual([[culprit]]);
        expect(r.tests).toBeLessThanOrEqual(Math.ceil(Math.log2(n)) + 4);
      }),
      { numRuns: 60 },
    );
  });
});

/** Symbols S00..S(n-1), all n on the good side and y on the bad side. */
const symbols = (n: number) => Array.from({ length: n }, (_, i) => `S${String(i).padStart(2, '0')}`);
const allOf = (syms: string[], v: string) => new Map(syms.map((s) => [s, v]));
/** Fails when every symbol of some clause is y (failing is monotone: more of bad never fixes it). */
const failsWhenAll = (clauses: string[][]) => (v: Values) => clauses.some((c) => c.every((s) => v.get(s) === 'y'));

describe('culprits that fail only together', () => {
  const good = cfg({ A: 'n', B: 'n', C: 'n', D: 'n', E: 'n', F: 'n', X: 'n' });
  const bad = cfg({ A: 'y', B: 'y', C: 'y', D: 'y', E: 'y', F: 'y', X: 'y' });

  it('reports a pair that fails only together as one set, each member shown passing without the other', async () => {
    // A=y alone boots, E=y alone boots, both panic: the halves {A,B,C,D} and {E,F,X} each pass alone.
    const h = harness([], (v) => v.get('A') === 'y' && v.get('E') === 'y');
    const r = await bisectConfigs(good, bad, h.adapters);
    expect(r.status).toBe('found');
    expect(names(r)).toEqual([['A', 'E']]);
    const [c] = r.culprits;
    expect(c).toMatchObject({ together: true, inseparable: false, verification: { verdict: 'bad' } });
    // Found in two narrowings: E first (with A applied on the good side), then A (with E applied).
    expect(c!.parts.map((p) => p.entries.map((e) => e.name))).toEqual([['E'], ['A']]);
    expect(c!.entries).toEqual([
      { op: '->', name: 'A', before: 'n', after: 'y' },
      { op: '->', name: 'E', before: 'n', after: 'y' },
    ]);
    const tested = (label: string) => r.steps.find((s) => s.kind === 'test' && s.label === label);
    // E alone on good passes (so it needs a partner); A and E alone on good fails (the set is verified).
    expect(tested('check: good + only E from bad')).toMatchObject({ role: 'verify', verdict: 'good' });
    expect(tested('check: good + only A, E from bad')).toMatchObject({ role: 'verify', verdict: 'bad' });
    // Bad minus the set passes.
    expect(r.steps.filter((s) => s.role === 'residual').map((s) => [s.label, s.verdict])).toEqual([
      ['bad without the culprits (A, E)', 'good'],
    ]);
    expect(r.end).toBe('the bad config passes without the culprits: nothing else is bad');
    expect(r.notes).toEqual([]);
    expect([...h.calls.values()].every((n) => n === 1)).toBe(true);
  });

  it('finds a triple that fails only with all three', async () => {
    const h = harness([], failsWhenAll([['B', 'D', 'F']]));
    const r = await bisectConfigs(good, bad, h.adapters);
    expect(names(r)).toEqual([['B', 'D', 'F']]);
    expect(r.culprits[0]!.parts).toHaveLength(3);
    expect(r.culprits[0]!.verification.verdict).toBe('bad');
    expect(r.notes).toEqual([]);
  });

  it('finds two independent culprits, one single and one pair, in two rounds', async () => {
    const h = harness([], failsWhenAll([['X'], ['B', 'C']]));
    const r = await bisectConfigs(good, bad, h.adapters);
    expect(names(r)).toEqual([['B', 'C'], ['X']]);
    expect(r.culprits.map((c) => c.together)).toEqual([true, false]);
    expect(r.steps.filter((s) => s.role === 'residual').map((s) => s.verdict)).toEqual(['bad', 'good']);
  });

  it('keeps olddefconfig groups whole inside a set (SEL selects LIB; LIB and Q fail together)', async () => {
    const rules = [selects('SEL', 'LIB'), dependsOn('LIB', 'SEL')];
    const g = cfg({ A: 'n', Q: 'n', SEL: 'n', Z: 'n' });
    const b = cfg({ A: 'y', Q: 'y', SEL: 'y', LIB: 'y', Z: 'y' });
    const h = harness(rules, (v) => v.get('LIB') === 'y' && v.get('Q') === 'y');
    const r = await bisectConfigs(g, b, h.adapters);
    expect(names(r)).toEqual([['LIB', 'Q', 'SEL']]);
    expect(r.culprits[0]).toMatchObject({ together: true, inseparable: true, verification: { verdict: 'bad' } });
  });

  it('adds what a member depends on when olddefconfig takes it back alone (/proc/config.gz needs IKCONFIG)', async () => {
    // PROC depends on IKCONFIG (no default); the test fails when /proc/config.gz shows LZO off: IKCONFIG, PROC and LZO together.
    const rules = [dependsOn('PROC', 'IKCONFIG')];
    const g = cfg({ A: 'n', IKCONFIG: 'n', LZO: 'n', S: 'n', Z: 'n' });
    const b = cfg({ A: 'y', IKCONFIG: 'y', PROC: 'y', LZO: 'y', S: 'y', Z: 'y' });
    const h = harness(rules, (v) => v.get('PROC') === 'y' && v.get('LZO') === 'y');
    const r = await bisectConfigs(g, b, h.adapters);
    expect(names(r)).toEqual([['IKCONFIG', 'LZO', 'PROC']]);
    const [c] = r.culprits;
    expect(c!.parts.map((p) => [p.entries.map((e) => e.name), p.dependency ?? false])).toEqual([
      [['PROC'], false],
      [['IKCONFIG'], true],
      [['LZO'], false],
    ]);
    expect(c).toMatchObject({ together: true, verification: { verdict: 'bad' } });
    expect(r.notes).toEqual([]);
    expect(r.end).toMatch(/passes without the culprits/);
  });

  it('finds failing, minimal sets for random culprit clauses over random differences', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 2, max: 24 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.array(fc.uniqueArray(fc.nat(n - 1), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
            ),
          ),
        async ([n, picks]) => {
          const syms = symbols(n);
          const clauses = picks.map((p) => p.map((i) => syms[i]!).sort());
          const isBad = failsWhenAll(clauses);
          const h = harness([], isBad);
          const good0 = allOf(syms, 'n');
          const r = await bisectConfigs(good0, allOf(syms, 'y'), h.adapters);
          expect(r.status).toBe('found');
          expect(r.notes).toEqual([]);
          expect([...h.calls.values()].every((k) => k === 1)).toBe(true);
          const on = (set: string[]) => new Map([...good0].map(([s]) => [s, set.includes(s) ? 'y' : 'n']));
          for (const set of names(r)) {
            // Failing alone on the good config, and minimal: without any one member it passes.
            expect(isBad(on(set))).toBe(true);
            for (const s of set) expect(isBad(on(set.filter((x) => x !== s)))).toBe(false);
          }
          // Bad without every set found passes: nothing left unexplained.
          const found = names(r).flat();
          expect(isBad(on(syms.filter((s) => !found.includes(s))))).toBe(false);
          expect(r.culprits.every((c) => c.verification.verdict === 'bad' && c.together === c.entries.length > 1)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('culprit sets under olddefconfig', () => {
  it('finds sets that fail alone on good and pass without any one member, with random depends-on rules', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 16 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.array(fc.uniqueArray(fc.nat(n - 1), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
            // Symbol i depends on an earlier symbol (or on nothing).
            fc.array(fc.option(fc.nat(), { nil: undefined }), { minLength: n, maxLength: n }),
          ),
        ),
        async ([n, picks, parents]) => {
          const syms = symbols(n);
          const rules = syms.flatMap((s, i) => (i > 0 && parents[i] !== undefined ? [dependsOn(s, syms[parents[i]! % i]!)] : []));
          const isBad = failsWhenAll(picks.map((p) => p.map((i) => syms[i]!)));
          const h = harness(rules, isBad);
          const good0 = allOf(syms, 'n');
          const r = await bisectConfigs(good0, allOf(syms, 'y'), h.adapters);
          expect(r.status).toBe('found');
          expect(r.notes).toEqual([]);
          const on = (set: string[]) => h.adapters.settle(new Map([...good0].map(([s]) => [s, set.includes(s) ? 'y' : 'n']))) as Values;
          for (const set of names(r)) {
            expect(isBad(on(set))).toBe(true);
            for (const s of set) expect(isBad(on(set.filter((x) => x !== s)))).toBe(false);
          }
          expect(isBad(on(syms.filter((s) => !names(r).flat().includes(s))))).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('an inconsistent oracle', () => {
  /** A coin-flipping oracle (good stays good and bad stays bad, so the search starts): the verdicts contradict each other. */
  const coin = (seed: number): BisectAdapters => {
    let state = seed;
    const flip = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) & 1024) !== 0;
    const h = harness([], () => false);
    return {
      ...h.adapters,
      async test(c) {
        const verdict = c.role === 'good' ? 'good' : c.role === 'bad' || flip() ? 'bad' : 'good';
        return { verdict, why: verdict === 'bad' ? 'flaky hang' : 'booted' };
      },
    };
  };

  it('says the verdicts are inconsistent instead of trusting them', async () => {
    const syms = symbols(12);
    const r = await bisectConfigs(allOf(syms, 'n'), allOf(syms, 'y'), coin(1), { maxCulprits: 4 });
    expect(r.status).toBe('found');
    expect(r.notes.length).toBeGreaterThan(0);
    expect(r.notes[0]).toMatch(/^inconsistent verdicts: "[^"]+" failed, but "[^"]+", which has all its changes and more, passed$/);
  });

  it('always ends, judging no config twice, within a bound on the tests', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 20 }), fc.nat(), async (n, seed) => {
        const syms = symbols(n);
        const calls = new Map<string, number>();
        const a = coin(seed);
        const test = a.test;
        a.test = async (c) => {
          calls.set(c.key, (calls.get(c.key) ?? 0) + 1);
          return test(c);
        };
        const r = await bisectConfigs(allOf(syms, 'n'), allOf(syms, 'y'), a, { maxCulprits: 4 });
        expect([...calls.values()].every((k) => k === 1)).toBe(true);
        // Per culprit: at most n narrowings of at most ⌈log2 n⌉ + 2 tests, a check of the set each time, and the residual.
        expect(r.tests).toBeLessThanOrEqual(2 + 4 * (n * (Math.ceil(Math.log2(n)) + 3) + 1));
        expect(r.culprits.length).toBeLessThanOrEqual(4);
      }),
      { numRuns: 150 },
    );
  });
});
