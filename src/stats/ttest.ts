/**
 * Welch's two-sample t-test (unequal variances), the test bench-range and the
 * minimization loop use to decide whether a difference in boot time is real.
 * Student's t distribution comes from jstat, which ships no type declarations:
 * it is loaded through createRequire with the one function we need typed.
 */
import { createRequire } from 'node:module';
import { mean, variance } from 'simple-statistics';

interface JStat {
  studentt: { cdf(x: number, dof: number): number; inv(p: number, dof: number): number };
}
const { jStat } = createRequire(import.meta.url)('jstat') as { jStat: JStat };

export interface WelchResult {
  /** Sample sizes. */
  nA: number;
  nB: number;
  meanA: number;
  meanB: number;
  /** meanB − meanA. */
  diff: number;
  /** (meanB − meanA) / meanA; NaN when meanA is 0. */
  relative: number;
  /** Welch's t statistic (B − A); NaN when it cannot be computed. */
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p-value. */
  p: number;
  alpha: number;
  /** p < alpha: the difference is unlikely to be noise. */
  significant: boolean;
  /** Why the test could not be run, when it could not (too few samples). */
  note?: string;
}

/** Sample variance (n − 1), 0 for one sample. */
function sampleVariance(xs: readonly number[]): number {
  return xs.length < 2 ? 0 : variance(xs as number[]) * (xs.length / (xs.length - 1));
}

/**
 * Welch's t-test of B against A (two-sided). Needs at least 2 samples on each
 * side; with zero variance on both sides any difference counts as real and
 * equal means as not.
 */
export function welchTTest(a: readonly number[], b: readonly number[], alpha = 0.05): WelchResult {
  const nA = a.length;
  const nB = b.length;
  const meanA = nA ? mean(a as number[]) : NaN;
  const meanB = nB ? mean(b as number[]) : NaN;
  const diff = meanB - meanA;
  const relative = meanA !== 0 ? diff / meanA : NaN;
  const base = { nA, nB, meanA, meanB, diff, relative, alpha };
  if (nA < 2 || nB < 2) {
    return { ...base, t: NaN, df: NaN, p: NaN, significant: false, note: 'needs at least 2 samples on each side' };
  }
  const seA = sampleVariance(a) / nA;
  const seB = sampleVariance(b) / nB;
  const se2 = seA + seB;
  if (se2 === 0) {
    const differs = diff !== 0;
    return { ...base, t: differs ? Math.sign(diff) * Infinity : 0, df: nA + nB - 2, p: differs ? 0 : 1, significant: differs };
  }
  const t = diff / Math.sqrt(se2);
  const df = (se2 * se2) / ((seA * seA) / (nA - 1) + (seB * seB) / (nB - 1));
  const p = Math.min(1, 2 * (1 - jStat.studentt.cdf(Math.abs(t), df)));
  return { ...base, t, df, p, significant: p < alpha };
}

/** Two-sided critical t value for a confidence interval (e.g. 0.95). */
export function tCritical(confidence: number, df: number): number {
  return jStat.studentt.inv(1 - (1 - confidence) / 2, df);
}
