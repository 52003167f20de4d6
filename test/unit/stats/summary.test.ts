import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { formatMeanSd, jiffyQuantum, summarize, summarizeOrNull, tQuantile95 } from '../../../src/stats/summary.js';

describe('summarize', () => {
  it('gives median, mean, sample sd, min, max and a Student-t 95 % CI', () => {
    const s = summarize([4, 1, 3, 2]);
    expect(s.n).toBe(4);
    expect(s.median).toBe(2.5);
    expect(s.mean).toBe(2.5);
    // sample sd of 1..4 = sqrt(5/3)
    expect(s.sd).toBeCloseTo(Math.sqrt(5 / 3), 10);
    expect(s.min).toBe(1);
    expect(s.max).toBe(4);
    // t(0.975, 3) = 3.1824 (tables); half width = 3.1824 * 1.2910 / 2 = 2.0543
    expect(s.ci95!.low).toBeCloseTo(0.4457, 3);
    expect(s.ci95!.high).toBeCloseTo(4.5543, 3);
  });

  it('uses the t quantile of the tables', () => {
    expect(tQuantile95(2)).toBeCloseTo(12.706, 3);
    expect(tQuantile95(3)).toBeCloseTo(4.303, 3);
    expect(tQuantile95(31)).toBeCloseTo(2.042, 3);
  });

  it('invents no spread from one value', () => {
    const s = summarize([1234]);
    expect(s).toEqual({ n: 1, median: 1234, mean: 1234, sd: null, min: 1234, max: 1234, ci95: null });
  });

  it('prints one value with "sd n/a" and more with "± sd"', () => {
    expect(formatMeanSd(summarize([1234.4]))).toBe('1234 (sd n/a)');
    expect(formatMeanSd(summarize([2, 4, 4, 4, 5, 5, 7, 9]), 3)).toBe('5.000 ± 2.138'); // sqrt(32/7)
    expect(formatMeanSd(summarize([7, 7]), 1)).toBe('7.0 ± 0.0');
  });

  it('has a zero-width interval for identical values', () => {
    const s = summarize([7, 7, 7]);
    expect(s.sd).toBe(0);
    expect(s.ci95).toEqual({ low: 7, high: 7 });
  });

  it('refuses an empty list; summarizeOrNull maps it to null', () => {
    expect(() => summarize([])).toThrow(RangeError);
    expect(summarizeOrNull([])).toBeNull();
  });
});

describe('jiffyQuantum', () => {
  it('finds HZ=250 (4 ms) steps and ignores zeros', () => {
    expect(jiffyQuantum([4000, 0, 8000, 4000])).toBe(4000);
  });
  it('finds HZ=300 jiffies printed as 3333/3334 µs multiples', () => {
    expect(jiffyQuantum([3333, 6667, 10000])).toBe(3333);
  });
  it('finds HZ=1000 and HZ=100 jiffies', () => {
    expect(jiffyQuantum([1000, 3000, 0])).toBe(1000);
    expect(jiffyQuantum([10000, 30000])).toBe(10000);
  });
  it('does not flag real microsecond readings, all-zero or empty input', () => {
    expect(jiffyQuantum([4000, 4001])).toBeUndefined();
    expect(jiffyQuantum([1234])).toBeUndefined();
    expect(jiffyQuantum([0, 0, 0])).toBeUndefined();
    expect(jiffyQuantum([])).toBeUndefined();
  });
});

describe("jiffyQuantum with the kernel's usual jiffy", () => {
  it('reads 20000/40000 µs as HZ=250 jiffies when the other initcalls say HZ=250', () => {
    expect(jiffyQuantum([20000, 40000])).toBe(10000);
    expect(jiffyQuantum([20000, 40000], 4000)).toBe(4000);
    expect(jiffyQuantum([10000, 30000], 4000)).toBe(10000);
  });
});

describe('summarize: properties', () => {
  it('orders min ≤ median ≤ max, min ≤ mean ≤ max, and centres the CI on the mean', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 50 }), (xs) => {
        const s = summarize(xs);
        expect(s.min).toBeLessThanOrEqual(s.median);
        expect(s.median).toBeLessThanOrEqual(s.max);
        expect(s.min).toBeLessThanOrEqual(s.mean + 1e-6);
        expect(s.mean).toBeLessThanOrEqual(s.max + 1e-6);
        if (xs.length === 1) expect(s.ci95).toBeNull();
        else {
          expect(s.sd).toBeGreaterThanOrEqual(0);
          expect((s.ci95!.low + s.ci95!.high) / 2).toBeCloseTo(s.mean, 3);
        }
      }),
    );
  });

  it('flags any whole number of HZ=250 jiffies', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 10 }), (ks) => {
        const q = jiffyQuantum(
          ks.map((k) => k * 4000),
          4000,
        );
        expect(q).toBe(ks.some((k) => k > 0) ? 4000 : undefined);
      }),
    );
  });
});
