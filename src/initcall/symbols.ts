/**
 * System.map (and /proc/kallsyms) reader: resolves the bare addresses a
 * kernel without CONFIG_KALLSYMS prints in `calling  0xffffffff818c2a38 @ 1`,
 * and knows each initcall's level from its `__initcall_…` entry symbol.
 * Pure: the caller reads the file.
 */
import { InputError } from '../errors.js';
import type { InitcallLevel, SymbolMap } from './types.js';
import { parseInitcallSymbol } from './levels.js';

/** A parsed System.map; implements the SymbolMap interface of types.ts. */
export interface SystemMap extends SymbolMap {
  /** Number of symbols read. */
  readonly size: number;
  /** Address of a symbol by exact name (first one when a static name repeats). */
  addressOf(name: string): bigint | undefined;
  levelOf(fn: string): InitcallLevel | undefined;
  /** Every initcall entry found: function, level id as in the symbol (`6`, `4s`, `early`, `con`…). */
  readonly initcalls: ReadonlyArray<{ fn: string; id: string; level?: InitcallLevel; object?: string; line?: number }>;
}

// `ffffffff81000000 T _text`, optionally `[module]` (kallsyms of a loaded module).
const LINE_RE = /^([0-9a-fA-F]{1,16}) ([A-Za-z?]) (\S+)(?:\s+\[(\S+)\])?$/;

/** Symbol types that are code; lookup() prefers them over data at the same address. */
function isText(type: string): boolean {
  return type === 'T' || type === 't' || type === 'W' || type === 'w';
}

/**
 * Parse System.map text (`nm -n` output: address, type, name per line).
 * Blank lines are skipped; any other malformed line throws
 * InputError(source, line).
 */
export function parseSystemMap(text: string, source = 'System.map'): SystemMap {
  const his: number[] = [];
  const los: number[] = [];
  const names: string[] = [];
  const text0: boolean[] = [];
  const byName = new Map<string, number>(); // name → index into his/los (first occurrence)
  const levels = new Map<string, InitcallLevel | null>(); // null: conflicting levels
  const initcalls: Array<{ fn: string; id: string; level?: InitcallLevel; object?: string; line?: number }> = [];

  let lineNo = 0;
  let pos = 0;
  const len = text.length;
  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    lineNo++;
    let line = text.slice(pos, end);
    pos = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    const m = LINE_RE.exec(line);
    if (!m) {
      if (/^f{16} B The real System\.map is in/.test(line)) {
        throw new InputError(
          "this is Debian's placeholder System.map; the real one is in the linux-image-<version>-dbg package",
          source,
          lineNo,
        );
      }
      throw new InputError(
        `not a System.map line (want "<hex address> <type> <symbol>"): ${JSON.stringify(line.slice(0, 80))}`,
        source,
        lineNo,
      );
    }
    const hex = m[1].padStart(16, '0');
    const name = m[3];
    his.push(parseInt(hex.slice(0, 8), 16));
    los.push(parseInt(hex.slice(8), 16));
    names.push(name);
    text0.push(isText(m[2]));
    if (!byName.has(name)) byName.set(name, names.length - 1);

    const ic = name.charCodeAt(0) === 95 /* _ */ ? parseInitcallSymbol(name) : undefined;
    if (ic) {
      initcalls.push(ic);
      if (ic.level) {
        const prev = levels.get(ic.fn);
        if (prev === undefined) levels.set(ic.fn, ic.level);
        else if (prev !== ic.level) levels.set(ic.fn, null);
      }
    }
  }

  // Sort by address (System.map is sorted already; kallsyms may not be).
  const order = names.map((_, i) => i);
  order.sort((a, b) => his[a] - his[b] || los[a] - los[b] || Number(text0[b]) - Number(text0[a]));
  const H = Uint32Array.from(order, (i) => his[i]);
  const L = Uint32Array.from(order, (i) => los[i]);
  const N = order.map((i) => names[i]);
  const T = order.map((i) => text0[i]);

  function lookup(address: bigint): { name: string; offset: bigint } | undefined {
    if (address < 0n || address > 0xffffffffffffffffn) return undefined;
    const hi = Number(address >> 32n);
    const lo = Number(address & 0xffffffffn);
    // Last index with (H, L) <= (hi, lo).
    let a = 0;
    let b = N.length - 1;
    let found = -1;
    while (a <= b) {
      const mid = (a + b) >> 1;
      if (H[mid] < hi || (H[mid] === hi && L[mid] <= lo)) {
        found = mid;
        a = mid + 1;
      } else {
        b = mid - 1;
      }
    }
    if (found < 0) return undefined;
    // Among symbols at that same address, prefer code and skip padding/CFI aliases.
    let best = found;
    for (let i = found; i >= 0 && H[i] === H[found] && L[i] === L[found]; i--) {
      if (score(i) > score(best)) best = i;
    }
    const base = (BigInt(H[best]) << 32n) | BigInt(L[best]);
    return { name: N[best], offset: address - base };
  }

  function score(i: number): number {
    const n = N[i];
    let s = T[i] ? 2 : 0;
    if (!n.startsWith('__pfx_') && !n.startsWith('__cfi_') && !n.startsWith('__initcall')) s += 1;
    return s;
  }

  return {
    size: N.length,
    lookup,
    addressOf: (name) => {
      const i = byName.get(name);
      return i === undefined ? undefined : (BigInt(his[i]) << 32n) | BigInt(los[i]);
    },
    levelOf: (fn) => levels.get(fn) ?? undefined,
    initcalls,
  };
}
