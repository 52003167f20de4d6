/**
 * Screen candidate removals before paying for a build: boot the current
 * kernel with `initcall_blacklist=fn1,fn2,…` (the kernel skips those
 * initcalls; it matches them by name, so it needs CONFIG_KALLSYMS) and
 * compare the total initcall time with baseline boots of the same run.
 * Reports predicted vs screened ms per candidate, whether the blacklisted
 * initcalls were really skipped, and which candidates break the boot.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { BootError, InputError } from '../errors.js';
import { interruption } from '../process.js';
import type { DotConfig } from '../kconfig/dotconfig.js';
import { parseBootLog } from '../initcall/parse.js';
import type { ParsedBoot } from '../initcall/types.js';
import { summarize, type Summary } from '../stats/summary.js';
import { welchTTest, type WelchResult } from '../stats/ttest.js';
import { bootKernel, checkBzImage, logConsoleTail, withInitramfs, type BootDeps, type BootRequest, type BootResult } from './boot.js';
import type { BootEnding } from './qemu.js';

export interface ScreenCandidate {
  /** A label, e.g. propose's `FTRACE=n`. */
  id: string;
  /** Initcall function names to skip. */
  initcalls: string[];
  /** What propose predicted (ms), when known. */
  predictedMs?: number;
}

export interface ScreenRequest {
  /** Kernel, memory, timeout…; initcallDebug and dmesg are forced on. */
  boot: BootRequest;
  candidates: ScreenCandidate[];
  /** Boots per variant (baseline and each candidate). */
  runs: number;
  /** The kernel's .config when known: refused early without CONFIG_KALLSYMS. */
  kernelConfig?: DotConfig;
  onBoot?: (label: string, r: BootResult, index: number) => void;
}

export interface Figure {
  medianMs: number;
  sdMs: number | null;
  n: number;
}

export interface ScreenedCandidate extends ScreenCandidate {
  append: string;
  /** These initcalls' per-boot sum in this run's baseline boots. */
  baselineMs: Figure | null;
  /** Baseline median total initcall time minus this variant's (ms); null when it did not boot. */
  screenedMs: number | null;
  totalInitcallMs: Figure | null;
  /** Welch's t-test of the totals (candidate against baseline). */
  welch: WelchResult | null;
  /** Every blacklisted initcall was absent from the screened boots. */
  skipped: boolean;
  /** Blacklisted names that still ran (the kernel did not match them). */
  stillCalled: string[];
  /** Names that did not run in the baseline either (nothing to skip). */
  notInBaseline: string[];
  /** A boot failed to reach the end marker with these initcalls skipped. */
  breaksBoot: boolean;
  ending: BootEnding;
  endingDetail: string;
  boots: number;
}

export interface ScreenResult {
  kernel: string;
  runs: number;
  baseline: { append: string; totalInitcallMs: Figure; timeToInitMs: Figure | null; boots: number };
  candidates: ScreenedCandidate[];
}

const BLACKLIST_RE = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** The `.config` a kernel was built with, if it sits where builds put it: O=dir/arch/x86/boot/bzImage, or /boot/config-X beside /boot/vmlinuz-X. */
export function configBesideKernel(kernel: string): string | undefined {
  const k = resolve(kernel);
  const dir = dirname(k);
  const candidates = [join(dir, '..', '..', '..', '.config'), join(dir, '.config')];
  const m = /^vmlinuz-(.+)$/.exec(basename(k));
  if (m) candidates.unshift(join(dir, `config-${m[1]}`));
  return candidates.find((p) => existsSync(p));
}

/** Whether a .config has CONFIG_KALLSYMS=y. */
export function configHasKallsyms(config: DotConfig): boolean {
  return config.values.get('KALLSYMS')?.value === 'y';
}

/** A boot whose initcall_debug lines name functions by bare address: the kernel has no KALLSYMS. */
export function bootLacksKallsyms(boot: ParsedBoot): boolean {
  return boot.initcalls.length > 0 && boot.initcalls.some((r) => r.address !== undefined);
}

function figure(values: number[]): Figure | null {
  if (!values.length) return null;
  const s: Summary = summarize(values);
  return { medianMs: s.median / 1000, sdMs: s.sd === null ? null : s.sd / 1000, n: s.n };
}

