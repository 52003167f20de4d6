/**
 * A port of the kernel's `scripts/diffconfig`: compare two .config files and
 * print only what changed, sorted, in its exact format:
 *   -SYM old          removed (in A, not in B)
 *    SYM old -> new   changed
 *   +SYM new          added (in B, not in A)
 * Values are the text as written in the file (strings keep their quotes),
 * and `# CONFIG_X is not set` reads as `n`. No source tree needed.
 */
import type { DotConfig } from './dotconfig.js';

export interface DiffEntry {
  op: '-' | '+' | '->';
  name: string;
  /** Value in A (absent for '+'). */
  before?: string;
  /** Value in B (absent for '-'). */
  after?: string;
}

/** The value diffconfig's readconfig() sees: raw text, 'n' for "is not set". */
function diffValues(c: DotConfig): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of c.entries) m.set(e.name, e.unset ? 'n' : e.raw);
  return m;
}

/** Python's sort on str compares code points; so does this for BMP text. */
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Removed, then changed, then added; each group sorted by name, as diffconfig prints them. */
export function diffConfigs(before: DotConfig, after: DotConfig): DiffEntry[] {
  const a = diffValues(before);
  const b = diffValues(after);
  const out: DiffEntry[] = [];
  const removed = [...a.keys()].filter((k) => !b.has(k)).sort(byName);
  for (const k of removed) out.push({ op: '-', name: k, before: a.get(k)! });
  const changed = [...a.keys()].filter((k) => b.has(k) && a.get(k) !== b.get(k)).sort(byName);
  for (const k of changed) out.push({ op: '->', name: k, before: a.get(k)!, after: b.get(k)! });
  const added = [...b.keys()].filter((k) => !a.has(k)).sort(byName);
  for (const k of added) out.push({ op: '+', name: k, after: b.get(k)! });
  return out;
}

/**
 * The entries whose value really changes: absent and `is not set` are both n
 * (to olddefconfig, to auto.conf and so to kbuild), unlike diffconfig's text.
 */
export function valueChanges(before: DotConfig, after: DotConfig): DiffEntry[] {
  return diffConfigs(before, after).filter((e) => (e.before ?? 'n') !== (e.after ?? 'n'));
}

/** The exact `scripts/diffconfig A B` output (each line ends with a newline). */
export function formatDiffconfig(entries: DiffEntry[]): string {
  let s = '';
  for (const e of entries) {
    if (e.op === '-') s += `-${e.name} ${e.before}\n`;
    else if (e.op === '+') s += `+${e.name} ${e.after}\n`;
    else s += ` ${e.name} ${e.before} -> ${e.after}\n`;
  }
  return s;
}

/**
 * The exact `scripts/diffconfig -m A B` output: the changed and new values as
 * a merge_config fragment (removed symbols print nothing).
 */
export function formatDiffconfigMerge(entries: DiffEntry[]): string {
  let s = '';
  for (const e of entries) {
    if (e.op === '-' || e.after === undefined || e.after === '') continue;
    s += e.after === 'n' ? `# CONFIG_${e.name} is not set\n` : `CONFIG_${e.name}=${e.after}\n`;
  }
  return s;
}

/** Counts for a one-line summary. */
export function summarizeDiff(entries: DiffEntry[]): { removed: number; changed: number; added: number } {
  let removed = 0,
    changed = 0,
    added = 0;
  for (const e of entries) {
    if (e.op === '-') removed++;
    else if (e.op === '+') added++;
    else changed++;
  }
  return { removed, changed, added };
}
