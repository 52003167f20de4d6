/**
 * Plain-text report: a header with the boot-wide figures, then a blame list
 * (like `systemd-analyze blame`) of initcalls or groups, then every initcall
 * that never returned or returned an error — those are never dropped, even
 * when --top or --min-us hide them from the list.
 */
import type { InitcallGroup, InitcallReport, RankedInitcall } from '../initcall/rank.js';
import type { Summary } from '../stats/summary.js';
import {
  capped,
  columns,
  duration,
  errnoName,
  hiddenReason,
  MAX_NAMES,
  ms,
  nameCell,
  percent,
  selectRanked,
  wrap,
  type ViewOptions,
} from './format.js';
import { cleanText, NAME_MAX } from './escape.js';

export type TextOptions = ViewOptions;

/** Longest kernel version string shown (the `Linux version` line, cleaned). */
export const KERNEL_MAX = 256;
/** Boots named one by one in a header line; the rest are counted. */
const SOURCES_MAX = 20;

/** Append lines one by one: spreading 100,000 rows into push() overflows the stack. */
export function pushLines(out: string[], lines: Iterable<string>): void {
  for (const l of lines) out.push(l);
}

/** `a, b, c` of at most `max` (cleaned) names, then `and N more`. */
export function nameList(names: readonly string[], max: number, clean: (s: string) => string): string {
  const { shown, omitted } = capped(names, max);
  return shown.map(clean).join(', ') + (omitted > 0 ? ` and ${omitted} more` : '');
}

/** `812.345 ms median, ± 20.123 ms sd, 95 % CI 760.000–860.000 ms, range 790.000–830.000 ms (3 boots)` */
export function describeSummary(s: Summary): string {
  const parts = [`${duration(s.median)} median`];
  if (s.sd !== null) parts.push(`± ${duration(s.sd)} sd`);
  if (s.ci95) parts.push(`95 % CI of the mean ${duration(s.ci95.low)} – ${duration(s.ci95.high)}`);
  if (s.n > 1) parts.push(`range ${duration(s.min)} – ${duration(s.max)}`);
  return `${parts.join(', ')} (${s.n} boot${s.n === 1 ? '' : 's'})`;
}

/** Notes column of one initcall: errors, hangs, async, low resolution. */
export function initcallNotes(r: RankedInitcall, bootCount: number): string {
  const notes: string[] = [];
  if (r.errorCodes.length > 0) {
    const codes = nameList(r.errorCodes.map(errnoName), 10, String);
    notes.push(`returned ${codes}${bootCount > 1 ? ` in ${r.errorBoots}/${bootCount}` : ''}`);
  }
  if (r.incomplete > 0) notes.push(`never returned${bootCount > 1 ? ` in ${r.incomplete}/${bootCount}` : ''}`);
  if (r.async) notes.push('async');
  if (r.jiffyUs !== undefined) notes.push(`low resolution: ${ms(r.jiffyUs, r.jiffyUs % 1000 ? 3 : 0)} ms jiffies`);
  return notes.join('; ');
}

export function headerLines(report: InitcallReport): [string, string][] {
  const n = report.boots.length;
  const incomplete = report.initcalls.filter((r) => r.incomplete > 0).length;
  const errors = report.initcalls.filter((r) => r.errorBoots > 0).length;
  const perBoot = report.boots.map((b) => b.initcalls);
  const rows: [string, string][] = [];
  const kernels = capped(report.kernels, SOURCES_MAX);
  rows.push([
    'Kernel',
    report.kernels.length === 0
      ? '(unknown: no "Linux version" line)'
      : kernels.shown.map((k) => cleanText(k, KERNEL_MAX)).join(' | ') + (kernels.omitted ? ` | and ${kernels.omitted} more` : ''),
  ]);
  rows.push([
    'Boots',
    `${n}: ${nameList(
      report.boots.map((b) => b.source),
      SOURCES_MAX,
      (s) => cleanText(s, NAME_MAX),
    )}`,
  ]);
  const extra: string[] = [];
  if (n > 1) extra.push(`per boot ${nameList(perBoot.map(String), SOURCES_MAX, String)}`);
  if (incomplete > 0) extra.push(`${incomplete} never returned`);
  if (errors > 0) extra.push(`${errors} returned an error`);
  rows.push(['Initcalls', `${report.initcalls.length}${extra.length ? ` (${extra.join('; ')})` : ''}`]);
  rows.push(['Initcall time', describeSummary(report.totalInitcallUs)]);
  rows.push(['Time to /init', report.timeToInitUs ? describeSummary(report.timeToInitUs) : 'unknown (no timestamped "Run /init" line)']);
  if (report.outsideInitcallUs) rows.push(['Outside initcalls', describeSummary(report.outsideInitcallUs)]);
  const t = report.longTail;
  rows.push([
    'Long tail',
    `${t.count} initcalls under ${ms(t.thresholdUs, 0)} ms add up to ${duration(t.totalUs)} (${percent(t.share)} of initcall time)`,
  ]);
  return rows;
}

export const PER_BOOT_ALIGN = ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right'] as const;

/** One row per boot: the figures each log gives on its own. */
export function perBootRows(report: InitcallReport, name: (source: string) => string): string[][] {
  const opt = (us: number | undefined) => (us === undefined ? '-' : duration(us));
  return [
    ['log', 'kernel', 'initcalls', 'initcall time', 'to /init', 'outside', 'no return', 'errors'],
    ...report.boots.map((b) => [
      cleanText(name(b.source), NAME_MAX),
      b.kernelRelease !== undefined ? cleanText(b.kernelRelease, 64) : '?',
      String(b.initcalls),
      duration(b.totalInitcallUs),
      opt(b.timeToInitUs),
      opt(b.outsideInitcallUs),
      String(b.incomplete),
      String(b.errors),
    ]),
  ];
}

