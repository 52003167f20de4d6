/**
 * A boot timeline as SVG, in the spirit of the kernel's scripts/bootgraph.pl:
 * x is time since boot (printk timestamps), one row per PID (PID 1 runs the
 * synchronous initcalls; async_schedule()d work and module loads get their
 * own rows), one bar per initcall whose width is its duration, bars shaded by
 * initcall level, a time axis, a legend, and a hover <title> on every bar,
 * however small. Pure: string in memory, no I/O.
 *
 * Without printk timestamps the calls of each row are laid end to end by
 * their durations (the title says so). A call that never returned is hatched
 * and runs to the end of the log.
 */
import { INITCALL_LEVELS, type InitcallLevel, type InitcallRecord, type ParsedBoot } from '../initcall/types.js';
import { initcallKeyString } from '../initcall/rank.js';
import { cleanText, escapeXml, NAME_MAX } from './escape.js';

export interface SvgOptions {
  title?: string;
  /** Total width in px (default 1200). */
  width?: number;
}

/** Options used when the SVG is inlined into the HTML report. */
export interface SvgElementOptions extends SvgOptions {
  /** Prefix for element ids, unique per SVG in one document. */
  idPrefix?: string;
  /** Emit the xmlns attribute (needed for a standalone .svg file). */
  xmlns?: boolean;
}

// Geometry (px).
export const SVG_DEFAULT_WIDTH = 1200;
const MARGIN_LEFT = 118;
const MARGIN_RIGHT = 24;
const TITLE_H = 44;
const LEGEND_H = 26;
const AXIS_H = 22;
const ROW_H = 26;
const BAR_H = 20;
const WAIT_H = 10;
const BOTTOM = 8;
const MARKER_H = 14;
const MIN_BAR_W = 1;
const LABEL_CHAR_W = 6.2;
/**
 * Bounds that keep the drawing's size independent of the log's: PIDs beyond
 * MAX_ROWS share one row, and beyond MAX_BARS only the longest calls are
 * drawn (the subtitle counts the rest). A real boot has ~700 initcalls on a
 * few dozen PIDs.
 */
export const MAX_ROWS = 48;
export const MAX_BARS = 4000;
const FONT = 'font-family="DejaVu Sans, Verdana, sans-serif"';

/** Fill colour per level; 'module' = loaded from a module, 'unknown' = level not known. */
export const LEVEL_COLOURS: Record<InitcallLevel | 'unknown', string> = {
  early: '#9c755f',
  pure: '#b9a3e3',
  core: '#4e79a7',
  postcore: '#76b7b2',
  arch: '#59a14f',
  subsys: '#edc948',
  fs: '#b07aa1',
  rootfs: '#ff9da7',
  device: '#f28e2b',
  late: '#e15759',
  module: '#17becf',
  unknown: '#8fa8c8',
};
/** Neighbouring bars of unknown level alternate with this shade so they stay distinguishable. */
const UNKNOWN_ALT = '#b8c9de';
const WAIT_COLOUR = '#9a9a9a';
const INCOMPLETE_STROKE = '#c0392b';

export interface TimelineRow {
  /** PID, or undefined for calls the log gave no PID for. */
  pid?: number;
  label: string;
  /** Top of the row (px). */
  y: number;
  /** Row holds async work only. */
  async: boolean;
  /** The shared row of async_waiting spans of PIDs that ran no initcall: those PIDs. */
  waitPids?: number[];
  /** The shared row of the PIDs beyond MAX_ROWS: how many. */
  otherPids?: number;
}

export interface TimelineBar {
  kind: 'initcall' | 'wait';
  /** Index into boot.initcalls (kind 'initcall') or boot.asyncWaits (kind 'wait'). */
  index: number;
  row: number;
  /** Time of the bar's left edge and right edge on the timeline (µs). */
  startUs: number;
  endUs: number;
  /** Duration the kernel printed; undefined when it never returned. */
  durationUs?: number;
  complete: boolean;
  x: number;
  y: number;
  width: number;
  height: number;
  fill: string;
  /** The hover text. */
  title: string;
  /** Display name of an initcall (fn, async cookie, [module]). */
  name?: string;
  /** The initcall's identity across boots, as RankedInitcall.key (`fn`, `fn#2`, `fn [mod]`). */
  key?: string;
  /** Label drawn inside the bar when it is wide enough. */
  label?: string;
}

