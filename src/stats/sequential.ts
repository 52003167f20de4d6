/**
 * A sequential keep/reject test for one config change (issue 10 §1): is the
 * trial kernel faster than the baseline by at least minEffectMs? Pure code.
 *
 * saving = baseline − trial (positive: the trial boots faster).
 *
 * - Deterministic metric (icount): one boot per side decides; the saving is
 *   the difference of the means and `faster` means saving ≥ minEffectMs.
 * - Noisy metric: after minRuns boots per side, and after each added pair,
 *   Welch's t gives a (1 − 2α) two-sided interval [lo, hi] of the saving,
 *   i.e. one-sided (1 − α) bounds on each end:
 *     faster      when lo > 0 (the saving is significantly > 0, one-sided α)
 *                 and the point estimate ≥ minEffectMs;
 *     not-faster  when hi < minEffectMs (even the optimistic end is not worth it);
 *     more        otherwise, until maxRuns per side; then not-faster
 *                 (conservative: a change that never showed its saving is not kept).
 *   Why the point estimate and not lo ≥ minEffectMs: demanding the lower
 *   bound clear minEffectMs keeps a change whose true saving equals
 *   minEffectMs at most half the time at any n, and needs several times more
 *   boots for one twice as large; the significance of lo > 0 already bounds a
 *   false keep of a useless change by α per look, and every kept change is
 *   re-measured on the host clock at the end. Per look: over up to
 *   maxRuns − minRuns + 1 looks a useless change is kept ~10–15 % of the time
 *   at α 0.05 when the noise is the size of the effect, ~4 % at α 0.01
 *   (bench/metric.bench.mjs, bench/RESULTS.md).
 */
import { mean, sampleVariance } from 'simple-statistics';
import { tCritical, welchTTest } from './ttest.js';

export interface SequentialOptions {
  /** Smallest saving worth keeping (minimize --min-saving-ms). */
  minEffectMs: number;
  /** Boots per side at most. */
  maxRuns: number;
  /** Default 1 when deterministic, else 2. */
  minRuns?: number;
  /** Default 0.05 (one-sided, per look). */
  alpha?: number;
  deterministic?: boolean;
}

export type SequentialDecision =
  | { kind: 'more'; why: string }
  | {
      kind: 'faster' | 'not-faster';
      savingMs: number;
      ci: [number, number] | null;
      runs: { baseline: number; trial: number };
      why: string;
    };

function ms(x: number): string {
  return `${x.toFixed(1)} ms`;
}

function checkOptions(opts: SequentialOptions): { minRuns: number; alpha: number } {
  const { minEffectMs, maxRuns } = opts;
  if (!Number.isFinite(minEffectMs) || minEffectMs < 0) throw new RangeError(`minEffectMs must be ≥ 0 (got ${minEffectMs})`);
  if (!Number.isInteger(maxRuns) || maxRuns < 1) throw new RangeError(`maxRuns must be a positive integer (got ${maxRuns})`);
  const alpha = opts.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 0.5)) throw new RangeError(`alpha must be in (0, 0.5) (got ${alpha})`);
  const minRuns = Math.min(maxRuns, opts.minRuns ?? (opts.deterministic ? 1 : 2));
  if (!Number.isInteger(minRuns) || minRuns < 1) throw new RangeError(`minRuns must be a positive integer (got ${opts.minRuns})`);
  return { minRuns, alpha };
}

/** saving = baseline − trial (positive: the trial boots faster). */
export function decideSaving(baseline: readonly number[], trial: readonly number[], opts: SequentialOptions): SequentialDecision {
  const { minRuns, alpha } = checkOptions(opts);
  for (const x of [...baseline, ...trial]) if (!Number.isFinite(x)) throw new RangeError(`boot values must be finite numbers (got ${x})`);
  const nB = baseline.length;
  const nT = trial.length;
  const runs = { baseline: nB, trial: nT };
  if (nB < minRuns || nT < minRuns) {
    return { kind: 'more', why: `${nB} baseline and ${nT} trial boot(s); ${minRuns} per side needed first` };
  }
  const { minEffectMs } = opts;

  if (opts.deterministic) {
    const saving = savingOf(baseline, trial);
    const faster = saving >= minEffectMs && saving > 0;
    return {
      kind: faster ? 'faster' : 'not-faster',
      savingMs: saving,
      ci: null,
      runs,
      why: `deterministic metric: saves ${ms(saving)} ${faster ? '≥' : '<'} ${ms(minEffectMs)}`,
    };
  }

  if (nB < 2 || nT < 2) {
    // No spread to judge a noisy metric by (minRuns or maxRuns of 1).
    const saving = savingOf(baseline, trial);
    if (Math.min(nB, nT) >= opts.maxRuns) {
      return {
        kind: 'not-faster',
        savingMs: saving,
        ci: null,
        runs,
        why: `saving ${ms(saving)} from single boots of a noisy metric: not kept`,
      };
    }
    return { kind: 'more', why: `saving ${ms(saving)} from single boots: a noisy metric needs 2 per side` };
  }
  // Welch–Satterthwaite degrees of freedom for the interval (trial = a, baseline = b).
  const w = welchTTest(trial, baseline, 2 * alpha);
  const saving = savingOf(baseline, trial);
  const se = Math.sqrt(sampleVariance(trial as number[]) / nT + sampleVariance(baseline as number[]) / nB);
  const half = se === 0 ? 0 : tCritical(1 - 2 * alpha, w.df) * se;
  const ci: [number, number] = [saving - half, saving + half];
  const conf = `${Math.round((1 - alpha) * 100)} %`;
  const interval = `saving ${ms(saving)}, one-sided ${conf} bounds [${ms(ci[0])}, ${ms(ci[1])}]`;
  if (ci[0] > 0 && saving >= minEffectMs) {
    return { kind: 'faster', savingMs: saving, ci, runs, why: `${interval}: > 0 and the estimate ≥ ${ms(minEffectMs)}` };
  }
  if (ci[1] < minEffectMs) {
    return { kind: 'not-faster', savingMs: saving, ci, runs, why: `${interval}: upper bound < ${ms(minEffectMs)}` };
  }
  if (Math.min(nB, nT) >= opts.maxRuns) {
    return {
      kind: 'not-faster',
      savingMs: saving,
      ci,
      runs,
      why: `${interval}: still unclear after ${opts.maxRuns} boots per side, not kept`,
    };
  }
  return { kind: 'more', why: `${interval}: unclear, boot both again` };
}

/**
 * mean(baseline) − mean(trial), 0 when the difference is rounding: the mean of
 * seven equal values need not equal the value, and an equal boot must never
 * count as a saving.
 */
function savingOf(baseline: readonly number[], trial: readonly number[]): number {
  const b = mean(baseline as number[]);
  const t = mean(trial as number[]);
  const d = b - t;
  return Math.abs(d) <= 1e-9 * Math.max(Math.abs(b), Math.abs(t)) ? 0 : d;
}
