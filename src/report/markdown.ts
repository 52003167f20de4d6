/**
 * Markdown report for a mailing-list mail or a commit message: every line at
 * most 80 columns (long initcall names are elided in the middle, prose is
 * wrapped), readable as plain text too.
 */
import type { InitcallReport, RankedInitcall } from '../initcall/rank.js';
import { describeSummary, errorsByCode, KERNEL_MAX, nameList, perBootRows, pushLines } from './text.js';
import {
  capped,
  code,
  duration,
  elideKey,
  errnoName,
  hiddenReason,
  MAX_NAMES,
  ms,
  percent,
  pipeTable,
  selectRanked,
  wrap,
  type ViewOptions,
} from './format.js';
import { mdText } from './escape.js';

export const MD_WIDTH = 80;
/** Longest initcall name in a bullet, so the line still fits. */
const NAME_MAX = 60;

export type MarkdownOptions = ViewOptions;

/** A `- label: text` bullet wrapped to 80 columns. */
export function bullet(label: string, text: string): string[] {
  return wrap(`- ${label}: ${text}`, MD_WIDTH, '  ');
}

/** Kernel release (short, raw) for titles, or `N kernels`; the full version string goes in a wrapped bullet. */
export function kernelRelease(report: InitcallReport): string {
  const releases = new Set(report.boots.map((b) => b.kernelRelease ?? b.kernelVersion?.split(' ')[0] ?? '?'));
  return releases.size === 1 ? [...releases][0] : `${releases.size} kernels`;
}

/** kernelRelease() as Markdown prose. */
export function kernelTitle(report: InitcallReport): string {
  return mdText(kernelRelease(report), 40);
}

/** A file name as Markdown prose shows it: its last component, escaped. */
function fileName(path: string): string {
  return mdText(path.split('/').pop() ?? path, 60);
}

export function summaryBullets(report: InitcallReport): string[] {
  const out: string[] = [];
  const n = report.boots.length;
  const kernels = capped(report.kernels, 20);
  for (const k of kernels.shown) pushLines(out, bullet('Kernel', mdText(k, KERNEL_MAX)));
  if (kernels.omitted > 0) out.push(`- and ${kernels.omitted} more kernels`);
  pushLines(
    out,
    bullet(
      'Boots',
      `${n} (${nameList(
        report.boots.map((b) => b.source),
        20,
        fileName,
      )})`,
    ),
  );
  const incomplete = report.initcalls.filter((r) => r.incomplete > 0).length;
  const errors = report.initcalls.filter((r) => r.errorBoots > 0).length;
  out.push(
    ...bullet(
      'Initcalls',
      `${report.initcalls.length}` + (incomplete ? `, ${incomplete} never returned` : '') + (errors ? `, ${errors} returned an error` : ''),
    ),
  );
  pushLines(out, bullet('Initcall time', describeSummary(report.totalInitcallUs)));
  pushLines(out, bullet('Time to /init', report.timeToInitUs ? describeSummary(report.timeToInitUs) : 'unknown'));
  if (report.outsideInitcallUs) pushLines(out, bullet('Outside initcalls', describeSummary(report.outsideInitcallUs)));
  const t = report.longTail;
  out.push(
    ...bullet(
      'Long tail',
      `${t.count} initcalls under ${ms(t.thresholdUs, 0)} ms add up to ${duration(t.totalUs)} ` + `(${percent(t.share)} of initcall time)`,
    ),
  );
  for (const w of report.warnings) pushLines(out, bullet('Warning', mdText(w)));
  return out;
}

/**
 * Fit the name column (raw names in, code spans out) so the whole table
 * stays within 80 columns.
 */
function fitNames(rows: string[][], nameCol: number): string[][] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, i === nameCol ? 0 : c.length, 3)));
  // `| ` + cells joined by ` | ` + ` |`, and the code span's two backticks.
  const others = widths.reduce((t, w, i) => (i === nameCol ? t : t + w), 0) + 3 * widths.length + 1;
  const room = Math.max(12, MD_WIDTH - others - 2);
  return rows.map((r, ri) => r.map((c, i) => (i === nameCol && ri > 0 ? code(elideKey(c, room)) : c)));
}