export interface TimelineTick {
  us: number;
  x: number;
  label: string;
}

export interface TimelineMarker {
  name: string;
  us: number;
  x: number;
}

export interface TimelineLayout {
  width: number;
  height: number;
  plotLeft: number;
  plotWidth: number;
  plotTop: number;
  /** Timeline start and end (µs since boot when timed; cumulative µs otherwise). */
  t0Us: number;
  t1Us: number;
  pxPerUs: number;
  /** True when positions are printk timestamps; false when laid end to end. */
  timed: boolean;
  rows: TimelineRow[];
  bars: TimelineBar[];
  ticks: TimelineTick[];
  markers: TimelineMarker[];
  /** Levels (and 'unknown') that appear, in run order, for the legend. */
  levels: (InitcallLevel | 'unknown')[];
  hasIncomplete: boolean;
  hasWaits: boolean;
  /** Initcalls that could not be placed (timed log, call without a timestamp). */
  skipped: number;
  /** Calls (and waits) left out beyond MAX_BARS, the shortest ones, and the longest of them (µs). */
  notDrawn: number;
  notDrawnMaxUs: number;
}

/** `37 µs`, `4.000 ms`, `1.234 s`. */
export function formatDuration(us: number): string {
  if (Math.abs(us) < 1000) return `${Math.round(us)} µs`;
  if (Math.abs(us) < 1e6) return `${(us / 1000).toFixed(3)} ms`;
  return `${(us / 1e6).toFixed(3)} s`;
}

