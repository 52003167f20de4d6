/**
 * Descriptive statistics over repeated measurements (boots). Pure code.
 *
 * With n = 1 there is no spread: sd and the confidence interval are null,
 * never invented.
 */
import { mean, median, sampleStandardDeviation } from 'simple-statistics';
import jstat from 'jstat';

export interface Summary {
  n: number;
  median: number;
  mean: number;
  /** Sample standard deviation (n − 1); null when n < 2. */
  sd: number | null;
  min: number;
  max: number;
  /** 95 % confidence interval of the mean (Student t, n − 1 dof); null when n < 2. */
  ci95: { low: number; high: number } | null;
}

/** Two-sided Student t quantile for a 95 % interval with n − 1 degrees of freedom. */
export function tQuantile95(n: number): number {
  let t = tCache.get(n);
  if (t === undefined) tCache.set(n, (t = jstat.jStat.studentt.inv(0.975, n - 1)));
  return t;
}
/** jstat inverts the t CDF iteratively; a report asks for the same n hundreds of times. */
const tCache = new Map<number, number>();

/** Summarize values; throws on an empty list (callers decide what "no data" means). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError('summarize: no values');
  const xs = [...values];
  const n = xs.length;
  const m = mean(xs);
  let min = xs[0];
  let max = xs[0];
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (n < 2) return { n, median: median(xs), mean: m, sd: null, min, max, ci95: null };
  const sd = sampleStandardDeviation(xs);
  const half = (tQuantile95(n) * sd) / Math.sqrt(n);
  return { n, median: median(xs), mean: m, sd, min, max, ci95: { low: m - half, high: m + half } };
}

/**
 * "mean ± sd" for a table or a line; one sample has no spread, so it prints
 * the value and "sd n/a", never "± 0".
 */
export function formatMeanSd(s: Pick<Summary, 'mean' | 'sd'>, digits = 0): string {
  return s.sd === null ? `${s.mean.toFixed(digits)} (sd n/a)` : `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}`;
}

/** Like summarize, but null for an empty list. */
export function summarizeOrNull(values: readonly number[]): Summary | null {
  return values.length === 0 ? null : summarize(values);
}

/**
 * Jiffy lengths in µs for HZ = 100, 250, 300, 1000, largest first. Early
 * initcalls run before a high-resolution clocksource, so their durations are
 * whole jiffies (e.g. all multiples of 4000 µs with HZ=250).
 */
export const JIFFY_US = [10000, 4000, 10000 / 3, 1000] as const;

/**
 * The jiffy length (µs, rounded: 10000, 4000, 3333, 1000) that every nonzero
 * value is a whole multiple of, or undefined when the values look like real
 * microsecond readings. All-zero input is not flagged: there is nothing to
 * judge. HZ=300 jiffies are 3333.33 µs, printed as 3333 or 3334, so a ±1 µs
 * rounding slack is allowed. `preferred` (the jiffy most other initcalls of
 * the same kernel show) wins when it fits too.
 */
export function jiffyQuantum(values: readonly number[], preferred?: number): number | undefined {
  const nonzero = values.filter((v) => v !== 0);
  if (nonzero.length === 0) return undefined;
  const fits = (jiffy: number) => {
    const slack = Number.isInteger(jiffy) ? 0 : 1;
    return nonzero.every((v) => {
      const k = Math.round(v / jiffy);
      return k >= 1 && Math.abs(v - k * jiffy) <= slack;
    });
  };
  // 20000 µs is 5 HZ=250 jiffies as well as 2 HZ=100 ones: the kernel's own HZ, when known, decides.
  if (preferred !== undefined) {
    const p = JIFFY_US.find((j) => Math.round(j) === preferred);
    if (p !== undefined && fits(p)) return preferred;
  }
  for (const jiffy of JIFFY_US) if (fits(jiffy)) return Math.round(jiffy);
  return undefined;
}
