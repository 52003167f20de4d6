// Welch's t-test checked against scipy.stats.ttest_ind(b, a, equal_var=False)
// (values computed with scipy 1.17 and pasted here).
import { describe, it, expect } from '@jest/globals';
import { tCritical, welchTTest } from '../../../src/stats/ttest.js';

describe('welchTTest', () => {
  it('finds a real 5% speed-up in boot times (scipy: t=-6.6757, df=7.187, p=0.000253)', () => {
    const before = [1812.3, 1790.1, 1835.7, 1801.2, 1822.9];
    const after = [1702.4, 1755.0, 1689.9, 1731.3, 1720.8];
    const r = welchTTest(before, after);
    expect(r.t).toBeCloseTo(-6.675684746450199, 9);
    expect(r.df).toBeCloseTo(7.187018768635221, 9);
    expect(r.p).toBeCloseTo(0.00025275951828200317, 7);
    expect(r.significant).toBe(true);
    expect(r.relative).toBeCloseTo((1719.88 - 1812.44) / 1812.44, 9);
  });

  it('does not call noise a difference (scipy: t=1.0640, df=8.4915, p=0.3167)', () => {
    const r = welchTTest([10, 11, 12, 13, 14], [11, 12.5, 13, 14.5, 15, 12]);
    expect(r.t).toBeCloseTo(1.063990353197863, 9);
    expect(r.df).toBeCloseTo(8.491535671100364, 9);
    expect(r.p).toBeCloseTo(0.31665159277673777, 6);
    expect(r.significant).toBe(false);
  });

  it('handles degenerate samples', () => {
    expect(welchTTest([5], [1, 2])).toMatchObject({ significant: false, note: 'needs at least 2 samples on each side' });
    expect(welchTTest([3, 3, 3], [3, 3])).toMatchObject({ p: 1, significant: false });
    expect(welchTTest([3, 3, 3], [4, 4])).toMatchObject({ p: 0, significant: true, diff: 1 });
  });

  it('gives t quantiles (scipy: t.ppf(0.975, 10) = 2.2281)', () => {
    expect(tCritical(0.95, 10)).toBeCloseTo(2.228138851986274, 6);
  });
});