function initcallTable(shown: readonly RankedInitcall[], all: readonly RankedInitcall[]): string[] {
  const rank = new Map(all.map((r, i) => [r, i + 1]));
  const rows = [
    ['#', 'median ms', '± sd', '%', 'initcall'],
    ...shown.map((r) => [
      String(rank.get(r)),
      r.stats ? ms(r.stats.median) : '-',
      r.stats?.sd != null ? ms(r.stats.sd) : '',
      r.share !== null && !r.async ? (r.share * 100).toFixed(1) : '',
      r.key,
    ]),
  ];
  return pipeTable(fitNames(rows, 4), ['right', 'right', 'right', 'right', 'left']);
}

export function renderMarkdown(report: InitcallReport, options: MarkdownOptions = {}): string {
  const out: string[] = [];
  const n = report.boots.length;
  out.push(`### Initcalls of ${kernelTitle(report)}, ${n} boot${n === 1 ? '' : 's'}`, '');
  pushLines(out, summaryBullets(report));
  out.push('');
  if (n > 1) {
    // The widest per-boot columns that still fit in 80: no kernel (it is in the title), short names.
    const rows = perBootRows(report, (p) => mdText(elideKey(p.split('/').pop() ?? p, 26))).map((r) => [r[0], r[3], r[4], r[5], r[6]]);
    rows[0] = ['log', 'initcall time', 'to /init', 'outside', 'no ret'];
    pushLines(out, pipeTable(rows, ['left', 'right', 'right', 'right', 'right']));
    out.push('');
  }
  if (report.groupBy === 'fn') {
    const shown = selectRanked(report.initcalls, options);
    pushLines(out, initcallTable(shown, report.initcalls));
    const hidden = report.initcalls.length - shown.length;
    if (hidden > 0) out.push('', `${hidden} more initcalls not shown (${hiddenReason(shown.length, options)}).`);
  } else {
    const shown = selectRanked(report.groups, options);
    const rank = new Map(report.groups.map((g, i) => [g, i + 1]));
    const rows = [
      ['#', 'median ms', '± sd', '%', 'calls', report.groupBy],
      ...shown.map((g) => [
        String(rank.get(g)),
        ms(g.stats.median),
        g.stats.sd !== null ? ms(g.stats.sd) : '',
        (g.share * 100).toFixed(1),
        String(g.initcalls),
        g.name,
      ]),
    ];
    pushLines(out, pipeTable(fitNames(rows, 5), ['right', 'right', 'right', 'right', 'right', 'left']));
    const hidden = report.groups.length - shown.length;
    if (hidden > 0) out.push('', `${hidden} more groups not shown (${hiddenReason(shown.length, options)}).`);
  }
  const never = report.initcalls.filter((r) => r.incomplete > 0);
  if (never.length > 0) {
    out.push('', 'Never returned:', '');
    const { shown, omitted } = capped(never, MAX_NAMES);
    for (const r of shown) {
      const where = nameList(
        r.incompleteAt.map((p) => `${fileName(p.source)}:${p.line}`),
        20,
        String,
      );
      pushLines(out, wrap(`- ${code(elideKey(r.key, NAME_MAX))} at ${where}`, MD_WIDTH, '  '));
    }
    if (omitted > 0) out.push(`- and ${omitted} more`);
  }
  const failed = report.initcalls.filter((r) => r.errorBoots > 0);
  if (failed.length > 0) {
    out.push('', `Returned an error (${failed.length}${n > 1 ? ', in every boot unless noted' : ''}):`, '');
    const byCode = capped(errorsByCode(report), MAX_NAMES);
    for (const [c, names] of byCode.shown)
      pushLines(out, wrap(`- ${errnoName(c)}: ${nameList(names, MAX_NAMES, (k) => code(elideKey(k, NAME_MAX)))}`, MD_WIDTH, '  '));
    if (byCode.omitted > 0) out.push(`- and ${byCode.omitted} more return codes`);
  }
  const lowRes = report.initcalls.filter((r) => r.jiffyUs !== undefined);
  if (lowRes.length > 0) {
    out.push('');
    const jiffies = nameList([...new Set(lowRes.map((r) => `${r.jiffyUs} µs`))], 10, String);
    pushLines(
      out,
      wrap(
        `Low resolution: ${lowRes.length} initcalls have only whole-jiffy durations (${jiffies}); ` +
          'they ran before a high-resolution clocksource.',
        MD_WIDTH,
      ),
    );
  }
  return out.join('\n') + '\n';
}