function initcallRows(shown: readonly RankedInitcall[], all: readonly RankedInitcall[], n: number): string[][] {
  const rank = new Map(all.map((r, i) => [r, i + 1]));
  return shown.map((r) => [
    String(rank.get(r)),
    r.stats ? `${ms(r.stats.median)} ms` : '-',
    r.stats?.sd != null ? `± ${ms(r.stats.sd)}` : '',
    r.share !== null && !r.async ? percent(r.share) : '',
    `${r.boots}/${n}`,
    nameCell(r.key),
    initcallNotes(r, n),
  ]);
}

function groupRows(shown: readonly InitcallGroup[], all: readonly InitcallGroup[]): string[][] {
  const rank = new Map(all.map((g, i) => [g, i + 1]));
  return shown.map((g) => {
    const notes: string[] = [];
    if (g.incomplete > 0) notes.push(`${g.incomplete} never returned`);
    if (g.errorBoots > 0) notes.push(`${g.errorBoots} error returns`);
    return [
      String(rank.get(g)),
      `${ms(g.stats.median)} ms`,
      g.stats.sd !== null ? `± ${ms(g.stats.sd)}` : '',
      percent(g.share),
      String(g.initcalls),
      nameCell(g.name),
      notes.join('; '),
    ];
  });
}

/**
 * Initcalls that returned non-zero, by return code (most common code first),
 * each name followed by `(k/N)` when it failed in only some boots.
 */
export function errorsByCode(report: InitcallReport): [number, string[]][] {
  const n = report.boots.length;
  const byCode = new Map<number, string[]>();
  for (const r of report.initcalls) {
    for (const c of r.errorCodes) {
      const name = r.errorBoots < n || r.errorCodes.length > 1 ? `${r.key} (${r.errorBoots}/${n})` : r.key;
      let names = byCode.get(c);
      if (!names) byCode.set(c, (names = []));
      names.push(name);
    }
  }
  return [...byCode.entries()].sort((a, b) => b[1].length - a[1].length || a[0] - b[0]);
}

export function renderText(report: InitcallReport, options: TextOptions = {}): string {
  const n = report.boots.length;
  const out: string[] = [];
  const header = headerLines(report);
  const w = header.reduce((m, [k]) => Math.max(m, k.length), 0) + 1;
  for (const [k, v] of header) out.push(`${(k + ':').padEnd(w)} ${v}`);
  for (const warning of report.warnings) out.push(`Warning: ${cleanText(warning)}`);
  out.push('');
  if (n > 1) {
    out.push('Per boot:');
    for (const l of columns(
      perBootRows(report, (s) => s),
      PER_BOOT_ALIGN,
    ))
      out.push(`  ${l}`);
    out.push('');
  }

  if (report.groupBy === 'fn') {
    const shown = selectRanked(report.initcalls, options);
    const head = ['#', 'median', 'sd', 'share', 'boots', 'initcall', 'notes'];
    pushLines(
      out,
      columns([head, ...initcallRows(shown, report.initcalls, n)], ['right', 'right', 'right', 'right', 'right', 'left', 'left']),
    );
    const hidden = report.initcalls.length - shown.length;
    if (hidden > 0) out.push(`… ${hidden} more initcall${hidden === 1 ? '' : 's'} not shown (${hiddenReason(shown.length, options)})`);
  } else {
    const shown = selectRanked(report.groups, options);
    const head = ['#', 'median', 'sd', 'share', 'calls', report.groupBy, 'notes'];
    pushLines(out, columns([head, ...groupRows(shown, report.groups)], ['right', 'right', 'right', 'right', 'right', 'left', 'left']));
    const hidden = report.groups.length - shown.length;
    if (hidden > 0) out.push(`… ${hidden} more group${hidden === 1 ? '' : 's'} not shown (${hiddenReason(shown.length, options)})`);
  }

  const never = report.initcalls.filter((r) => r.incomplete > 0);
  if (never.length > 0) {
    out.push('', 'Never returned (calling without returned: a hang, or the log ends):');
    const { shown, omitted } = capped(never, MAX_NAMES);
    for (const r of shown)
      out.push(
        `  ${nameCell(r.key)}  at ${nameList(
          r.incompleteAt.map((p) => `${p.source}:${p.line}`),
          SOURCES_MAX,
          (s) => cleanText(s, NAME_MAX),
        )}`,
      );
    if (omitted > 0) out.push(`  … and ${omitted} more`);
  }
  const failed = report.initcalls.filter((r) => r.errorBoots > 0);
  if (failed.length > 0) {
    out.push(
      '',
      `Returned an error (${failed.length} initcall${failed.length === 1 ? '' : 's'}${n > 1 ? '; in every boot unless noted' : ''}):`,
    );
    const byCode = capped(errorsByCode(report), MAX_NAMES);
    for (const [code, names] of byCode.shown)
      for (const l of wrap(`${errnoName(code)}: ${nameList(names, MAX_NAMES, nameCell)}`, 98, '  ')) out.push(`  ${l}`);
    if (byCode.omitted > 0) out.push(`  … and ${byCode.omitted} more return codes`);
  }
  return out.join('\n') + '\n';
}
