/**
 * Boot-benchmark a matrix: kernels × kernel command lines × vCPUs × memory
 * sizes. One axis forms the columns, the others the rows; each cell is
 * compared with the first column of its row by Welch's t-test, and only a
 * difference the test calls real is reported as "improves/degrades by X%".
 *
 * Boots are interleaved (one boot of every cell per round) so that a change
 * in host load over the run spreads over all cells instead of biasing one.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import fg from 'fast-glob';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { welchTTest, type WelchResult } from '../stats/ttest.js';
import { InputError } from '../errors.js';
import { interruption } from '../process.js';
import { formatMeanSd, summarizeOrNull } from '../stats/summary.js';
import {
  assertBooted,
  bootKernel,
  logConsoleTail,
  withInitramfs,
  checkBzImage,
  METRICS,
  summarizeBoots,
  type BootDeps,
  type BootFigures,
  type BootRequest,
  type BootResult,
  type MetricName,
  type Summary,
} from './boot.js';

export type Axis = 'kernel' | 'append' | 'smp' | 'memory';
export const AXES: readonly Axis[] = ['kernel', 'append', 'smp', 'memory'];

export interface KernelChoice {
  label: string;
  path: string;
}

export interface RangeRequest {
  kernels: KernelChoice[];
  /** Kernel command-line variants; undefined means ktrim's default. */
  appends: (string | undefined)[];
  smp: number[];
  memoryMb: number[];
  /** Everything else every boot shares (initrd, timeout, accel, test script, logDir...). */
  common: Omit<BootRequest, 'kernel' | 'append' | 'smp' | 'memoryMb' | 'logName'>;
  runs: number;
  warmup?: number;
  metric?: MetricName;
  alpha?: number;
  /** Column axis; default: the first of kernel, append, smp, memory with more than one value. */
  columns?: Axis;
  onBoot?: (cell: CellKey, r: BootResult, round: number, warmup: boolean) => void;
  /** Journal of finished boots (JSON lines): a killed run resumes where it stopped. */
  journal?: string;
  onResume?: (boots: number) => void;
}

/** One journal line: a finished counted boot of one cell. */
interface JournalEntry {
  cell: string;
  round: number;
  figures: BootFigures;
}

function cellId(c: CellKey, common: unknown): string {
  return JSON.stringify([c.kernel.path, c.append ?? null, c.smp, c.memoryMb, common]);
}

function readJournal(file: string): Map<string, BootFigures> {
  const done = new Map<string, BootFigures>();
  if (!existsSync(file)) return done;
  const lines = readFileSync(file, 'utf8').split('\n');
  let last = lines.length - 1;
  while (last >= 0 && !lines[last].trim()) last--;
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const e = JSON.parse(line) as JournalEntry;
      if (typeof e.cell !== 'string' || typeof e.round !== 'number' || !e.figures?.host) throw new Error('shape');
      done.set(`${e.cell}#${e.round}`, e.figures);
    } catch {
      if (i === last) return; // the line a kill cut short: that boot is simply redone
      throw new InputError('not a bench-range journal line', file, i + 1);
    }
  });
  return done;
}

export interface CellKey {
  kernel: KernelChoice;
  append: string | undefined;
  smp: number;
  memoryMb: number;
}

export type Verdict = 'improves' | 'degrades' | 'no significant difference' | 'baseline';

export interface RangeCell extends CellKey {
  /** The metric per counted boot. */
  samples: number[];
  summary: Summary;
  /** Every metric, summarized. */
  all: ReturnType<typeof summarizeBoots>;
  vsBaseline?: WelchResult;
  verdict: Verdict;
  /** |relative difference| in %, when the verdict is improves/degrades. */
  percent?: number;
}

export interface RangeResult {
  metric: MetricName;
  alpha: number;
  runs: number;
  columns: Axis;
  columnLabels: string[];
  rows: { label: string; cells: RangeCell[] }[];
}

export function axisLabel(axis: Axis, c: CellKey): string {
  switch (axis) {
    case 'kernel':
      return c.kernel.label;
    case 'append':
      return c.append === undefined ? '(default)' : c.append === '' ? '(none)' : c.append;
    case 'smp':
      return `smp=${c.smp}`;
    case 'memory':
      return `${c.memoryMb} MiB`;
  }
}