/** Boot the baseline and each candidate `runs` times; see the module comment. */
export async function screenCandidates(req: ScreenRequest, deps: BootDeps): Promise<ScreenResult> {
  const kernel = resolve(req.boot.kernel);
  await checkBzImage(kernel);
  const cfgFile = req.kernelConfig?.file ?? 'the kernel config';
  if (req.kernelConfig && !configHasKallsyms(req.kernelConfig)) {
    throw new InputError(
      `${kernel} is built without CONFIG_KALLSYMS (${cfgFile}): initcall_blacklist= matches names, so it would skip nothing; rebuild with CONFIG_KALLSYMS=y`,
    );
  }
  if (!req.candidates.length) throw new InputError('nothing to screen: no candidate initcalls');
  for (const c of req.candidates) {
    const bad = c.initcalls.find((f) => !BLACKLIST_RE.test(f));
    if (bad !== undefined) throw new InputError(`candidate ${c.id}: "${bad}" is not an initcall function name`);
    if (!c.initcalls.length) throw new InputError(`candidate ${c.id}: no initcalls`);
  }
  const runs = Math.max(1, Math.round(req.runs));
  const prepared = await withInitramfs({ ...req.boot, kernel, initcallDebug: true, dmesg: true }, deps);
  const userAppend = req.boot.append ?? 'loglevel=6';

  const bootVariant = async (label: string, append: string): Promise<{ boots: ParsedBoot[]; failed?: BootResult }> => {
    const boots: ParsedBoot[] = [];
    for (let i = 0; i < runs; i++) {
      const stop = interruption();
      if (stop) throw stop;
      const r = await bootKernel({ ...prepared, append, logName: `${label}-${i + 1}` }, deps);
      req.onBoot?.(label, r, i + 1);
      if (r.ending !== 'marker' || !r.dmesg) {
        logConsoleTail(r, deps.logger);
        return { boots, failed: r };
      }
      boots.push(parseBootLog(r.dmesg, { source: `${label}-${i + 1}` }));
    }
    return { boots };
  };

  const base = await bootVariant('baseline', userAppend);
  if (base.failed) {
    throw new BootError(
      `the baseline boot of ${kernel} did not reach the end marker (${base.failed.ending}: ${base.failed.endingDetail}): nothing to compare with`,
    );
  }
  if (bootLacksKallsyms(base.boots[0])) {
    throw new InputError(
      `${kernel} prints initcalls as bare addresses: it has no CONFIG_KALLSYMS, so initcall_blacklist= would skip nothing; rebuild with CONFIG_KALLSYMS=y`,
    );
  }
  const baseTotals = base.boots.map((b) => b.totalInitcallUs);
  const baseToInit = base.boots.map((b) => b.landmarks.runInitUs).filter((x): x is number => x !== undefined);

  const out: ScreenedCandidate[] = [];
  for (const c of req.candidates) {
    const names = new Set(c.initcalls);
    const perBootBaseline = base.boots.map((b) =>
      b.initcalls.filter((r) => names.has(r.fn) && !r.async).reduce((t, r) => t + (r.durationUs ?? 0), 0),
    );
    const notInBaseline = c.initcalls.filter((f) => !base.boots.some((b) => b.initcalls.some((r) => r.fn === f)));
    const append = `${userAppend} initcall_blacklist=${c.initcalls.join(',')}`;
    const v = await bootVariant(`screen-${out.length + 1}`, append);
    const totals = v.boots.map((b) => b.totalInitcallUs);
    const stillCalled = c.initcalls.filter((f) => v.boots.some((b) => b.initcalls.some((r) => r.fn === f)));
    const total = figure(totals);
    const baseFig = figure(baseTotals)!;
    out.push({
      ...c,
      append,
      baselineMs: figure(perBootBaseline),
      screenedMs: v.failed || !total ? null : baseFig.medianMs - total.medianMs,
      totalInitcallMs: total,
      welch: !v.failed && totals.length >= 2 && baseTotals.length >= 2 ? welchTTest(baseTotals, totals) : null,
      skipped: v.boots.length > 0 && stillCalled.length === 0,
      stillCalled,
      notInBaseline,
      breaksBoot: Boolean(v.failed),
      ending: v.failed?.ending ?? 'marker',
      endingDetail: v.failed?.endingDetail ?? '',
      boots: v.boots.length + (v.failed ? 1 : 0),
    });
  }
  return {
    kernel,
    runs,
    baseline: { append: userAppend, totalInitcallMs: figure(baseTotals)!, timeToInitMs: figure(baseToInit), boots: base.boots.length },
    candidates: out,
  };
}

const f1 = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(1));

export function formatScreenText(r: ScreenResult): string {
  const b = r.baseline.totalInitcallMs;
  const out = [
    `baseline: ${r.baseline.boots} boot(s) of ${r.kernel}, total initcall time ${f1(b.medianMs)}${b.sdMs === null ? ' ms (median; one boot: no sd)' : ` ± ${f1(b.sdMs)} ms (median ± sd)`}`,
    '',
  ];
  out.push('candidate                          predicted  baseline   screened  p       skipped  boot');
  for (const c of r.candidates) {
    const boot = c.breaksBoot ? `BREAKS (${c.ending})` : 'ok';
    const skipped = c.skipped
      ? 'yes'
      : c.breaksBoot && c.boots === 1 && c.stillCalled.length === 0
        ? '?'
        : `no: ${c.stillCalled.join(',') || '-'}`;
    out.push(
      `${c.id.padEnd(34)} ${f1(c.predictedMs).padStart(9)}  ${f1(c.baselineMs?.medianMs).padStart(8)}  ${f1(c.screenedMs).padStart(9)}  ${(c.welch ? c.welch.p.toFixed(3) : '-').padEnd(6)}  ${skipped.padEnd(7)}  ${boot}`,
    );
    if (c.breaksBoot) out.push(`    ${c.endingDetail}`);
    if (c.notInBaseline.length) out.push(`    not called in the baseline boots: ${c.notInBaseline.join(', ')}`);
  }
  out.push(
    '',
    "ms; predicted: from propose; baseline: these initcalls in this run; screened: baseline total initcall time minus the candidate's (medians)",
  );
  return out.join('\n') + '\n';
}
