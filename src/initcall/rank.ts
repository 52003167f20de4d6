/**
 * Rank initcalls by cost over N boots of the same kernel. Pure: takes
 * ParsedBoot values (parse.ts), returns an InitcallReport that every report
 * format (text, json, md, svg, html) renders. No I/O.
 *
 * An initcall is identified over boots by fn + module + occurrence (the
 * 0-based index of that fn/module pair within one boot, for a function that
 * runs twice). Times are microseconds.
 */
import type { InitcallLevel, ParsedBoot } from './types.js';
import { jiffyQuantum, summarize, summarizeOrNull, type Summary } from '../stats/summary.js';

/** Initcalls under this many µs (median) form the long tail. */
export const LONG_TAIL_US = 1000;

/** symbol, dir and file need the source tree: src/propose/group.ts regroups the report by them. */
export type GroupBy = 'fn' | 'module' | 'level' | 'symbol' | 'dir' | 'file';

/** Identity of an initcall across boots. */
export interface InitcallKey {
  fn: string;
  module?: string;
  /** 0 for the first run of fn/module in a boot, 1 for the second, … */
  occurrence: number;
  /**
   * Code size (`fn+0x0/0xSIZE`), set only when a boot ran two functions of one
   * name and different sizes: two static functions, not one run twice.
   */
  size?: number;
}

/** One initcall aggregated over the boots. */
export interface RankedInitcall extends InitcallKey {
  /** Printable identity: `fn`, `fn [module]`, `fn#2` for a second run. */
  key: string;
  level?: InitcallLevel;
  /** Ran as async_schedule()d work in at least one boot (overlaps others; not in totals). */
  async: boolean;
  /** Number of boots in which it was called. */
  boots: number;
  /** Per boot (aligned with InitcallReport.boots): its duration, null when absent or incomplete. */
  durationsUs: (number | null)[];
  /** Statistics of the complete durations; null when it never returned. */
  stats: Summary | null;
  /**
   * Its share of initcall time: sum of its durations over boots divided by
   * the sum of the boots' total (synchronous) initcall time. 0..1; null for
   * a call that never returned.
   */
  share: number | null;
  /** Jiffy length in µs when every nonzero duration is a multiple of it (low-resolution timing). */
  jiffyUs?: number;
  /** Boots in which it was called but never returned (hang or truncated log). */
  incomplete: number;
  /** Where each never-returned call is: the log and the line of its `calling` line. */
  incompleteAt: { source: string; line: number }[];
  /** Distinct non-zero return codes seen, ascending (e.g. [-19] for ENODEV). */
  errorCodes: number[];
  /** Boots in which it returned non-zero. */
  errorBoots: number;
  /** A console_initcall() (PID 0, before timekeeping): its printed 0 µs is no measure. */
  console?: boolean;
  /** Boots whose duration is estimated from the calling/returned timestamps, not printed by the kernel. */
  estimatedBoots?: number;
}

/** A group of initcalls (by module or by level), timed as per-boot sums. */
export interface InitcallGroup {
  /** Module name (`(built-in)` when none), level name (`(unknown)` when unknown), or the initcall key. */
  name: string;
  /** Distinct initcalls in the group. */
  initcalls: number;
  /** Statistics of the per-boot sum of the group's complete synchronous durations. */
  stats: Summary;
  share: number;
  incomplete: number;
  errorBoots: number;
}

/** Figures of one boot (one log). */
export interface BootSummary {
  source: string;
  kernelVersion?: string;
  kernelRelease?: string;
  /** Number of initcalls called (complete or not, async included). */
  initcalls: number;
  /** Sum of complete synchronous initcall durations. */
  totalInitcallUs: number;
  /** printk time of `Run /init as init process`. */
  timeToInitUs?: number;
  outsideInitcallUs?: number;
  /** Calls without their `returned` line. */
  incomplete: number;
  /** Initcalls that returned non-zero. */
  errors: number;
  /** Whether printk timestamps were present. */
  hasTimestamps: boolean;
  lineCount: number;
  warnings: number;
  /** Values left out because the log's own timestamps contradict them (see the warnings). */
  garbledValues: number;
}

export interface LongTail {
  thresholdUs: number;
  /** Complete initcalls whose median is under the threshold. */
  count: number;
  /** Sum of their medians (synchronous ones only). */
  totalUs: number;
  /** totalUs over the median total initcall time. */
  share: number;
}

/** Everything `ktrim report` shows about N boots. */
export interface InitcallReport {
  boots: BootSummary[];
  /** Distinct kernel versions (the full `Linux version` string when known, else the release). */
  kernels: string[];
  /** Over boots: total synchronous initcall time. */
  totalInitcallUs: Summary;
  /** Over boots that reached /init with timestamps; null when none did. */
  timeToInitUs: Summary | null;
  outsideInitcallUs: Summary | null;
  /** Every initcall, most expensive first (median, then mean, then key). */
  initcalls: RankedInitcall[];
  /** The grouping asked for; for `fn` one group per initcall. */
  groupBy: GroupBy;
  groups: InitcallGroup[];
  longTail: LongTail;
  /** Human-readable warnings about the input as a whole (mixed kernels, …). */
  warnings: string[];
}