function axisValues(req: RangeRequest, axis: Axis): unknown[] {
  return axis === 'kernel' ? req.kernels : axis === 'append' ? req.appends : axis === 'smp' ? req.smp : req.memoryMb;
}

export function chooseColumns(req: Pick<RangeRequest, 'kernels' | 'appends' | 'smp' | 'memoryMb' | 'columns'>): Axis {
  if (req.columns) return req.columns;
  return AXES.find((a) => axisValues(req as RangeRequest, a).length > 1) ?? 'kernel';
}

/** All cells, row-major: rows are the product of the non-column axes. */
export function cells(req: RangeRequest): { columns: Axis; grid: CellKey[][] } {
  const columns = chooseColumns(req);
  const rowAxes = AXES.filter((a) => a !== columns);
  let rows: Partial<CellKey>[] = [{}];
  const assign = (k: Partial<CellKey>, axis: Axis, v: unknown): Partial<CellKey> => {
    const out = { ...k };
    if (axis === 'kernel') out.kernel = v as KernelChoice;
    else if (axis === 'append') out.append = v as string | undefined;
    else if (axis === 'smp') out.smp = v as number;
    else out.memoryMb = v as number;
    return out;
  };
  for (const axis of rowAxes) rows = rows.flatMap((r) => axisValues(req, axis).map((v) => assign(r, axis, v)));
  const grid = rows.map((r) => axisValues(req, columns).map((v) => assign(r, columns, v) as CellKey));
  return { columns, grid };
}

export function verdictOf(t: WelchResult, lowerIsBetter = true): { verdict: Verdict; percent?: number } {
  if (!t.significant) return { verdict: 'no significant difference' };
  const better = lowerIsBetter ? t.diff < 0 : t.diff > 0;
  return { verdict: better ? 'improves' : 'degrades', percent: Math.abs(t.relative) * 100 };
}

export async function benchmarkRange(req: RangeRequest, deps: BootDeps): Promise<RangeResult> {
  if (!req.kernels.length) throw new InputError('no kernels to benchmark');
  const metric = req.metric ?? 'markerMs';
  const alpha = req.alpha ?? 0.05;
  const { columns, grid } = cells(req);
  const flat = grid.flat();
  const boots = new Map<CellKey, BootFigures[]>(flat.map((c) => [c, []]));
  const warmup = Math.max(0, req.warmup ?? 0);
  for (const k of req.kernels) await checkBzImage(k.path);
  const common = await withInitramfs({ ...req.common, kernel: req.kernels[0].path }, deps); // built once for all cells
  // What makes a journaled boot reusable: the cell and everything the boots share.
  const shared = {
    initrd: common.initrd,
    timeoutS: common.timeoutS,
    accel: common.accel,
    extraQemuArgs: common.extraQemuArgs,
    expectTest: common.expectTest,
  };
  const journaled = req.journal ? readJournal(req.journal) : new Map<string, BootFigures>();
  let resumed = 0;
  for (const cell of flat) {
    for (let round = warmup + 1; round <= warmup + req.runs; round++) {
      const f = journaled.get(`${cellId(cell, shared)}#${round}`);
      if (f) resumed++;
    }
  }
  if (resumed) req.onResume?.(resumed);
  const allDone = (cell: CellKey) => {
    for (let round = warmup + 1; round <= warmup + req.runs; round++) if (!journaled.has(`${cellId(cell, shared)}#${round}`)) return false;
    return true;
  };
  for (let round = 0; round < warmup + req.runs; round++) {
    for (const cell of flat) {
      const stop = interruption();
      if (stop) throw stop;
      const isWarmup = round < warmup;
      const id = cellId(cell, shared);
      const previous = journaled.get(`${id}#${round + 1}`);
      if (previous && !isWarmup) {
        boots.get(cell)!.push(previous);
        continue;
      }
      if (isWarmup && allDone(cell)) continue; // nothing left to warm up for
      const r = await bootKernel(
        {
          ...common,
          kernel: cell.kernel.path,
          append: cell.append,
          smp: cell.smp,
          memoryMb: cell.memoryMb,
          logName:
            `${cell.kernel.label}-smp${cell.smp}-m${cell.memoryMb}-a${req.appends.indexOf(cell.append)}-${isWarmup ? 'warmup' : 'boot'}-${round + 1}`.replace(
              /[^\w.-]+/g,
              '_',
            ),
        },
        deps,
      );
      if (r.ending !== 'marker') logConsoleTail(r, deps.logger);
      assertBooted(r);
      if (!isWarmup) {
        boots.get(cell)!.push(r);
        if (req.journal) {
          const figures: BootFigures = { ending: r.ending, accel: r.accel, host: r.host, guest: r.guest, memory: r.memory };
          appendFileSync(req.journal, JSON.stringify({ cell: id, round: round + 1, figures } satisfies JournalEntry) + '\n');
        }
      }
      req.onBoot?.(cell, r, round + 1, isWarmup);
    }
  }
  const get = METRICS[metric].get;
  const rows = grid.map((row) => {
    const label = AXES.filter((a) => a !== columns)
      .filter((a) => axisValues(req, a).length > 1)
      .map((a) => axisLabel(a, row[0]))
      .join(', ');
    const base = row[0];
    const baseSamples = boots
      .get(base)!
      .map(get)
      .filter((x): x is number => x !== undefined);
    const cellsOut: RangeCell[] = row.map((c, i) => {
      const samples = boots
        .get(c)!
        .map(get)
        .filter((x): x is number => x !== undefined);
      const summary = summarizeOrNull(samples);
      if (!summary)
        throw new InputError(`no "${METRICS[metric].label}" figure in the boots of ${c.kernel.path} (is it printed on this console?)`);
      const out: RangeCell = { ...c, samples, summary, all: summarizeBoots(boots.get(c)!), verdict: 'baseline' };
      if (i > 0) {
        out.vsBaseline = welchTTest(baseSamples, samples, alpha);
        Object.assign(out, verdictOf(out.vsBaseline, true));
      }
      return out;
    });
    return { label: label || (columns === 'kernel' ? 'all' : axisLabel('kernel', base)), cells: cellsOut };
  });
  return { metric, alpha, runs: req.runs, columns, columnLabels: grid[0].map((c) => axisLabel(columns, c)), rows };
}

