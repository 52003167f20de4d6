/**
 * Number and text formatting shared by the text, markdown and compare
 * renderers. Times come in µs and are printed in ms (µs resolution) or s.
 */
import { cleanText, elide, NAME_MAX } from './escape.js';

export { elide };

/**
 * At most this many initcalls (or groups) are listed in any format, whatever
 * --top says: a real boot has a few thousand at most, and a log holding one
 * call repeated 100,000 times must still give a report of bounded size.
 */
export const MAX_LISTED = 5000;
/** At most this many names in one "never returned" or "returned an error" list. */
export const MAX_NAMES = 100;

/** The first `max` items and how many were left out. */
export function capped<T>(items: readonly T[], max: number): { shown: T[]; omitted: number } {
  return { shown: items.slice(0, max), omitted: Math.max(0, items.length - max) };
}

/** `12.345` (ms, three decimals = µs resolution). */
export function ms(us: number, decimals = 3): string {
  return (us / 1000).toFixed(decimals);
}

/** `12.345 ms` below one second, `2.031 s` from one second up. */
export function duration(us: number): string {
  if (Math.abs(us) >= 1_000_000) return `${(us / 1_000_000).toFixed(3)} s`;
  return `${ms(us)} ms`;
}

/** Signed ms with a real minus sign for deltas: `-12.345` / `+0.500`. */
export function signedMs(us: number, decimals = 3): string {
  const s = ms(Math.abs(us), decimals);
  if (Number(s) === 0) return ` ${s}`;
  return (us < 0 ? '-' : '+') + s;
}

/** `25.9 %` from a 0..1 ratio. */
export function percent(ratio: number, decimals = 1): string {
  return `${(ratio * 100).toFixed(decimals)} %`;
}

/** Signed percent from a ratio: `-13.8 %`; `n/a` when null. */
export function signedPercent(ratio: number | null, decimals = 1): string {
  if (ratio === null) return 'n/a';
  const s = (Math.abs(ratio) * 100).toFixed(decimals);
  if (Number(s) === 0) return ` ${s} %`;
  return `${ratio < 0 ? '-' : '+'}${s} %`;
}

/** Common negative errno values an initcall returns. */
const ERRNO: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  5: 'EIO',
  6: 'ENXIO',
  12: 'ENOMEM',
  13: 'EACCES',
  16: 'EBUSY',
  17: 'EEXIST',
  19: 'ENODEV',
  22: 'EINVAL',
  38: 'ENOSYS',
  95: 'EOPNOTSUPP',
  110: 'ETIMEDOUT',
  517: 'EPROBE_DEFER',
  524: 'ENOTSUPP',
};

/** `-19 ENODEV`, or the bare number. */
export function errnoName(ret: number): string {
  const name = ret < 0 ? ERRNO[-ret] : undefined;
  return name ? `${ret} ${name}` : String(ret);
}

export type Align = 'left' | 'right';

/** Lay out rows as aligned columns separated by `gap` spaces; trailing spaces trimmed. */
export function columns(rows: readonly (readonly string[])[], align: readonly Align[], gap = 2): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) =>
    r
      .map((c, i) => {
        if (i === r.length - 1 && align[i] !== 'right') return c;
        return align[i] === 'right' ? c.padStart(widths[i]) : c.padEnd(widths[i]);
      })
      .join(' '.repeat(gap))
      .trimEnd(),
  );
}

/** Word-wrap `text` to `width` columns, continuation lines prefixed by `indent`. */
export function wrap(text: string, width: number, indent = ''): string[] {
  // A word longer than a line is cut (paths, mostly): the width is a promise.
  const room = Math.max(1, width - indent.length);
  const words = text
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((w) => (w.length <= room ? [w] : (w.match(new RegExp(`.{1,${room}}`, 'gu')) ?? [w])));
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const prefix = lines.length === 0 ? '' : indent;
    if (line && (prefix + line + ' ' + w).length > width) {
      lines.push(prefix + line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push((lines.length === 0 ? '' : indent) + line);
  return lines;
}

/**
 * Shorten an initcall key (`fn#2 [module]`) to `max` characters, eliding the
 * function name and keeping the module tag whole when there is room.
 */
export function elideKey(key: string, max: number): string {
  if (key.length <= max) return cleanText(key, max);
  const m = key.length <= 4 * max ? /^(.*?)( \[[^\]]+\])$/.exec(key) : null;
  if (m && max - m[2].length >= 12) return cleanText(elide(m[1], max - m[2].length) + m[2], max);
  return cleanText(key, max);
}

/** An initcall key or group name as a table row shows it: safe, at most NAME_MAX long. */
export function nameCell(key: string): string {
  return elideKey(key, NAME_MAX);
}

/** What every renderer takes: how much of the ranking to show. */
export interface ViewOptions {
  /** Show at most this many initcalls (or groups). */
  top?: number;
  /** Hide initcalls (groups) whose median is under this many µs. */
  minUs?: number;
}

/** Apply --top and --min-us to a ranked list (complete entries first, as ranked). */
export function selectRanked<T extends { stats: { median: number } | null }>(items: readonly T[], opts: ViewOptions): T[] {
  const out = items.filter((r) => opts.minUs === undefined || (r.stats !== null && r.stats.median >= opts.minUs));
  return out.slice(0, Math.min(opts.top ?? MAX_LISTED, MAX_LISTED));
}

/** A Markdown pipe table with padded, aligned cells (readable as plain text too). */
export function pipeTable(rows: readonly (readonly string[])[], align: readonly Align[]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length, 3)));
  const cell = (c: string, i: number) => (align[i] === 'right' ? c.padStart(widths[i]) : c.padEnd(widths[i]));
  const line = (r: readonly string[]) => `| ${r.map(cell).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (align[i] === 'right' ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|')}|`;
  const [head, ...body] = rows;
  return [line(head), rule, ...body.map(line)];
}

/**
 * A Markdown code span (kernel symbols are full of `_`); `|` escaped for
 * tables. Log text in it is cleaned (cleanText) and at most `max` long.
 */
export function code(s: string, max = NAME_MAX): string {
  return '`' + cleanText(s, max).replace(/`/g, "'").replace(/\|/g, '\\|') + '`';
}

/** "why" a list stops short: the --top/--min-us filter, or the MAX_LISTED bound. */
export function hiddenReason(shown: number, opts: ViewOptions): string {
  return shown >= MAX_LISTED && (opts.top === undefined || opts.top > MAX_LISTED) ? `at most ${MAX_LISTED} listed` : '--top/--min-us';
}