export interface RankOptions {
  groupBy?: GroupBy;
  longTailUs?: number;
}

export function initcallKeyString(k: InitcallKey): string {
  let s = k.fn;
  if (k.size !== undefined) s += `/0x${k.size.toString(16)}`;
  if (k.occurrence > 0) s += `#${k.occurrence + 1}`;
  if (k.module) s += ` [${k.module}]`;
  return s;
}

function kernelOf(b: ParsedBoot): string | undefined {
  return b.kernelVersion ?? b.kernelRelease;
}

/** Order: descending median, then descending mean, then key; never-returned calls last. */
function compareRanked(a: { stats: Summary | null; key: string }, b: { stats: Summary | null; key: string }): number {
  if (a.stats && !b.stats) return -1;
  if (!a.stats && b.stats) return 1;
  if (a.stats && b.stats) {
    if (b.stats.median !== a.stats.median) return b.stats.median - a.stats.median;
    if (b.stats.mean !== a.stats.mean) return b.stats.mean - a.stats.mean;
  }
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

interface Accumulator extends Omit<InitcallKey, 'size'> {
  /** InitcallKey.size, kept as a slot (one object shape). */
  size: number | undefined;
  console: boolean;
  estimatedBoots: number;
  key: string;
  level?: InitcallLevel;
  async: boolean;
  boots: number;
  durationsUs: (number | null)[];
  incomplete: number;
  incompleteAt: { source: string; line: number }[];
  errorCodes: Set<number>;
  errorBoots: number;
  /** Synchronous in every boot it completed in: counts towards totals. */
  syncDurationsSum: number;
}

export function rankBoots(boots: readonly ParsedBoot[], options: RankOptions = {}): InitcallReport {
  if (boots.length === 0) throw new RangeError('rankBoots: no boots');
  const groupBy = options.groupBy ?? 'fn';
  const longTailUs = options.longTailUs ?? LONG_TAIL_US;
  const n = boots.length;
  const acc = new Map<string, Accumulator>();

  boots.forEach((boot, bi) => {
    const seen = new Map<string, number>();
    // Names that stand for two functions in this boot (different code sizes): told apart by size.
    const sizes = new Map<string, number>();
    const ambiguous = new Set<string>();
    for (const rec of boot.initcalls) {
      if (rec.size === undefined) continue;
      const base = rec.module ? `${rec.fn}\u0000${rec.module}` : rec.fn;
      const first = sizes.get(base);
      if (first === undefined) sizes.set(base, rec.size);
      else if (first !== rec.size) ambiguous.add(base);
    }
    for (const rec of boot.initcalls) {
      let base = rec.module ? `${rec.fn}\u0000${rec.module}` : rec.fn;
      const size = ambiguous.has(base) ? rec.size : undefined;
      if (size !== undefined) base += `\u0000${size}`;
      const occurrence = seen.get(base) ?? 0;
      seen.set(base, occurrence + 1);
      const key =
        occurrence === 0 && !rec.module && size === undefined
          ? rec.fn
          : initcallKeyString({ fn: rec.fn, module: rec.module, occurrence, ...(size !== undefined && { size }) });
      let a = acc.get(key);
      if (!a) {
        // One fixed object shape (no spread, no delete): this loop sees every record of every boot.
        a = {
          fn: rec.fn,
          module: rec.module,
          occurrence,
          size,
          key,
          level: undefined,
          async: false,
          boots: 0,
          durationsUs: new Array<number | null>(n).fill(null),
          incomplete: 0,
          incompleteAt: [],
          errorCodes: new Set(),
          errorBoots: 0,
          console: false,
          estimatedBoots: 0,
          syncDurationsSum: 0,
        };
        acc.set(key, a);
      }
      a.boots++;
      if (rec.async) a.async = true;
      if (rec.console) a.console = true;
      if (rec.durationEstimated) a.estimatedBoots++;
      if (rec.level && !a.level) a.level = rec.level;
      if (!rec.complete || rec.durationUs === undefined) {
        a.incomplete++;
        a.incompleteAt.push({ source: boot.source, line: rec.callLine });
        continue;
      }
      a.durationsUs[bi] = rec.durationUs;
      if (!rec.async) a.syncDurationsSum += rec.durationUs;
      if (rec.ret !== undefined && rec.ret !== 0) {
        a.errorCodes.add(rec.ret);
        a.errorBoots++;
      }
    }
  });

  const bootSummaries: BootSummary[] = boots.map((b) => {
    const s: BootSummary = {
      source: b.source,
      initcalls: b.initcalls.length,
      totalInitcallUs: b.totalInitcallUs,
      incomplete: b.initcalls.filter((r) => !r.complete).length,
      errors: b.initcalls.filter((r) => r.complete && r.ret !== undefined && r.ret !== 0).length,
      hasTimestamps: b.hasTimestamps,
      lineCount: b.lineCount,
      warnings: b.warnings.length,
      garbledValues: b.garbledValues ?? 0,
    };
    if (b.kernelVersion !== undefined) s.kernelVersion = b.kernelVersion;
    if (b.kernelRelease !== undefined) s.kernelRelease = b.kernelRelease;
    if (b.landmarks.runInitUs !== undefined) s.timeToInitUs = b.landmarks.runInitUs;
    if (b.outsideInitcallUs !== undefined) s.outsideInitcallUs = b.outsideInitcallUs;
    return s;
  });

  const grandTotal = boots.reduce((t, b) => t + b.totalInitcallUs, 0);
  const initcalls: RankedInitcall[] = [...acc.values()].map((a) => {
    const complete = a.durationsUs.filter((d): d is number => d !== null);
    const stats = summarizeOrNull(complete);
    const r: RankedInitcall = {
      fn: a.fn,
      occurrence: a.occurrence,
      ...(a.size !== undefined && { size: a.size }),
      key: a.key,
      async: a.async,
      boots: a.boots,
      durationsUs: a.durationsUs,
      stats,
      share: stats ? (grandTotal > 0 ? a.syncDurationsSum / grandTotal : 0) : null,
      incomplete: a.incomplete,
      incompleteAt: a.incompleteAt,
      errorCodes: [...a.errorCodes].sort((x, y) => x - y),
      errorBoots: a.errorBoots,
    };
    if (a.console) r.console = true;
    if (a.estimatedBoots > 0) r.estimatedBoots = a.estimatedBoots;
    if (a.module) r.module = a.module;
    if (a.level) r.level = a.level;
    const jiffy = jiffyQuantum(complete);
    if (jiffy !== undefined) r.jiffyUs = jiffy;
    return r;
  });
  // One kernel has one HZ: re-judge ambiguous initcalls by the commonest jiffy.
  const jiffyCounts = new Map<number, number>();
  for (const r of initcalls) if (r.jiffyUs !== undefined) jiffyCounts.set(r.jiffyUs, (jiffyCounts.get(r.jiffyUs) ?? 0) + 1);
  const commonJiffy = [...jiffyCounts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]?.[0];
  if (commonJiffy !== undefined) {
    for (const r of initcalls) {
      if (r.jiffyUs === undefined) continue;
      r.jiffyUs = jiffyQuantum(
        r.durationsUs.filter((d): d is number => d !== null),
        commonJiffy,
      );
    }
  }
  initcalls.sort(compareRanked);

  const kernels = [...new Set(boots.map(kernelOf).filter((k): k is string => k !== undefined))];
  const warnings: string[] = [];
  if (kernels.length > 1) {
    const counts = kernels.map((k) => `${k} (${boots.filter((b) => kernelOf(b) === k).length})`);
    warnings.push(`logs come from ${kernels.length} different kernels: ${counts.join(', ')}; statistics mix them`);
  }
  const unknownKernel = boots.filter((b) => kernelOf(b) === undefined).length;
  if (unknownKernel > 0 && kernels.length > 0) {
    warnings.push(`${unknownKernel} log(s) have no "Linux version" line: cannot check they come from the same kernel`);
  }

  const timeToInit = bootSummaries.map((b) => b.timeToInitUs).filter((v): v is number => v !== undefined);
  const outside = bootSummaries.map((b) => b.outsideInitcallUs).filter((v): v is number => v !== undefined);
  const totalInitcallUs = summarize(boots.map((b) => b.totalInitcallUs));

  const tail = initcalls.filter((r) => r.stats && r.stats.median < longTailUs);
  const tailTotal = tail.filter((r) => !r.async).reduce((t, r) => t + (r.stats as Summary).median, 0);

  return {
    boots: bootSummaries,
    kernels,
    totalInitcallUs,
    timeToInitUs: summarizeOrNull(timeToInit),
    outsideInitcallUs: summarizeOrNull(outside),
    initcalls,
    groupBy,
    groups: groupInitcalls(initcalls, groupBy, n, grandTotal),
    longTail: {
      thresholdUs: longTailUs,
      count: tail.length,
      totalUs: tailTotal,
      share: totalInitcallUs.median > 0 ? tailTotal / totalInitcallUs.median : 0,
    },
    warnings,
  };
}

/** A caller-defined grouping (propose: by CONFIG symbol, directory, file); null leaves the initcall out. */
export type GroupNameOf = (r: RankedInitcall) => string | null;

function groupName(r: RankedInitcall, by: GroupBy | GroupNameOf): string | null {
  if (typeof by === 'function') return by(r);
  if (by === 'module') return r.module ?? '(built-in)';
  if (by === 'level') return r.level ?? '(unknown)';
  return r.key;
}

/**
 * Group initcalls; a group's time in one boot is the sum of its members'
 * complete synchronous durations in that boot (async work overlaps others and
 * would double-count).
 */
export function groupInitcalls(
  initcalls: readonly RankedInitcall[],
  by: GroupBy | GroupNameOf,
  bootCount: number,
  grandTotalUs: number,
): InitcallGroup[] {
  const groups = new Map<string, { members: RankedInitcall[]; perBoot: number[] }>();
  for (const r of initcalls) {
    const name = groupName(r, by);
    if (name === null) continue;
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { members: [], perBoot: new Array<number>(bootCount).fill(0) }));
    g.members.push(r);
    if (r.async) continue;
    r.durationsUs.forEach((d, i) => {
      if (d !== null) g.perBoot[i] += d;
    });
  }
  const out: (InitcallGroup & { key: string })[] = [...groups.entries()].map(([name, g]) => {
    const sum = g.perBoot.reduce((t, v) => t + v, 0);
    return {
      name,
      key: name,
      initcalls: g.members.length,
      stats: summarize(g.perBoot),
      share: grandTotalUs > 0 ? sum / grandTotalUs : 0,
      incomplete: g.members.reduce((t, m) => t + m.incomplete, 0),
      errorBoots: g.members.reduce((t, m) => t + m.errorBoots, 0),
    };
  });
  out.sort(compareRanked);
  return out.map(({ key: _key, ...g }) => g);
}