/** Printk-style time since boot: `1.000000 s`. */
function formatStamp(us: number): string {
  return `${(us / 1e6).toFixed(6)} s`;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Tick step (µs) from 1/2/5 × 10^k giving ticks at least minPx apart. */
export function niceStep(rangeUs: number, plotWidth: number, minPx = 90): number {
  const raw = (rangeUs * minPx) / Math.max(plotWidth, 1);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const pow = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return Math.max(1, m * pow);
  return 10 * pow;
}

/** One unit along the whole axis: ms when it ends before 1 s, else s. */
function tickLabel(us: number, stepUs: number, endUs: number): string {
  if (stepUs < 1000) return `${(us / 1000).toFixed(Math.max(0, -Math.floor(Math.log10(stepUs / 1000) + 1e-9)))} ms`;
  if (endUs < 1e6) return `${Math.round(us / 1000)} ms`;
  const decimals = Math.max(0, -Math.floor(Math.log10(stepUs / 1e6) + 1e-9));
  return `${(us / 1e6).toFixed(decimals)} s`;
}

/** The name a bar shows: cleaned and at most NAME_MAX long (the module tag kept whole when short). */
function displayName(r: InitcallRecord): string {
  let s = cleanText(r.fn, NAME_MAX);
  if (r.async && r.asyncCookie !== undefined) s = `${r.asyncCookie}_${s}`;
  if (r.module) s += ` [${cleanText(r.module, 40)}]`;
  return s;
}

/**
 * The label that fits a bar `widthPx` wide: the whole name, or its start and
 * an ellipsis when at least 5 characters fit, or nothing. (The HTML zoom
 * repeats this rule in JavaScript.)
 */
export function fitLabel(name: string, widthPx: number): string | undefined {
  const chars = Math.floor((widthPx - 6) / LABEL_CHAR_W);
  if (chars >= name.length) return name;
  if (chars >= 5) return `${name.slice(0, chars - 1)}…`;
  return undefined;
}

function rowKey(pid: number | undefined): string {
  return pid === undefined ? '?' : String(pid);
}

/**
 * Place every bar. Exported so tests (and other renderers) can check the
 * numbers: x = plotLeft + (t − t0Us) × pxPerUs, width = duration × pxPerUs
 * (at least 1 px so every call stays hoverable).
 */
export function layoutTimeline(boot: ParsedBoot, options: SvgOptions = {}): TimelineLayout {
  const width = Math.max(300, Math.round(options.width ?? SVG_DEFAULT_WIDTH));
  const plotLeft = MARGIN_LEFT;
  const plotWidth = width - MARGIN_LEFT - MARGIN_RIGHT;
  const timed = boot.hasTimestamps && boot.initcalls.some((r) => r.startTimeUs !== undefined);

  // Rows: one per PID, in order of first appearance; PID 1 (the init task
  // running the synchronous levels) first when present.
  const rowIndex = new Map<string, number>();
  const rows: Omit<TimelineRow, 'y'>[] = [];
  let otherRow: number | undefined;
  const rowFor = (pid: number | undefined, isAsync: boolean): number => {
    const key = rowKey(pid);
    let i = rowIndex.get(key);
    if (i === undefined && rows.length >= MAX_ROWS) {
      if (otherRow === undefined) {
        otherRow = rows.length;
        rows.push({ label: 'other PIDs', async: isAsync, otherPids: 0 });
      }
      i = otherRow;
      rowIndex.set(key, i);
      rows[i].otherPids!++;
    } else if (i === undefined) {
      i = rows.length;
      rowIndex.set(key, i);
      rows.push({ pid, label: pid === undefined ? 'PID ?' : `PID ${pid}`, async: isAsync });
    }
    if (!isAsync) rows[i].async = false;
    return i;
  };
  if (boot.initcalls.some((r) => r.pid === 1) || boot.asyncWaits.some((w) => w.pid === 1)) rowFor(1, false);

  interface Pending {
    kind: 'initcall' | 'wait';
    index: number;
    row: number;
    startUs: number;
    endUs?: number;
    durationUs?: number;
    complete: boolean;
  }
  const pending: Pending[] = [];
  let skipped = 0;

  if (timed) {
    boot.initcalls.forEach((r, index) => {
      if (r.startTimeUs === undefined) {
        skipped++;
        return;
      }
      const row = rowFor(r.pid, r.async);
      const endUs = r.complete ? (r.durationUs !== undefined ? r.startTimeUs + r.durationUs : r.endTimeUs) : undefined;
      pending.push({
        kind: 'initcall',
        index,
        row,
        startUs: r.startTimeUs,
        endUs,
        durationUs: r.durationUs,
        complete: r.complete && endUs !== undefined,
      });
    });
    // Waits of PIDs that ran no initcall (kworkers, insmod) share one row:
    // dozens of rows holding a 2 µs wait each would bury the picture.
    const waitOnlyPids = new Set<number>();
    let sharedWaitRow: number | undefined;
    boot.asyncWaits.forEach((w, index) => {
      if (w.startTimeUs === undefined) return;
      let row: number;
      if (rowIndex.has(rowKey(w.pid))) row = rowFor(w.pid, false);
      else {
        if (sharedWaitRow === undefined) {
          sharedWaitRow = rows.length;
          rows.push({ label: 'async_waiting', async: false, waitPids: [] });
        }
        row = sharedWaitRow;
        if (!waitOnlyPids.has(w.pid)) {
          waitOnlyPids.add(w.pid);
          rows[row].waitPids!.push(w.pid);
        }
      }
      const endUs = w.durationUs !== undefined ? w.startTimeUs + w.durationUs : undefined;
      pending.push({ kind: 'wait', index, row, startUs: w.startTimeUs, endUs, durationUs: w.durationUs, complete: endUs !== undefined });
    });
  } else {
    // End to end per row, in log order, from 0.
    const cursor = new Map<number, number>();
    boot.initcalls.forEach((r, index) => {
      const row = rowFor(r.pid, r.async);
      const startUs = cursor.get(row) ?? 0;
      const complete = r.complete && r.durationUs !== undefined;
      const endUs = complete ? startUs + (r.durationUs as number) : undefined;
      if (endUs !== undefined) cursor.set(row, endUs);
      pending.push({ kind: 'initcall', index, row, startUs, endUs, durationUs: r.durationUs, complete });
    });
  }

  // The window: first call to the end of the log as far as we know it.
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const p of pending) {
    t0 = Math.min(t0, p.startUs);
    t1 = Math.max(t1, p.endUs ?? p.startUs);
  }
  const markers: { name: string; us: number }[] = [];
  if (timed) {
    const lm = boot.landmarks;
    for (const r of boot.initcalls) if (r.endTimeUs !== undefined) t1 = Math.max(t1, r.endTimeUs);
    if (lm.lastInitcallUs !== undefined) t1 = Math.max(t1, lm.lastInitcallUs);
    for (const p of boot.probes) if (p.timeUs !== undefined) t1 = Math.max(t1, p.timeUs);
    if (lm.freeingInitMemUs !== undefined && lm.freeingInitMemUs >= t0) {
      markers.push({ name: 'free init mem', us: lm.freeingInitMemUs });
      t1 = Math.max(t1, lm.freeingInitMemUs);
    }
    if (lm.runInitUs !== undefined && lm.runInitUs >= t0) {
      markers.push({ name: 'run /init', us: lm.runInitUs });
      t1 = Math.max(t1, lm.runInitUs);
    }
  }
  // A call that never returned runs to the log's last timestamp; without one, when it
  // starts at the end of what we know, give it 3 % of the window so its hatched bar
  // visibly runs off the end.
  let lastOpenStart = -Infinity;
  for (const p of pending) if (p.kind === 'initcall' && !p.complete) lastOpenStart = Math.max(lastOpenStart, p.startUs);
  if (timed && Number.isFinite(lastOpenStart) && boot.lastTimestampUs !== undefined && boot.lastTimestampUs > lastOpenStart) {
    t1 = Math.max(t1, boot.lastTimestampUs);
  } else if (Number.isFinite(lastOpenStart) && Number.isFinite(t0) && t1 - lastOpenStart < 0.03 * (t1 - t0)) {
    t1 = lastOpenStart + 0.03 * Math.max(t1 - t0, 1000);
  }
  if (!Number.isFinite(t0)) {
    t0 = 0;
    t1 = 1000;
  }
  if (t1 <= t0) t1 = t0 + 1000;
  const pxPerUs = plotWidth / (t1 - t0);
  const xOf = (us: number) => plotLeft + (us - t0) * pxPerUs;

  const plotTop = TITLE_H + LEGEND_H + AXIS_H;
  const laidRows: TimelineRow[] = rows.map((r, i) => ({
    ...r,
    label: r.otherPids
      ? `${r.otherPids} more PIDs`
      : r.waitPids
        ? `waits, ${r.waitPids.length} PID${r.waitPids.length > 1 ? 's' : ''}`
        : r.pid === 0
          ? 'PID 0 (boot)'
          : r.async && r.pid !== undefined
            ? `PID ${r.pid} async`
            : r.label,
    y: plotTop + i * ROW_H,
  }));

  // Keys as rank.ts builds them: the Nth run of fn/module in this boot.
  const seen = new Map<string, number>();
  const keys = boot.initcalls.map((r) => {
    const base = r.module ? `${r.fn}\u0000${r.module}` : r.fn;
    const occurrence = seen.get(base) ?? 0;
    seen.set(base, occurrence + 1);
    return initcallKeyString({ fn: r.fn, module: r.module, occurrence });
  });
  // Beyond MAX_BARS, draw the calls that never returned and then the longest.
  let drawn = pending;
  let notDrawnMaxUs = 0;
  if (pending.length > MAX_BARS) {
    const span = (p: Pending) => (p.endUs ?? t1) - p.startUs;
    const byWeight = pending.slice().sort((a, b) => Number(a.complete) - Number(b.complete) || span(b) - span(a) || a.index - b.index);
    drawn = byWeight.slice(0, MAX_BARS);
    for (const p of byWeight.slice(MAX_BARS)) notDrawnMaxUs = Math.max(notDrawnMaxUs, span(p));
  }
  const levelsSeen = new Set<InitcallLevel | 'unknown'>();
  let unknownParity = 0;
  const bars: TimelineBar[] = drawn
    .slice()
    .sort((a, b) => a.startUs - b.startUs || a.index - b.index)
    .map((p) => {
      const endUs = p.endUs ?? t1;
      const x = xOf(p.startUs);
      const w = Math.max(MIN_BAR_W, (endUs - p.startUs) * pxPerUs);
      const rowY = laidRows[p.row].y;
      let fill: string;
      let title: string;
      let label: string | undefined;
      let name: string | undefined;
      let key: string | undefined;
      if (p.kind === 'wait') {
        const wt = boot.asyncWaits[p.index];
        fill = WAIT_COLOUR;
        title = `async_waiting @ ${wt.pid}: ${p.durationUs !== undefined ? formatDuration(p.durationUs) : 'never continued'} (at ${formatStamp(p.startUs)}, line ${wt.line})`;
      } else {
        const r = boot.initcalls[p.index];
        const level: InitcallLevel | 'unknown' = r.level ?? (r.module ? 'module' : 'unknown');
        levelsSeen.add(level);
        fill = level === 'unknown' ? (unknownParity++ % 2 === 0 ? LEVEL_COLOURS.unknown : UNKNOWN_ALT) : LEVEL_COLOURS[level];
        name = displayName(r);
        key = keys[p.index];
        const what = p.complete ? `${formatDuration(p.durationUs ?? endUs - p.startUs)}` : 'never returned';
        const details: string[] = [];
        details.push(level === 'unknown' ? 'level unknown' : `level ${level}`);
        if (r.async) details.push('async');
        if (r.pid !== undefined) details.push(`PID ${r.pid}`);
        if (r.ret !== undefined && r.ret !== 0) details.push(`returned ${r.ret}`);
        if (r.probes.length > 0) details.push(`${r.probes.length} probe${r.probes.length > 1 ? 's' : ''}`);
        if (timed) details.push(`at ${formatStamp(p.startUs)}`);
        details.push(`line ${r.callLine}`);
        title = `${name}: ${what} (${details.join(', ')})`;
        label = fitLabel(name, w);
      }
      const height = p.kind === 'wait' ? WAIT_H : BAR_H;
      const bar: TimelineBar = {
        kind: p.kind,
        index: p.index,
        row: p.row,
        startUs: p.startUs,
        endUs,
        complete: p.complete,
        x: round2(x),
        y: rowY + (ROW_H - height) / 2,
        width: round2(w),
        height,
        fill,
        title,
      };
      if (p.durationUs !== undefined) bar.durationUs = p.durationUs;
      if (name !== undefined) bar.name = name;
      if (key !== undefined) bar.key = key;
      if (label !== undefined) bar.label = label;
      return bar;
    });

  const step = niceStep(t1 - t0, plotWidth);
  const ticks: TimelineTick[] = [];
  for (let us = Math.ceil(t0 / step) * step; us <= t1 + 1e-6; us += step) {
    ticks.push({ us, x: round2(xOf(us)), label: tickLabel(us, step, t1) });
  }

  const levels = [...INITCALL_LEVELS, 'module' as const, 'unknown' as const].filter((l) => levelsSeen.has(l));
  return {
    width,
    height: plotTop + Math.max(1, laidRows.length) * ROW_H + BOTTOM + markers.length * MARKER_H,
    plotLeft,
    plotWidth,
    plotTop,
    t0Us: t0,
    t1Us: t1,
    pxPerUs,
    timed,
    rows: laidRows,
    bars,
    ticks,
    markers: markers.map((m) => ({ ...m, x: round2(xOf(m.us)) })),
    levels,
    hasIncomplete: bars.some((b) => b.kind === 'initcall' && !b.complete),
    hasWaits: bars.some((b) => b.kind === 'wait'),
    skipped,
    notDrawn: pending.length - drawn.length,
    notDrawnMaxUs,
  };
}

