/**
 * Markdown report for a mailing-list mail or a commit message: every line at
 * most 80 columns (long initcall names are elided in the middle, prose is
 * wrapped), readable as plain text too.
 */
import type { InitcallReport, RankedInitcall } from '../initcall/rank.js';
import { describeSummary, errorsByCode, perBootRows } from './text.js';
import { code, duration, elideKey, errnoName, ms, percent, pipeTable, selectRanked, wrap, type ViewOptions } from './format.js';

export const MD_WIDTH = 80;
/** Longest initcall name in a bullet, so the line still fits. */
const NAME_MAX = 60;

export type MarkdownOptions = ViewOptions;

/** A `- label: text` bullet wrapped to 80 columns. */
export function bullet(label: string, text: string): string[] {
  return wrap(`- ${label}: ${text}`, MD_WIDTH, '  ');
}

/** Kernel release (short) for titles; the full version string goes in a wrapped bullet. */
export function kernelTitle(report: InitcallReport): string {
  const releases = [...new Set(report.boots.map((b) => b.kernelRelease ?? b.kernelVersion?.split(' ')[0] ?? '?'))];
  return releases.length === 1 ? releases[0] : `${releases.length} kernels`;
}

export function summaryBullets(report: InitcallReport): string[] {
  const out: string[] = [];
  const n = report.boots.length;
  for (const k of report.kernels) out.push(...bullet('Kernel', k));
  out.push(...bullet('Boots', `${n} (${report.boots.map((b) => b.source.split('/').pop()).join(', ')})`));
  const incomplete = report.initcalls.filter((r) => r.incomplete > 0).length;
  const errors = report.initcalls.filter((r) => r.errorBoots > 0).length;
  out.push(
    ...bullet(
      'Initcalls',
      `${report.initcalls.length}` +
        (incomplete ? `, ${incomplete} never returned` : '') +
        (errors ? `, ${errors} returned an error` : ''),
    ),
  );
  out.push(...bullet('Initcall time', describeSummary(report.totalInitcallUs)));
  out.push(...bullet('Time to /init', report.timeToInitUs ? describeSummary(report.timeToInitUs) : 'unknown'));
  if (report.outsideInitcallUs) out.push(...bullet('Outside initcalls', describeSummary(report.outsideInitcallUs)));
  const t = report.longTail;
  out.push(
    ...bullet(
      'Long tail',
      `${t.count} initcalls under ${ms(t.thresholdUs, 0)} ms add up to ${duration(t.totalUs)} ` +
        `(${percent(t.share)} of initcall time)`,
    ),
  );
  for (const w of report.warnings) out.push(...bullet('Warning', w));
  return out;
}

/** Fit the name column so the whole table stays within 80 columns. */
function fitNames(rows: string[][], nameCol: number): string[][] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length, 3)));
  // `| ` + cells joined by ` | ` + ` |`
  const others = widths.reduce((t, w, i) => (i === nameCol ? t : t + w), 0) + 3 * widths.length + 1;
  const room = MD_WIDTH - others;
  return rows.map((r, ri) =>
    r.map((c, i) => (i === nameCol && ri > 0 && c.length > room ? code(elideKey(c.slice(1, -1), room - 2)) : c)),
  );
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
      code(r.key),
    ]),
  ];
  return pipeTable(fitNames(rows, 4), ['right', 'right', 'right', 'right', 'left']);
}

export function renderMarkdown(report: InitcallReport, options: MarkdownOptions = {}): string {
  const out: string[] = [];
  const n = report.boots.length;
  out.push(`### Initcalls of ${kernelTitle(report)}, ${n} boot${n === 1 ? '' : 's'}`, '');
  out.push(...summaryBullets(report), '');
  if (n > 1) {
    // The widest per-boot columns that still fit in 80: no kernel (it is in the title), short names.
    const rows = perBootRows(report, (p) => elideKey(p.split('/').pop() ?? p, 26)).map((r) => [
      r[0],
      r[3],
      r[4],
      r[5],
      r[6],
    ]);
    rows[0] = ['log', 'initcall time', 'to /init', 'outside', 'no ret'];
    out.push(...pipeTable(rows, ['left', 'right', 'right', 'right', 'right']), '');
  }
  if (report.groupBy === 'fn') {
    const shown = selectRanked(report.initcalls, options);
    out.push(...initcallTable(shown, report.initcalls));
    const hidden = report.initcalls.length - shown.length;
    if (hidden > 0) out.push('', `${hidden} more initcalls not shown.`);
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
        code(g.name),
      ]),
    ];
    out.push(...pipeTable(fitNames(rows, 5), ['right', 'right', 'right', 'right', 'right', 'left']));
    const hidden = report.groups.length - shown.length;
    if (hidden > 0) out.push('', `${hidden} more groups not shown.`);
  }
  const never = report.initcalls.filter((r) => r.incomplete > 0);
  if (never.length > 0) {
    out.push('', 'Never returned:', '');
    for (const r of never) {
      const where = r.incompleteAt.map((p) => `${p.source.split('/').pop()}:${p.line}`).join(', ');
      out.push(...wrap(`- ${code(elideKey(r.key, NAME_MAX))} at ${where}`, MD_WIDTH, '  '));
    }
  }
  const failed = report.initcalls.filter((r) => r.errorBoots > 0);
  if (failed.length > 0) {
    out.push('', `Returned an error (${failed.length}${n > 1 ? ', in every boot unless noted' : ''}):`, '');
    for (const [c, names] of errorsByCode(report))
      out.push(...wrap(`- ${errnoName(c)}: ${names.map((k) => code(elideKey(k, NAME_MAX))).join(', ')}`, MD_WIDTH, '  '));
  }
  const lowRes = report.initcalls.filter((r) => r.jiffyUs !== undefined);
  if (lowRes.length > 0) {
    out.push('');
    out.push(
      ...wrap(
        `Low resolution: ${lowRes.length} initcalls have only whole-jiffy durations ` +
          `(${[...new Set(lowRes.map((r) => r.jiffyUs))].map((j) => `${j} µs`).join(', ')}); ` +
          'they ran before a high-resolution clocksource.',
        MD_WIDTH,
      ),
    );
  }
  return out.join('\n') + '\n';
}