/** One initcall before and after a change. */
export interface ComparedInitcall extends InitcallKey {
  key: string;
  /** Median before / after; null when absent (or never returned) on that side. */
  beforeUs: number | null;
  afterUs: number | null;
  /** after − before, treating an absent side as 0 (a removed initcall saves its whole median). */
  deltaUs: number;
  /** deltaUs / beforeUs; null when there is no before. */
  deltaRatio: number | null;
  status: 'both' | 'removed' | 'added';
}

export interface ComparedFigure {
  beforeUs: number | null;
  afterUs: number | null;
  deltaUs: number | null;
  deltaRatio: number | null;
}

export interface InitcallComparison {
  before: InitcallReport;
  after: InitcallReport;
  /** Median total initcall time and median time to /init, before and after. */
  totalInitcall: ComparedFigure;
  timeToInit: ComparedFigure;
  /** Every initcall of either side, largest absolute delta first. */
  initcalls: ComparedInitcall[];
}

function compareFigure(before: number | null, after: number | null): ComparedFigure {
  const deltaUs = before !== null && after !== null ? after - before : null;
  return {
    beforeUs: before,
    afterUs: after,
    deltaUs,
    deltaRatio: deltaUs !== null && before ? deltaUs / before : null,
  };
}

/** Compare two rankings (before = the LOG arguments, after = the --compare logs). */
export function compareReports(before: InitcallReport, after: InitcallReport): InitcallComparison {
  const afterByKey = new Map(after.initcalls.map((r) => [r.key, r]));
  const rows: ComparedInitcall[] = [];
  const median = (r: RankedInitcall | undefined) => r?.stats?.median ?? null;
  for (const b of before.initcalls) {
    const a = afterByKey.get(b.key);
    afterByKey.delete(b.key);
    const bu = median(b);
    const au = median(a);
    const deltaUs = (au ?? 0) - (bu ?? 0);
    const row: ComparedInitcall = {
      fn: b.fn,
      occurrence: b.occurrence,
      key: b.key,
      beforeUs: bu,
      afterUs: au,
      deltaUs,
      deltaRatio: bu ? deltaUs / bu : null,
      status: a ? 'both' : 'removed',
    };
    if (b.module) row.module = b.module;
    rows.push(row);
  }
  for (const a of afterByKey.values()) {
    const au = median(a);
    const row: ComparedInitcall = {
      fn: a.fn,
      occurrence: a.occurrence,
      key: a.key,
      beforeUs: null,
      afterUs: au,
      deltaUs: au ?? 0,
      deltaRatio: null,
      status: 'added',
    };
    if (a.module) row.module = a.module;
    rows.push(row);
  }
  rows.sort((x, y) => Math.abs(y.deltaUs) - Math.abs(x.deltaUs) || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return {
    before,
    after,
    totalInitcall: compareFigure(before.totalInitcallUs.median, after.totalInitcallUs.median),
    timeToInit: compareFigure(before.timeToInitUs?.median ?? null, after.timeToInitUs?.median ?? null),
    initcalls: rows,
  };
}