function defaultTitle(boot: ParsedBoot): string {
  const kernel = boot.kernelRelease ?? boot.kernelVersion;
  return kernel ? `${kernel} — ${boot.source}` : boot.source;
}

/** The <svg> element alone (for inlining in HTML, where ids must be unique). */
export function renderSvgElement(boot: ParsedBoot, options: SvgElementOptions = {}): string {
  const L = layoutTimeline(boot, options);
  const id = (s: string) => `${options.idPrefix ?? 'ktrim'}-${s}`;
  const title = options.title ?? defaultTitle(boot);
  const sync = boot.initcalls.filter((r) => !r.async).length;
  const subtitleParts = [
    `${boot.initcalls.length} initcalls (${sync} synchronous, ${boot.initcalls.length - sync} async)`,
    `total synchronous ${formatDuration(boot.totalInitcallUs)}`,
  ];
  if (L.timed) subtitleParts.push(`shown ${formatStamp(L.t0Us)} → ${formatStamp(L.t1Us)}`);
  else subtitleParts.push('no printk timestamps: calls laid end to end by duration');
  if (L.skipped > 0) subtitleParts.push(`${L.skipped} without a timestamp not drawn`);
  if (L.notDrawn > 0) subtitleParts.push(`${L.notDrawn} shorter calls not drawn (each ${formatDuration(L.notDrawnMaxUs)} or less)`);

  const o: string[] = [];
  o.push(
    `<svg${options.xmlns ? ' xmlns="http://www.w3.org/2000/svg"' : ''} class="ktrim-timeline" width="${L.width}" height="${L.height}" viewBox="0 0 ${L.width} ${L.height}" data-t0="${L.t0Us}" data-t1="${L.t1Us}" data-left="${L.plotLeft}" data-plot-width="${L.plotWidth}" data-timed="${L.timed}" role="img" aria-labelledby="${id('title')}" ${FONT} font-size="11">`,
  );
  o.push(
    `<title id="${id('title')}">${escapeXml(title)}${L.timed ? '' : ' (no printk timestamps: calls laid end to end by duration)'}</title>`,
  );
  o.push(
    `<defs><pattern id="${id('hatch')}" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">` +
      `<rect width="6" height="6" fill="#f6d5d1"/><line x1="0" y1="0" x2="0" y2="6" stroke="${INCOMPLETE_STROKE}" stroke-width="2"/></pattern>` +
      `<clipPath id="${id('plot')}"><rect x="${L.plotLeft}" y="${L.plotTop - 2}" width="${L.plotWidth + 1}" height="${L.height - L.plotTop}"/></clipPath></defs>`,
  );
  o.push(`<rect class="background" width="${L.width}" height="${L.height}" fill="#ffffff"/>`);
  o.push(`<text class="heading" x="8" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`);
  o.push(`<text class="subtitle" x="8" y="35" fill="#444">${escapeXml(subtitleParts.join(' · '))}</text>`);
  // Filled in by the HTML report's zoom.
  o.push(`<text class="view" x="${L.width - 8}" y="35" text-anchor="end" fill="#1f5fa8"></text>`);

  // Legend.
  let lx = 8;
  const ly = TITLE_H + 4;
  const legend = (swatch: string, text: string) => {
    o.push(`<g class="legend-item">${swatch.replace(/X/g, String(lx))}<text x="${lx + 18}" y="${ly + 11}">${escapeXml(text)}</text></g>`);
    lx += 18 + text.length * LABEL_CHAR_W + 14;
  };
  for (const level of L.levels) {
    legend(
      `<rect class="swatch" x="X" y="${ly}" width="14" height="14" fill="${LEVEL_COLOURS[level]}" stroke="#333" stroke-width="0.5"/>`,
      level === 'unknown' ? 'level unknown' : level,
    );
  }
  if (L.hasIncomplete) {
    legend(
      `<rect class="swatch" x="X" y="${ly}" width="14" height="14" fill="url(#${id('hatch')})" stroke="${INCOMPLETE_STROKE}"/>`,
      'never returned',
    );
  }
  if (L.hasWaits) {
    legend(`<rect class="swatch" x="X" y="${ly + 4}" width="14" height="6" fill="${WAIT_COLOUR}"/>`, 'async_waiting');
  }

  // Rows: label and zebra band.
  L.rows.forEach((r, i) => {
    o.push(
      `<rect class="row-band" x="0" y="${r.y}" width="${L.width}" height="${ROW_H}" fill="${i % 2 === 0 ? '#f7f7f7' : '#ffffff'}"/>` +
        `<text class="row-label" x="8" y="${r.y + ROW_H / 2 + 4}">${escapeXml(r.label)}</text>`,
    );
  });

  // Axis: gridlines and labels above the plot.
  const plotBottom = L.plotTop + Math.max(1, L.rows.length) * ROW_H;
  o.push(`<g class="axis" fill="#333">`);
  for (const t of L.ticks) {
    o.push(
      `<line x1="${t.x}" y1="${L.plotTop - 4}" x2="${t.x}" y2="${plotBottom}" stroke="#d0d0d0" stroke-width="1"/>` +
        `<text x="${t.x}" y="${L.plotTop - 7}" text-anchor="middle">${escapeXml(t.label)}</text>`,
    );
  }
  o.push(`</g>`);

  // Bars.
  o.push(`<g class="bars" clip-path="url(#${id('plot')})">`);
  for (const b of L.bars) {
    const cls = b.kind === 'wait' ? 'wait' : b.complete ? 'bar' : 'bar incomplete';
    const fill = b.kind === 'initcall' && !b.complete ? `url(#${id('hatch')})` : b.fill;
    const stroke = b.kind === 'initcall' && !b.complete ? INCOMPLETE_STROKE : '#333';
    const strokeW = b.kind === 'wait' ? 0 : b.width >= 3 ? 0.5 : 0;
    o.push(
      `<rect class="${cls}" x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" fill="${fill}" stroke="${stroke}" stroke-width="${strokeW}" data-s="${b.startUs}" data-e="${b.endUs}"${b.name !== undefined ? ` data-name="${escapeXml(b.name)}"` : ''}${b.key !== undefined ? ` data-key="${escapeXml(b.key)}"` : ''}><title>${escapeXml(b.title)}</title></rect>`,
    );
    if (b.label !== undefined) {
      o.push(
        `<text class="bar-label" x="${round2(b.x + 3)}" y="${b.y + b.height / 2 + 4}" pointer-events="none">${escapeXml(b.label)}</text>`,
      );
    }
  }
  o.push(`</g>`);

  // Landmarks.
  L.markers.forEach((m, i) => {
    // Label to the left of the line unless that would run off the plot.
    const leftSide = m.x - L.plotLeft > 200;
    o.push(
      `<g class="marker" data-us="${m.us}"><line x1="${m.x}" y1="${L.plotTop - 2}" x2="${m.x}" y2="${plotBottom + 2 + i * MARKER_H}" stroke="#c0392b" stroke-width="1" stroke-dasharray="4 3"/>` +
        `<text x="${round2(leftSide ? m.x - 3 : m.x + 3)}" y="${plotBottom + 12 + i * MARKER_H}" text-anchor="${leftSide ? 'end' : 'start'}" fill="#c0392b">${escapeXml(`${m.name} ${formatStamp(m.us)}`)}</text></g>`,
    );
  });
  o.push(`</svg>`);
  return o.join('\n');
}

/** A standalone SVG document (for `ktrim report --format svg`). */
export function renderSvg(boot: ParsedBoot, options?: { title?: string; width?: number }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${renderSvgElement(boot, { ...options, xmlns: true })}\n`;
}
