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
  pipeTable,
  signedMs,
  signedPercent,
  wrap,
  type ViewOptions,
} from './format.js';
import { MD_WIDTH, kernelTitle } from './markdown.js';

/** --min-us keeps rows where either side reaches it; --top keeps the largest deltas. */
export function selectCompared(rows: readonly ComparedInitcall[], options: ViewOptions): ComparedInitcall[] {
  let out = rows.filter((r) => options.minUs === undefined || Math.max(r.beforeUs ?? 0, r.afterUs ?? 0) >= options.minUs);
  if (options.top !== undefined) out = out.slice(0, options.top);
  return out;
}

function side(label: string, r: InitcallReport): string {
  const n = r.boots.length;
  return `${label}: ${n} boot${n === 1 ? '' : 's'} of ${kernelTitle(r)} (${r.boots.map((b) => b.source).join(', ')})`;
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
  out.push(
    ...columns(
      [
        ['median', 'before', 'after', 'delta', 'delta %'],
        figureRow('Initcall time', cmp.totalInitcall),
        figureRow('Time to /init', cmp.timeToInit),
      ],
      ['left', 'right', 'right', 'right', 'right'],
    ),
  );
  for (const w of [...cmp.before.warnings.map((w) => `before: ${w}`), ...cmp.after.warnings.map((w) => `after: ${w}`)])
    out.push(`Warning: ${w}`);
  if (cmp.before.kernels.length === 1 && cmp.after.kernels.length === 1 && cmp.before.kernels[0] === cmp.after.kernels[0])
    out.push('Note: before and after ran the same kernel: differences are boot-to-boot noise.');
  out.push('');
  const shown = selectCompared(cmp.initcalls, options);
  out.push(
    ...columns(
      [
        ['before ms', 'after ms', 'delta ms', 'delta %', 'initcall', ''],
        ...shown.map((r) => [cell(r.beforeUs), cell(r.afterUs), signedMs(r.deltaUs), signedPercent(r.deltaRatio), r.key, statusNote(r)]),
      ],
      ['right', 'right', 'right', 'right', 'left', 'left'],
    ),
  );
  const hidden = cmp.initcalls.length - shown.length;
  if (hidden > 0) out.push(`… ${hidden} more initcall${hidden === 1 ? '' : 's'} not shown (--top/--min-us)`);
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
    out.push(
      ...wrap(
        `- ${label}: ${n} boot${n === 1 ? '' : 's'} (${r.boots.map((b) => b.source.split('/').pop()).join(', ')})`,
        MD_WIDTH,
        '  ',
      ),
    );
  }
  for (const w of [...cmp.before.warnings.map((w) => `before: ${w}`), ...cmp.after.warnings.map((w) => `after: ${w}`)])
    out.push(...wrap(`- Warning: ${w}`, MD_WIDTH, '  '));
  out.push('');
  out.push(
    ...pipeTable(
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
  const room = MD_WIDTH - (widths.slice(0, 4).reduce((t, w) => t + w, 0) + 3 * 4 + 2) - 2 - 2;
  const fitted = rows.map((r, ri) =>
    ri === 0 ? r : [...r.slice(0, 4), code(elideKey(r[4], room - suffix(shown[ri - 1]).length)) + suffix(shown[ri - 1])],
  );
  out.push(...pipeTable(fitted, ['right', 'right', 'right', 'right', 'left']));
  out.push('', 'Times in ms, medians over boots.');
  const hidden = cmp.initcalls.length - shown.length;
  if (hidden > 0) out.push(`${hidden} more initcalls not shown.`);
  return out.join('\n') + '\n';
}
