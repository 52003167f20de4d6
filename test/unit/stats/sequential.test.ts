// The sequential keep/reject test. Interval bounds checked against scipy 1.17:
// saving = mean(b) - mean(a), se and Welch df, stats.t.ppf(0.95, df) (values pasted).
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { decideSaving } from '../../../src/stats/sequential.js';

const BASELINE = [1812.3, 1790.1, 1835.7, 1801.2, 1822.9];
const TRIAL = [1702.4, 1755.0, 1689.9, 1731.3, 1720.8];
// scipy: saving 92.56, se 13.8652, df 7.18702, one-sided 95 % bounds [66.3937, 118.7263]
const LO = 66.39368222989185;
const HI = 118.72631777010804;

describe('decideSaving (noisy metric)', () => {
  it('keeps a significant saving whose estimate clears the minimum, with scipy-exact bounds', () => {
    const d = decideSaving(BASELINE, TRIAL, { minEffectMs: 50, maxRuns: 10 });
    expect(d.kind).toBe('faster');
    if (d.kind === 'more') throw new Error('unreachable');
    expect(d.savingMs).toBeCloseTo(92.56, 9);
    expect(d.ci![0]).toBeCloseTo(LO, 6);
    expect(d.ci![1]).toBeCloseTo(HI, 6);
    expect(d.runs).toEqual({ baseline: 5, trial: 5 });
  });

  it('rejects when even the upper bound is below the minimum worth keeping', () => {
    expect(decideSaving(BASELINE, TRIAL, { minEffectMs: 120, maxRuns: 10 }).kind).toBe('not-faster');
  });

  it('asks for more boots while unclear, and rejects conservatively at maxRuns', () => {
    // estimate 92.56 < 100 < upper bound 118.7: undecided
    expect(decideSaving(BASELINE, TRIAL, { minEffectMs: 100, maxRuns: 10 }).kind).toBe('more');
    const d = decideSaving(BASELINE, TRIAL, { minEffectMs: 100, maxRuns: 5 });
    expect(d).toMatchObject({ kind: 'not-faster' });
    expect(d.why).toMatch(/still unclear after 5 boots per side/);
  });

  it('needs minRuns (default 2) per side before deciding a noisy metric', () => {
    expect(decideSaving([1000], [500], { minEffectMs: 10, maxRuns: 5 }).kind).toBe('more');
    expect(decideSaving([1000, 1001], [500], { minEffectMs: 10, maxRuns: 5 }).kind).toBe('more');
    expect(decideSaving([1000, 1002, 1001], [990, 992, 991], { minEffectMs: 5, maxRuns: 5, minRuns: 4 }).kind).toBe('more');
    // one boot per side and maxRuns 1: nothing to judge the noise by, not kept
    expect(decideSaving([1000], [500], { minEffectMs: 10, maxRuns: 1 })).toMatchObject({ kind: 'not-faster', ci: null });
  });

  it('a larger baseline (shared across trials) is fine: Welch takes unequal sizes', () => {
    const d = decideSaving([...BASELINE, ...BASELINE], TRIAL.slice(0, 3), { minEffectMs: 20, maxRuns: 10 });
    expect(d).toMatchObject({ kind: 'faster', runs: { baseline: 10, trial: 3 } });
  });

  it('rejects bad options and values', () => {
    expect(() => decideSaving([1, 2], [1, 2], { minEffectMs: -1, maxRuns: 3 })).toThrow(RangeError);
    expect(() => decideSaving([1, 2], [1, 2], { minEffectMs: 1, maxRuns: 0 })).toThrow(RangeError);
    expect(() => decideSaving([1, NaN], [1, 2], { minEffectMs: 1, maxRuns: 3 })).toThrow(RangeError);
    expect(() => decideSaving([1, 2], [1, 2], { minEffectMs: 1, maxRuns: 3, alpha: 0.7 })).toThrow(RangeError);
  });
});

describe('decideSaving (deterministic metric)', () => {
  it('one boot per side decides', () => {
    expect(decideSaving([340.112], [333.0], { minEffectMs: 6.8, maxRuns: 3, deterministic: true })).toMatchObject({
      kind: 'faster',
      ci: null,
      runs: { baseline: 1, trial: 1 },
    });
    const d = decideSaving([340.112], [334.0], { minEffectMs: 6.8, maxRuns: 3, deterministic: true });
    expect(d.kind).toBe('not-faster');
    if (d.kind !== 'more') expect(d.savingMs).toBeCloseTo(6.112, 9);
  });
  it('rounding is no saving: the mean of seven equal boots vs one (found by fast-check)', () => {
    const v = 3840.793389802622;
    expect(decideSaving([v], Array(7).fill(v), { minEffectMs: 0, maxRuns: 12, deterministic: true }).kind).toBe('not-faster');
    expect(decideSaving([v, v], Array(7).fill(v), { minEffectMs: 0, maxRuns: 7 }).kind).not.toBe('faster');
  });
  it('asks for the first boot', () => {
    expect(decideSaving([], [1], { minEffectMs: 1, maxRuns: 3, deterministic: true }).kind).toBe('more');
  });
});

const boots = fc.array(fc.double({ min: 100, max: 20000, noNaN: true }), { minLength: 1, maxLength: 12 });

describe('decideSaving properties', () => {
  // numRuns 200: the rounding case above appeared in one of six runs of the default 100.
  it('never says faster when the trial is ≥ the baseline in every sample', () => {
    fc.assert(
      fc.property(
        boots,
        fc.array(fc.double({ min: 0, max: 500, noNaN: true }), { minLength: 1, maxLength: 12 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.boolean(),
        (baseline, extra, minEffectMs, deterministic) => {
          const floor = Math.max(...baseline);
          const trial = extra.map((e) => floor + e);
          const d = decideSaving(baseline, trial, { minEffectMs, maxRuns: 12, deterministic });
          expect(d.kind).not.toBe('faster');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('equal samples on both sides of a deterministic metric: not-faster', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e5, noNaN: true }),
        fc.integer({ min: 1, max: 5 }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        (v, n, min) => {
          const xs = Array(n).fill(v);
          expect(decideSaving(xs, xs, { minEffectMs: min, maxRuns: 5, deterministic: true }).kind).toBe('not-faster');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('always ends by maxRuns per side, and a keep always has a positive lower bound and estimate ≥ the minimum', () => {
    fc.assert(
      fc.property(boots, boots, fc.double({ min: 0, max: 200, noNaN: true }), (baseline, trial, minEffectMs) => {
        const maxRuns = Math.min(baseline.length, trial.length);
        const d = decideSaving(baseline, trial, { minEffectMs, maxRuns });
        expect(d.kind).not.toBe('more');
        if (d.kind === 'faster') {
          expect(d.ci![0]).toBeGreaterThan(0);
          expect(d.savingMs).toBeGreaterThanOrEqual(minEffectMs);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the decision mirrors: a change that is faster one way is never faster the other way', () => {
    fc.assert(
      fc.property(boots, boots, fc.double({ min: 0, max: 200, noNaN: true }), fc.boolean(), (a, b, minEffectMs, deterministic) => {
        const ab = decideSaving(a, b, { minEffectMs, maxRuns: 12, deterministic });
        const ba = decideSaving(b, a, { minEffectMs, maxRuns: 12, deterministic });
        expect(ab.kind === 'faster' && ba.kind === 'faster').toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
