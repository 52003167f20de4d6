/**
 * Before/after comparison (`ktrim report LOG... --compare LOG...`) in text
 * and Markdown; JSON is in json.ts. Medians side by side, delta in ms and %,
 * per initcall and in total.
 */
import type { ComparedFigure, ComparedInitcall, InitcallComparison, InitcallReport } from '../initcall/rank.js';
import {
  code,
  columns,
  duration,
  elideKey,
  ms,
  nameCell,
  pipeTable,
  signedMs,
  signedPercent,
  hiddenReason,
  MAX_LISTED,
  wrap,
  type ViewOptions,
} from './format.js';
import { MD_WIDTH, kernelRelease, kernelTitle } from './markdown.js';
import { nameList, pushLines } from './text.js';
import { cleanText, mdText, NAME_MAX } from './escape.js';

/** --min-us keeps rows where either side reaches it; --top keeps the largest deltas. */
export function selectCompared(rows: readonly ComparedInitcall[], options: ViewOptions): ComparedInitcall[] {
  const out = rows.filter((r) => options.minUs === undefined || Math.max(r.beforeUs ?? 0, r.afterUs ?? 0) >= options.minUs);
  return out.slice(0, Math.min(options.top ?? MAX_LISTED, MAX_LISTED));
}

function side(label: string, r: InitcallReport): string {
  const n = r.boots.length;
  const sources = nameList(
    r.boots.map((b) => b.source),
    20,
    (s) => cleanText(s, NAME_MAX),
  );
  return `${label}: ${n} boot${n === 1 ? '' : 's'} of ${cleanText(kernelRelease(r), 64)} (${sources})`;
}

function figureRow(label: string, f: ComparedFigure): string[] {
  return [
    label,
    f.beforeUs !== null ? duration(f.beforeUs) : 'unknown',
    f.afterUs !== null ? duration(f.afterUs) : 'unknown',
    f.deltaUs !== null ? `${signedMs(f.deltaUs)} ms` : '',
    f.deltaUs !== null ? signedPercent(f.deltaRatio) : '',
  ];
}

function statusNote(r: ComparedInitcall): string {
  return r.status === 'removed' ? 'gone after' : r.status === 'added' ? 'new after' : '';
}

function cell(us: number | null): string {
  return us === null ? '-' : ms(us);
}

export function renderCompareText(cmp: InitcallComparison, options: ViewOptions = {}): string {
  const out: string[] = [];
  out.push(side('Before', cmp.before), side('After ', cmp.after), '');
  pushLines(
    out,
    columns(
      [
        ['median', 'before', 'after', 'delta', 'delta %'],
        figureRow('Initcall time', cmp.totalInitcall),
        figureRow('Time to /init', cmp.timeToInit),
      ],
      ['left', 'right', 'right', 'right', 'right'],
    ),
  );
  for (const w of [...cmp.before.warnings.map((w) => `before: ${w}`), ...cmp.after.warnings.map((w) => `after: ${w}`)])
    out.push(`Warning: ${cleanText(w)}`);
  if (cmp.before.kernels.length === 1 && cmp.after.kernels.length === 1 && cmp.before.kernels[0] === cmp.after.kernels[0])
    out.push('Note: before and after ran the same kernel: differences are boot-to-boot noise.');
  out.push('');
  const shown = selectCompared(cmp.initcalls, options);
  pushLines(
    out,
    columns(
      [
        ['before ms', 'after ms', 'delta ms', 'delta %', 'initcall', ''],
        ...shown.map((r) => [
          cell(r.beforeUs),
          cell(r.afterUs),
          signedMs(r.deltaUs),
          signedPercent(r.deltaRatio),
          nameCell(r.key),
          statusNote(r),
        ]),
      ],
      ['right', 'right', 'right', 'right', 'left', 'left'],
    ),
  );
  const hidden = cmp.initcalls.length - shown.length;
  if (hidden > 0) out.push(`… ${hidden} more initcall${hidden === 1 ? '' : 's'} not shown (${hiddenReason(shown.length, options)})`);
  return out.join('\n') + '\n';
}

export function renderCompareMarkdown(cmp: InitcallComparison, options: ViewOptions = {}): string {
  const out: string[] = [];
  out.push(`### Initcalls before/after: ${kernelTitle(cmp.before)} → ${kernelTitle(cmp.after)}`, '');
  for (const [label, r] of [
    ['Before', cmp.before],
    ['After', cmp.after],
  ] as const) {
    const n = r.boots.length;
    const sources = nameList(
      r.boots.map((b) => b.source),
      20,
      (p) => mdText(p.split('/').pop() ?? p, 60),
    );
    pushLines(out, wrap(`- ${label}: ${n} boot${n === 1 ? '' : 's'} (${sources})`, MD_WIDTH, '  '));
  }
  for (const w of [...cmp.before.warnings.map((w) => `before: ${w}`), ...cmp.after.warnings.map((w) => `after: ${w}`)])
    pushLines(out, wrap(`- Warning: ${mdText(w)}`, MD_WIDTH, '  '));
  out.push('');
  pushLines(
    out,
    pipeTable(
      [
        ['median', 'before', 'after', 'delta ms', 'delta %'],
        figureRow('Initcall time', cmp.totalInitcall).map((c, i) => (i === 3 ? c.replace(/ ms$/, '') : c)),
        figureRow('Time to /init', cmp.timeToInit).map((c, i) => (i === 3 ? c.replace(/ ms$/, '') : c)),
      ],
      ['left', 'right', 'right', 'right', 'right'],
    ),
  );
  out.push('');
  const shown = selectCompared(cmp.initcalls, options);
  const rows = [
    ['before', 'after', 'delta', '%', 'initcall'],
    ...shown.map((r) => [
      cell(r.beforeUs),
      cell(r.afterUs),
      signedMs(r.deltaUs).trim(),
      r.deltaRatio === null ? (r.status === 'added' ? 'new' : '') : signedPercent(r.deltaRatio, 0).replace(' %', '').trim(),
      r.key,
    ]),
  ];
  const suffix = (r: ComparedInitcall) => (r.status === 'removed' ? ' (gone)' : '');
  const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 3, c.length)), []);
  // `| ` + 4 cells + ` | ` each + the code span's backticks + suffix + ` |`
  const room = Math.max(12, MD_WIDTH - (widths.slice(0, 4).reduce((t, w) => t + w, 0) + 3 * 4 + 2) - 2 - 2);
  const fitted = rows.map((r, ri) =>
    ri === 0 ? r : [...r.slice(0, 4), code(elideKey(r[4], room - suffix(shown[ri - 1]).length)) + suffix(shown[ri - 1])],
  );
  pushLines(out, pipeTable(fitted, ['right', 'right', 'right', 'right', 'left']));
  out.push('', 'Times in ms, medians over boots.');
  const hidden = cmp.initcalls.length - shown.length;
  if (hidden > 0) out.push(`${hidden} more initcalls not shown (${hiddenReason(shown.length, options)}).`);
  return out.join('\n') + '\n';
}
