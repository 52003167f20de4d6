/**
 * Stage 2 of the boot-log parser: the record grammar. Pure: one message body
 * in, one record out, no state.
 *
 * Kernel formats (init/main.c, kernel/async.c, drivers/base/dd.c, 2.6.3x…6.12+):
 *   calling  fn+0x0/0x1c @ PID                   (a module's fn: `fn+0x0/0x1000 [mod]`)
 *   initcall fn+0x0/0x1c returned R after N usecs (old kernels: `msecs`)
 *   calling  N_fn+0x0/0x50 @ PID                  async_schedule()d work, cookie N
 *   initcall N_fn+0x0/0x50 returned after N usecs
 *   probe of DEV returned R after N usecs         (driver core; optional `bus: 'x': ` prefix)
 *   async_waiting @ PID / async_continuing @ PID after N usec
 *   entering initcall level: X                    (kernels after 6.12)
 * `pci 0000:00:00.0: calling  quirk_x+0x0/0x90 @ 1` … `took N usecs` are PCI
 * fixups run inside an initcall (drivers/pci/quirks.c): they are not initcalls
 * and are recognized as 'ignored'.
 *
 * recognize() is the general grammar (any prefix already removed);
 * fastRecord() reads the two commonest exact line forms, prefix included,
 * without slicing or regexes. Both must give the same record for a line the
 * fast path accepts (test/unit/initcall/grammar-property.test.ts).
 */
import { isDigit } from './prefix.js';

// Record regexes: sticky, applied at the index where the keyword was found.
const MOD = String.raw`(?: \[([^\]\s]+)\])?`;
const CALL_RE = new RegExp(String.raw`calling  (\S+)${MOD} @ (\d+)`, 'y');
const RET_RE = new RegExp(String.raw`initcall (\S+)${MOD} returned (?:(-?\d+) )?after (\d+) (usecs|msecs)`, 'y');
const PROBE_RE = /probe (?:of (\S+)|with driver (\S+)) returned (-?\d+) after (\d+) (usecs|msecs)/y;
const ASYNC_WAIT_RE = /async_waiting @ (\d+)/y;
const ASYNC_CONT_RE = /async_continuing @ (\d+) after (\d+) usec/y;
const LEVEL_RE = /entering initcall level: (\S+)/y;

// ---------------------------------------------------------------------------
// "Is this text a prefix of a valid record?" — for lines cut by a newline or
// CR in the middle. Built from token lists so each format is written once.

/** A token class: its regex when complete and when cut short. */
interface Cls {
  full: string;
  partial: string;
}
const S: Cls = { full: String.raw`\S+`, partial: String.raw`\S*` };
const NUM: Cls = { full: String.raw`\d+`, partial: String.raw`\d*` };
const SNUM: Cls = { full: String.raw`-?\d+`, partial: String.raw`-?\d*` };
const MODTAG: Cls = { full: String.raw`(?: \[[^\]\s]+\])?`, partial: String.raw`(?: \[[^\]\s]*)?` };
const RETVAL: Cls = { full: String.raw`(?:-?\d+ )?`, partial: String.raw`(?:-?\d*)?` };
const UNIT: Cls = { full: '(?:usecs|msecs)', partial: '(?:u(?:s(?:e(?:c)?)?)?|m(?:s(?:e(?:c)?)?)?)?' };

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
function litPartial(s: string): string {
  // any proper prefix of s, including the empty one
  let re = '';
  for (let i = s.length - 1; i >= 1; i--) re = `(?:${esc(s[i - 1])}${re})?`;
  return re;
}
function prefixRegex(tokens: Array<string | Cls>): RegExp {
  const build = (i: number): string => {
    if (i === tokens.length) return '';
    const t = tokens[i];
    const full = typeof t === 'string' ? esc(t) : t.full;
    const partial = typeof t === 'string' ? litPartial(t) : t.partial;
    return `(?:${full}${build(i + 1)}|${partial})`;
  };
  return new RegExp(`^${build(0)}$`);
}
const CALL_PREFIX = prefixRegex(['calling  ', S, MODTAG, ' @ ', NUM]);
const RET_PREFIX = prefixRegex(['initcall ', S, MODTAG, ' returned ', RETVAL, 'after ', NUM, ' ', UNIT]);
const PROBE_PREFIX = prefixRegex(['probe of ', S, ' returned ', SNUM, ' after ', NUM, ' ', UNIT]);

// Words of every line the parser extracts something from: lines without any are skipped unread.
export const RELEVANT_RE =
  /initcall|calling|probe|returned|async_|Linux version|ommand line|Freeing unused kernel|init process|secondary CPUs/;