export function formatRangeTable(r: RangeResult): string {
  const m = METRICS[r.metric];
  const d = m.unit === 'MiB' ? 1 : 0;
  const head = ['', ...r.columnLabels];
  const body = r.rows.map((row) => [
    row.label,
    ...row.cells.map((c) => {
      const v = formatMeanSd(c.summary, d);
      if (c.verdict === 'improves' || c.verdict === 'degrades') return `${v} ${c.verdict} by ${c.percent!.toFixed(1)}%`;
      if (c.verdict === 'no significant difference') return `${v} (p=${c.vsBaseline!.p.toFixed(2)})`;
      return v;
    }),
  ]);
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i]))
      .join(' | ')
      .trimEnd();
  return (
    `${m.label} (${m.clock ? m.clock + ' clock, ' : ''}${m.unit}), mean ± sd of ${r.runs} boots; ` +
    `"improves/degrades" only where Welch's t-test against the first column gives p < ${r.alpha}\n` +
    [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n') +
    '\n'
  );
}

/** Kernel images in a directory: every file with a bzImage header, by name. */
export async function kernelsInDirectory(dir: string): Promise<KernelChoice[]> {
  let names: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
    // Regular files (and links to them) directly in dir; fast-glob skips dot files and subdirectories.
    names = (await fg('*', { cwd: dir, onlyFiles: true, followSymbolicLinks: true, suppressErrors: false })).sort();
  } catch (err) {
    throw new InputError(`cannot list kernel directory: ${(err as Error).message}`, dir);
  }
  const out: KernelChoice[] = [];
  for (const n of names) {
    const p = join(dir, n);
    try {
      await checkBzImage(p);
      out.push({ label: n, path: p });
    } catch {
      /* not a kernel image */
    }
  }
  if (!out.length) throw new InputError('no bzImage files in this directory', dir);
  return out;
}

/** Unique labels for kernel paths: the file name, numbered when names clash (bzImage#1, bzImage#2). */
export function labelKernels(paths: string[]): KernelChoice[] {
  const names = paths.map((p) => basename(p));
  return paths.map((p, i) => {
    const clash = names.filter((n) => n === names[i]).length > 1;
    return { label: clash ? `${names[i]}#${i + 1}` : names[i], path: p };
  });
}
