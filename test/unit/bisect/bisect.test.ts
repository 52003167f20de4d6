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
    expect(r.tests).toBeLessThanOrEqual(Math.ceil(Math.log2(7)) + 3);
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
    // Z_CHILD defaults to y once PARENT is y; the culprit is Z_CHILD, not PARENT.
    const rules = [defaultYWith('Z_CHILD', 'PARENT')];
    const g = cfg({ A: 'n', B: 'n', PARENT: 'n' });
    const b = cfg({ A: 'y', B: 'y', PARENT: 'y', Z_CHILD: 'y' });
    const h = harness(rules, (v) => v.get('Z_CHILD') === 'y');
    const r = await bisectConfigs(g, b, h.adapters);
    expect(names(r)).toEqual([['Z_CHILD']]);
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

  it('finds a culprit that needs another symbol (the partner stays on the good side)', async () => {
    const h = harness([], (v) => v.get('A') === 'y' && v.get('E') === 'y');
    const r = await bisectConfigs(good, bad, h.adapters);
    expect(r.culprits).toHaveLength(1);
    expect(['A', 'E']).toContain(names(r)[0]![0]);
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

  it('finds any single culprit among up to 40 differences within ⌈log2 n⌉ + 3 tests', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 40 }), fc.nat(), async (n, pick) => {
        const syms = Array.from({ length: n }, (_, i) => `S${String(i).padStart(2, '0')}`);
        const culprit = syms[pick % n]!;
        const g = new Map(syms.map((s) => [s, 'n']));
        const b = new Map(syms.map((s) => [s, 'y']));
        const h = harness([], (v) => v.get(culprit) === 'y');
        const r = await bisectConfigs(g, b, h.adapters);
        expect(names(r)).toEqual([[culprit]]);
        expect(r.tests).toBeLessThanOrEqual(Math.ceil(Math.log2(n)) + 3);
      }),
      { numRuns: 60 },
    );
  });
});