export type Parsed =
  | { kind: 'call'; token: string; module?: string; pid?: number; trailing: string }
  | { kind: 'ret'; token: string; module?: string; ret?: number; us: number }
  | { kind: 'probe'; device: string; driver?: string; ret: number; us: number }
  | { kind: 'wait'; pid: number }
  | { kind: 'cont'; pid: number; us: number }
  | { kind: 'level'; name: string }
  | { kind: 'fragment'; text: string }
  | { kind: 'ignored' };

/** Recognize one message body (prefix already removed). No side effects. */
export function recognize(body: string): Parsed | undefined {
  let k = body.indexOf('calling  ');
  if (k >= 0) {
    // `pci 0000:00:01.0: calling  quirk…` is a PCI fixup inside an initcall, not an initcall.
    if (k > 0 && /:\s*$/.test(body.slice(Math.max(0, k - 4), k))) return { kind: 'ignored' };
    CALL_RE.lastIndex = k;
    const m = CALL_RE.exec(body);
    if (m) {
      return { kind: 'call', token: m[1], module: m[2], pid: Number(m[3]), trailing: body.slice(CALL_RE.lastIndex) };
    }
    const rest = body.slice(k);
    return CALL_PREFIX.test(rest) ? { kind: 'fragment', text: rest } : undefined;
  }
  k = body.indexOf('initcall ');
  if (k >= 0) {
    RET_RE.lastIndex = k;
    const m = RET_RE.exec(body);
    if (m) {
      const n = Number(m[4]);
      return {
        kind: 'ret',
        token: m[1],
        module: m[2],
        ret: m[3] === undefined ? undefined : Number(m[3]),
        us: m[5] === 'msecs' ? n * 1000 : n,
      };
    }
    const rest = body.slice(k);
    if (RET_PREFIX.test(rest)) return { kind: 'fragment', text: rest };
    const lv = body.indexOf('entering initcall level: ');
    if (lv >= 0) {
      LEVEL_RE.lastIndex = lv;
      const l = LEVEL_RE.exec(body);
      if (l) return { kind: 'level', name: l[1] };
    }
    return undefined;
  }
  k = body.indexOf('probe ');
  if (k >= 0 && body.indexOf('returned', k) >= 0) {
    PROBE_RE.lastIndex = k;
    const m = PROBE_RE.exec(body);
    if (m) {
      const n = Number(m[4]);
      const head = body.slice(0, k);
      let device = m[1];
      let driver: string | undefined;
      if (m[2] !== undefined) {
        // dev_info(dev, "probe with driver %s …"): prefix is `<driver> <device>: `
        driver = m[2];
        const d = /(\S+): $/.exec(head);
        device = d ? d[1] : '';
      } else {
        const bus = /bus: '([^']+)'/.exec(head);
        if (bus) driver = bus[1];
      }
      return { kind: 'probe', device, driver, ret: Number(m[3]), us: m[5] === 'msecs' ? n * 1000 : n };
    }
  }
  k = body.indexOf('probe of ');
  if (k >= 0) {
    const rest = body.slice(k);
    if (PROBE_PREFIX.test(rest)) return { kind: 'fragment', text: rest };
  }
  k = body.indexOf('async_');
  if (k >= 0) {
    ASYNC_WAIT_RE.lastIndex = k;
    let m = ASYNC_WAIT_RE.exec(body);
    if (m) return { kind: 'wait', pid: Number(m[1]) };
    ASYNC_CONT_RE.lastIndex = k;
    m = ASYNC_CONT_RE.exec(body);
    if (m) return { kind: 'cont', pid: Number(m[1]), us: Number(m[2]) };
  }
  return undefined;
}

/**
 * A record read by the fast path, prefix included. One per parser, refilled
 * for each line: the token is kept as offsets into the line, and cut out as a
 * string only when `token` is read (pairing.ts reads the offsets).
 */
export class FastRecord {
  kind: 'call' | 'ret' = 'call';
  /** printk timestamp, µs (the fast path needs one). */
  ts = 0;
  /** The line last read, and the token's [tokenStart, tokenEnd) in it. */
  line = '';
  tokenStart = 0;
  tokenEnd = 0;
  module: string | undefined = undefined;
  /** `call`: `@ PID`. */
  pid = 0;
  /** `ret`: return value, absent on async work's `returned after`. */
  ret: number | undefined = undefined;
  /** `ret`: duration in µs (msecs converted). */
  us = 0;

  get token(): string {
    return this.line.slice(this.tokenStart, this.tokenEnd);
  }
}

/** Reused by fastRecord(): one object per parser, not one per line. */
export function newFastRecord(): FastRecord {
  return new FastRecord();
}

/**
 * Fast path for the common exact forms `[   t] calling  fn+0x0/0x1c @ 1` and
 * `[   t] initcall fn+0x0/0x1c returned 0 after 5 usecs` (optional `<N>`
 * prefix and `[mod]` tag) in line [start, n) of `line`. Fills `out` and
 * returns true; anything else, even slightly, returns false and goes the
 * general way (parsePrefix + recognize).
 */
export function fastRecord(line: string, start: number, n: number, out: FastRecord): boolean {
  // Literals below hold no \n, so no match crosses n.
  let i = start;
  if (line.charCodeAt(i) === 60 /* < */) {
    i++;
    while (i < n && isDigit(line.charCodeAt(i))) i++;
    if (i === start + 1 || line.charCodeAt(i) !== 62) return false;
    i++;
  }
  if (line.charCodeAt(i) !== 91 /* [ */) return false;
  i++;
  while (line.charCodeAt(i) === 32) i++;
  let sec = 0;
  const s0 = i;
  for (let c = line.charCodeAt(i); isDigit(c); c = line.charCodeAt(++i)) sec = sec * 10 + (c - 48);
  if (i === s0 || i - s0 > 12 || line.charCodeAt(i) !== 46 /* . */) return false;
  i++;
  const f0 = i;
  let frac = 0;
  for (let c = line.charCodeAt(i); isDigit(c); c = line.charCodeAt(++i)) if (i - f0 < 6) frac = frac * 10 + (c - 48);
  const fl = i - f0;
  if (fl === 0 || line.charCodeAt(i) !== 93 /* ] */ || line.charCodeAt(i + 1) !== 32) return false;
  for (let k = fl; k < 6; k++) frac *= 10;
  const ts = sec * 1_000_000 + frac;
  i += 2;
  const isCall = line.startsWith('calling  ', i);
  if (!isCall && !line.startsWith('initcall ', i)) return false;
  i += 9;
  // The token runs to the next space; one scan, that also refuses ESC, `[` and CR in it.
  let sp = i;
  for (; ; sp++) {
    if (sp >= n) return false;
    const c = line.charCodeAt(sp);
    if (c === 32 /* space */) break;
    if (c === 27 /* ESC */ || c === 91 /* [ */ || c === 13 /* CR */) return false;
  }
  const tokenStart = i;
  let q = sp;
  let module: string | undefined;
  if (line.charCodeAt(q + 1) === 91 /* [ */) {
    const close = line.indexOf(']', q + 2);
    if (close < 0 || close >= n) return false;
    module = line.slice(q + 2, close);
    if (module === '' || module.indexOf(' ') >= 0 || module.indexOf('\x1b') >= 0 || module.indexOf('\r') >= 0) return false;
    q = close + 1;
  }
  if (isCall) {
    if (!line.startsWith(' @ ', q)) return false;
    q += 3;
    const p0 = q;
    let pid = 0;
    for (let c = line.charCodeAt(q); isDigit(c); c = line.charCodeAt(++q)) pid = pid * 10 + (c - 48);
    if (q === p0 || q - p0 > 15 || q !== n) return false;
    out.kind = 'call';
    out.ts = ts;
    out.line = line;
    out.tokenStart = tokenStart;
    out.tokenEnd = sp;
    out.module = module;
    out.pid = pid;
    out.ret = undefined;
    out.us = 0;
    return true;
  }
  if (!line.startsWith(' returned ', q)) return false;
  q += 10;
  let ret: number | undefined;
  if (!line.startsWith('after ', q)) {
    let neg = false;
    if (line.charCodeAt(q) === 45 /* - */) {
      neg = true;
      q++;
    }
    const r0 = q;
    let r = 0;
    for (let c = line.charCodeAt(q); isDigit(c); c = line.charCodeAt(++q)) r = r * 10 + (c - 48);
    if (q === r0 || q - r0 > 10 || !line.startsWith(' after ', q)) return false;
    ret = neg ? -r : r;
    q += 1;
  }
  q += 6;
  const d0 = q;
  let us = 0;
  for (let c = line.charCodeAt(q); isDigit(c); c = line.charCodeAt(++q)) us = us * 10 + (c - 48);
  if (q === d0 || q - d0 > 15 || q + 6 !== n) return false;
  if (line.startsWith(' msecs', q)) us *= 1000;
  else if (!line.startsWith(' usecs', q)) return false;
  out.kind = 'ret';
  out.ts = ts;
  out.line = line;
  out.tokenStart = tokenStart;
  out.tokenEnd = sp;
  out.module = module;
  out.pid = 0;
  out.ret = ret;
  out.us = us;
  return true;
}
