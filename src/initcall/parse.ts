/**
 * initcall_debug log parser. Pure: text in, ParsedBoot out, no I/O.
 *
 * Accepts a serial console capture, `dmesg`, `dmesg -r`, /dev/kmsg records
 * or `journalctl -k` output (any mix of the prefixes below), in any bytes.
 *
 * Kernel formats (init/main.c, kernel/async.c, drivers/base/dd.c, 2.6.3x…6.12+):
 *   calling  fn+0x0/0x1c @ PID                   (a module's fn: `fn+0x0/0x1000 [mod]`)
 *   initcall fn+0x0/0x1c returned R after N usecs (old kernels: `msecs`)
 *   calling  N_fn+0x0/0x50 @ PID                  async_schedule()d work, cookie N
 *   initcall N_fn+0x0/0x50 returned after N usecs
 *   probe of DEV returned R after N usecs         (driver core; optional `bus: 'x': ` prefix)
 *   async_waiting @ PID / async_continuing @ PID after N usec
 *   entering initcall level: X                    (kernels after 6.12)
 * Without CONFIG_KALLSYMS the function is a bare `0xffffffff818c2a38`,
 * resolved through options.symbols (System.map) when given.
 * `pci 0000:00:00.0: calling  quirk_x+0x0/0x90 @ 1` … `took N usecs` are PCI
 * fixups run inside an initcall (drivers/pci/quirks.c): they are not initcalls
 * and are skipped.
 *
 * Line prefixes: `<7>` (syslog level), `[    1.234567]` (PRINTK_TIME; may be
 * absent), `[    T1]`/`[    C0]` (PRINTK_CALLER), `7,123,1234567,-;`
 * (/dev/kmsg, µs timestamps), `Nov 26 09:00:01 host kernel: ` (journalctl).
 *
 * Serial captures made by ktrim's initramfs hold the boot on the console and
 * then the whole ring buffer dumped by `dmesg` between `KTRIM-DMESG-BEGIN` and
 * `KTRIM-DMESG-END`. When those markers are present ONLY the dump is parsed:
 * it is complete (KERN_DEBUG lines such as initcall_debug's do not reach the
 * console at the default loglevel) and parsing both would count every
 * initcall twice. Without markers, an input holding several boots (several
 * `Linux version` lines) is cut into boots and the one with the most
 * `calling` lines is parsed (the last one on a tie), with a warning.
 */
import type {
  AsyncWaitRecord,
  InitcallLevel,
  InitcallRecord,
  ParsedBoot,
  ParseOptions,
  ParseWarning,
  ProbeRecord,
} from './types.js';
import { levelFromName, parseInitcallSymbol } from './levels.js';

export type { ParseOptions, ParsedBoot } from './types.js';

export const DMESG_BEGIN_MARKER = 'KTRIM-DMESG-BEGIN';
export const DMESG_END_MARKER = 'KTRIM-DMESG-END';

/** A line that still holds an incomplete record may be joined with up to this many later lines. */
const MAX_FRAGMENT_AGE = 4;

/** Early-boot durations are counted in jiffies (HZ=100 at worst): tolerance when checking a probe fits its initcall. */
const JIFFY_SLACK_US = 10_000;

// ---------------------------------------------------------------------------
// Record regexes: sticky, applied at the index where the keyword was found.

const MOD = String.raw`(?: \[([^\]\s]+)\])?`;
const CALL_RE = new RegExp(String.raw`calling  (\S+)${MOD} @ (\d+)`, 'y');
const RET_RE = new RegExp(String.raw`initcall (\S+)${MOD} returned (?:(-?\d+) )?after (\d+) (usecs|msecs)`, 'y');
const PROBE_RE = /probe (?:of (\S+)|with driver (\S+)) returned (-?\d+) after (\d+) (usecs|msecs)/y;
const ASYNC_WAIT_RE = /async_waiting @ (\d+)/y;
const ASYNC_CONT_RE = /async_continuing @ (\d+) after (\d+) usec/y;
const LEVEL_RE = /entering initcall level: (\S+)/y;
const RUN_INIT_RE = /^Run (\S+) as init process/;
const KMSG_RE = /^(\d+),(\d+),(\d+),([^;]*);/;
const JOURNAL_RE = /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\S+) \S+ kernel: /;
// util-linux `dmesg -x` (`kern  :debug : `) and `dmesg --time-format iso` (wall clock, not kernel time)
const DMESG_X_RE =
  /^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local[0-7]) *:(?:emerg|alert|crit|err|warn|notice|info|debug) *: /;
const DMESG_ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[,.]\d+(?:[+-]\d\d:?\d\d|Z)? /;
const DMESG_T_RE = /^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\] ?/;
const ASYNC_TOKEN_RE = /^(\d+)_(.+)$/;
const BARE_ADDR_RE = /^0x[0-9a-f]{8,16}$/;
// CSI, OSC, and two-byte escapes (ESC c, ESC 7…).
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -~])?/g;

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

// ---------------------------------------------------------------------------

interface Prefix {
  /** printk timestamp, µs */
  ts?: number;
  /** PRINTK_CALLER `T123` / `C0` */
  caller?: string;
  body: string;
  /** The line carried a kernel record prefix (timestamp, level or kmsg header). */
  prefixed: boolean;
}

/** Parse `[   12.345678]` at s[i]; returns µs and the index after `]`, or undefined. */
function timestampAt(s: string, i: number): { us: number; end: number } | undefined {
  if (s.charCodeAt(i) !== 91 /* [ */) return undefined;
  let k = i + 1;
  const n = s.length;
  while (k < n && s.charCodeAt(k) === 32) k++;
  const secStart = k;
  while (k < n && isDigit(s.charCodeAt(k))) k++;
  if (k === secStart || k - secStart > 12 || s.charCodeAt(k) !== 46 /* . */) return undefined;
  const secEnd = k;
  k++;
  const fracStart = k;
  while (k < n && isDigit(s.charCodeAt(k))) k++;
  if (k === fracStart || s.charCodeAt(k) !== 93 /* ] */) return undefined;
  let sec = 0;
  for (let j = secStart; j < secEnd; j++) sec = sec * 10 + (s.charCodeAt(j) - 48);
  let frac = 0;
  for (let j = fracStart; j < fracStart + 6; j++) frac = frac * 10 + (j < k ? s.charCodeAt(j) - 48 : 0);
  return { us: sec * 1_000_000 + frac, end: k + 1 };
}

/** `[    T1]` / `[C0]` at s[i]. */
function callerAt(s: string, i: number): { caller: string; end: number } | undefined {
  if (s.charCodeAt(i) !== 91) return undefined;
  let k = i + 1;
  const n = s.length;
  while (k < n && s.charCodeAt(k) === 32) k++;
  const c = s[k];
  if (c !== 'T' && c !== 'C') return undefined;
  const start = k;
  k++;
  const digits = k;
  while (k < n && isDigit(s.charCodeAt(k))) k++;
  if (k === digits || s.charCodeAt(k) !== 93) return undefined;
  return { caller: s.slice(start, k), end: k + 1 };
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function parsePrefix(s: string): Prefix {
  let i = 0;
  let ts: number | undefined;
  let caller: string | undefined;
  let prefixed = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 60 /* < */) {
    let k = 1;
    while (k < s.length && isDigit(s.charCodeAt(k))) k++;
    if (k > 1 && s.charCodeAt(k) === 62 /* > */) {
      i = k + 1;
      prefixed = true;
    }
  } else if (isDigit(c0)) {
    const m = KMSG_RE.exec(s);
    if (m) {
      const cm = /caller=([TC]\d+)/.exec(m[4]);
      return { ts: Number(m[3]), caller: cm?.[1], body: s.slice(m[0].length), prefixed: true };
    }
    const j = JOURNAL_RE.exec(s) ?? DMESG_ISO_RE.exec(s);
    if (j) {
      i = j[0].length;
      prefixed = true;
    }
  } else if (c0 >= 65 && c0 <= 90) {
    const j = JOURNAL_RE.exec(s);
    if (j) {
      i = j[0].length;
      prefixed = true;
    }
  } else if (c0 >= 97 && c0 <= 117 /* a..u */) {
    const x = DMESG_X_RE.exec(s);
    if (x) {
      i = x[0].length;
      prefixed = true;
    }
  }
  if (s.charCodeAt(i) === 91 /* [ */) {
    const t = timestampAt(s, i);
    if (t) {
      ts = t.us;
      i = t.end;
      prefixed = true;
      while (s.charCodeAt(i) === 32 && s.charCodeAt(i + 1) === 91) i++;
      const c = callerAt(s, i);
      if (c) {
        caller = c.caller;
        i = c.end;
      }
      // journalctl -o short-monotonic: `[    1.234567] host kernel: msg`
      const sp = s.indexOf(' ', i + 1);
      if (sp > i + 1 && s.startsWith('kernel: ', sp + 1) && s.charCodeAt(i) === 32) i = sp + 8;
    } else {
      const c = callerAt(s, i);
      if (c) {
        caller = c.caller;
        i = c.end;
        prefixed = true;
      } else {
        const d = DMESG_T_RE.exec(s.slice(i));
        if (d) {
          i += d[0].length;
          prefixed = true;
        }
      }
    }
  }
  if (s.charCodeAt(i) === 32) i++;
  return { ts, caller, body: i === 0 ? s : s.slice(i), prefixed };
}

/**
 * Offsets of printk prefixes embedded after position 0 of `body` (console
 * interleaving): a timestamp, or a PRINTK_CALLER `[    T1]` (the prefix of a
 * kernel without PRINTK_TIME), each starting a new message.
 */
function embeddedTimestamps(body: string): number[] {
  let out: number[] | undefined;
  let k = body.indexOf('[', 1);
  while (k > 0) {
    if (timestampAt(body, k) || callerAt(body, k)) (out ??= []).push(k);
    k = body.indexOf('[', k + 1);
  }
  return out ?? NONE;
}
const NONE: number[] = [];

/**
 * Cut a console line into kernel messages: at CRs, and before each printk
 * timestamp embedded after the start (`calling  foo @ 1[    1.2] other`).
 */
function splitMessages(line: string): Prefix[] {
  if (line.indexOf('\r') < 0) {
    const pre = parsePrefix(line);
    if (pre.body.indexOf('[', 1) < 0) return [pre];
  }
  const out: Prefix[] = [];
  const segments = line.indexOf('\r') >= 0 ? line.split('\r') : [line];
  for (const seg of segments) {
    if (seg === '') continue;
    const pre = parsePrefix(seg);
    const cuts = embeddedTimestamps(pre.body);
    if (cuts === NONE) {
      out.push(pre);
      continue;
    }
    const headLen = seg.length - pre.body.length;
    let from = 0;
    for (const c of cuts) {
      if (c > from) out.push(parsePrefix(seg.slice(from === 0 ? 0 : headLen + from, headLen + c)));
      from = c;
    }
    out.push(parsePrefix(seg.slice(headLen + from)));
  }
  return out;
}

function stripAnsi(s: string): string {
  return s.indexOf('\x1b') >= 0 ? s.replace(ANSI_RE, '') : s;
}

// Words of every line the parser extracts something from: lines without any are skipped unread.
const RELEVANT_RE =
  /initcall|calling|probe|returned|async_|Linux version|ommand line|Freeing unused kernel|init process|secondary CPUs/;

// ---------------------------------------------------------------------------

type Parsed =
  | { kind: 'call'; token: string; module?: string; pid?: number; trailing: string }
  | { kind: 'ret'; token: string; module?: string; ret?: number; us: number }
  | { kind: 'probe'; device: string; driver?: string; ret: number; us: number }
  | { kind: 'wait'; pid: number }
  | { kind: 'cont'; pid: number; us: number }
  | { kind: 'level'; name: string }
  | { kind: 'fragment'; text: string }
  | { kind: 'ignored' };

/** Recognize one message body (prefix already removed). No side effects. */
function recognize(body: string): Parsed | undefined {
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

interface FnRef {
  fn: string;
  /** Matching key without the module: `fn`, or `N_fn` for async work. */
  key: string;
  address?: string;
  async: boolean;
  cookie?: number;
  stubLevel?: InitcallLevel;
}

// ---------------------------------------------------------------------------

interface Range {
  start: number; // char offset of the first line to parse
  end: number; // char offset where parsing stops
  firstLine: number; // 1-based number of the line at `start`
}

/** 1-based line number of char offset `off`. */
function lineOf(text: string, off: number, from = 0, fromLine = 1): number {
  let line = fromLine;
  let k = text.indexOf('\n', from);
  while (k >= 0 && k < off) {
    line++;
    k = text.indexOf('\n', k + 1);
  }
  return line;
}

function lineStartOf(text: string, off: number): number {
  return text.lastIndexOf('\n', off - 1) + 1;
}

function lineEndOf(text: string, off: number): number {
  const e = text.indexOf('\n', off);
  return e < 0 ? text.length : e;
}

/** The marker line: exactly the marker once ANSI and CR are gone (not `+ echo MARKER`). */
function findMarker(text: string, marker: string, from: number): number {
  let k = text.indexOf(marker, from);
  let fallback = -1;
  while (k >= 0) {
    const ls = lineStartOf(text, k);
    const line = stripAnsi(text.slice(ls, lineEndOf(text, k))).trim();
    if (line === marker) return ls;
    if (fallback < 0 && !line.includes('echo')) fallback = ls;
    k = text.indexOf(marker, k + marker.length);
  }
  return fallback;
}

function countOccurrences(text: string, needle: string, start: number, end: number): number {
  let n = 0;
  let k = text.indexOf(needle, start);
  while (k >= 0 && k < end) {
    n++;
    k = text.indexOf(needle, k + needle.length);
  }
  return n;
}

function selectRange(text: string, warnings: ParseWarning[]): Range {
  const begin = findMarker(text, DMESG_BEGIN_MARKER, 0);
  if (begin >= 0) {
    const beginLine = lineOf(text, begin);
    const start = lineEndOf(text, begin) + 1;
    const endMarker = findMarker(text, DMESG_END_MARKER, start);
    if (endMarker < 0) {
      warnings.push({
        line: beginLine,
        message: `${DMESG_BEGIN_MARKER} without ${DMESG_END_MARKER}: the dmesg dump is truncated`,
      });
    }
    return { start: Math.min(start, text.length), end: endMarker < 0 ? text.length : endMarker, firstLine: beginLine + 1 };
  }

  // Several boots in one input (journalctl without -b, a capture with a reboot, a bare dmesg dump).
  const boots: number[] = [];
  let k = text.indexOf('Linux version ');
  while (k >= 0) {
    const ls = lineStartOf(text, k);
    // Genuine when it starts a message (after a prefix, possibly after interleaved output).
    const raw = stripAnsi(text.slice(ls, lineEndOf(text, k)));
    if (splitMessages(raw).some((m) => m.body.startsWith('Linux version '))) boots.push(ls);
    k = text.indexOf('Linux version ', lineEndOf(text, k));
  }
  if (boots.length <= 1) return { start: 0, end: text.length, firstLine: 1 };
  const cuts = [0, ...boots.slice(1), text.length];
  let best = 0;
  let bestCount = -1;
  for (let i = 0; i + 1 < cuts.length; i++) {
    const c = countOccurrences(text, 'calling  ', cuts[i], cuts[i + 1]);
    if (c >= bestCount) {
      best = i;
      bestCount = c;
    }
  }
  const lines = boots.map((b) => lineOf(text, b));
  const firstLine = best === 0 ? 1 : lineOf(text, cuts[best]);
  warnings.push({
    line: lines[best] ?? firstLine,
    message: `input holds ${boots.length} boots (Linux version at lines ${lines.join(', ')}); parsed only the one at line ${lines[best]}`,
  });
  return { start: cuts[best], end: cuts[best + 1], firstLine };
}

// ---------------------------------------------------------------------------

export function parseBootLog(text: string, options: ParseOptions = {}): ParsedBoot {
  const source = options.source ?? '<log>';
  const symbols = options.symbols;
  const warnings: ParseWarning[] = [];
  const initcalls: InitcallRecord[] = [];
  const probes: ProbeRecord[] = [];
  const asyncWaits: AsyncWaitRecord[] = [];
  const landmarks: ParsedBoot['landmarks'] = {};
  let kernelVersion: string | undefined;
  let kernelRelease: string | undefined;
  let commandLine: string | undefined;
  let commandLineIsKernel = false;
  let hasTimestamps = false;

  /** Open (not yet returned) initcalls: key → stack of indices into initcalls. */
  const open = new Map<string, number[]>();
  /** Open synchronous initcalls in start order, for attaching probes. */
  const openSync: number[] = [];
  const openWaits = new Map<number, number>();
  let currentLevel: InitcallLevel | undefined;
  let sawLevelLines = false;
  let builtinsDone = false; // after `Freeing unused kernel` / `Run /init`: no more built-in initcalls
  let smpLine: number | undefined;
  let unresolvedWarned = false;

  const resolveCache = new Map<string, FnRef>();
  function resolve(token: string, lineNo: number): FnRef {
    const hit = resolveCache.get(token);
    if (hit) return hit;
    let t = token;
    let async = false;
    let cookie: number | undefined;
    const am = ASYNC_TOKEN_RE.exec(t);
    if (am) {
      async = true;
      cookie = Number(am[1]);
      t = am[2];
    }
    const plus = t.indexOf('+');
    let fn = plus > 0 ? t.slice(0, plus) : t;
    let address: string | undefined;
    let stubLevel: InitcallLevel | undefined;
    if (BARE_ADDR_RE.test(fn)) {
      address = fn;
      const sym = symbols?.lookup(BigInt(fn));
      if (sym) {
        fn = sym.offset === 0n ? sym.name : `${sym.name}+0x${sym.offset.toString(16)}`;
      } else if (!unresolvedWarned) {
        unresolvedWarned = true;
        warnings.push({
          line: lineNo,
          message: symbols
            ? `address ${address} is not in the System.map (wrong map for this kernel?)`
            : `bare address ${address} (kernel without CONFIG_KALLSYMS): pass --system-map to resolve names`,
        });
      }
    }
    if (fn.startsWith('__initstub__kmod_')) {
      const ic = parseInitcallSymbol(fn);
      if (ic) {
        fn = ic.fn;
        stubLevel = ic.level;
      }
    }
    const ref: FnRef = { fn, key: async ? `${cookie}_${fn}` : fn, address, async, cookie, stubLevel };
    resolveCache.set(token, ref);
    return ref;
  }
  const keyOf = (ref: FnRef, module?: string) => (module ? `${ref.key} [${module}]` : ref.key);

  function removeOpenSync(idx: number) {
    for (let i = openSync.length - 1; i >= 0; i--) {
      if (openSync[i] === idx) {
        openSync.splice(i, 1);
        return;
      }
    }
  }

  function callerPid(caller?: string): number | undefined {
    return caller && caller[0] === 'T' ? Number(caller.slice(1)) : undefined;
  }

  /** A plain `fn+0x0/0x1c` token needs no cache: most tokens in a log are. */
  function refOf(token: string, lineNo: number): FnRef {
    const c = token.charCodeAt(0);
    if (c >= 97 /* a */ ? c <= 122 : c === 95 /* _ */ || (c >= 65 && c <= 90)) {
      if (!(c === 95 && token.startsWith('__initstub__'))) {
        const plus = token.indexOf('+');
        const fn = plus > 0 ? token.slice(0, plus) : token;
        return { fn, key: fn, async: false };
      }
    }
    return resolve(token, lineNo);
  }

  function openCall(token: string, module: string | undefined, pid: number | undefined, lineNo: number, ts: number | undefined) {
    const ref = refOf(token, lineNo);
    let level: InitcallLevel | undefined;
    if (!ref.async) {
      if (module) level = 'module';
      else if (currentLevel && !builtinsDone) level = currentLevel;
      else level = ref.stubLevel ?? symbols?.levelOf?.(ref.fn);
    }
    const rec: InitcallRecord = { fn: ref.fn, async: ref.async, complete: false, callLine: lineNo, probes: [] };
    if (module !== undefined) rec.module = module;
    if (ref.address !== undefined) rec.address = ref.address;
    if (pid !== undefined) rec.pid = pid;
    if (ref.cookie !== undefined) rec.asyncCookie = ref.cookie;
    if (level !== undefined) rec.level = level;
    if (ts !== undefined) rec.startTimeUs = ts;
    const idx = initcalls.push(rec) - 1;
    const key = keyOf(ref, module);
    const stack = open.get(key);
    if (stack) stack.push(idx);
    else open.set(key, [idx]);
    if (!ref.async) openSync.push(idx);
  }

  function closeCall(
    token: string,
    module: string | undefined,
    ret: number | undefined,
    us: number,
    lineNo: number,
    ts: number | undefined,
    caller: string | undefined,
  ) {
    const ref = refOf(token, lineNo);
    const stack = open.get(keyOf(ref, module));
    let pos = -1;
    if (stack && stack.length > 0) {
      pos = stack.length - 1;
      const pid = callerPid(caller);
      if (pid !== undefined) {
        for (let i = stack.length - 1; i >= 0; i--) {
          if (initcalls[stack[i]].pid === pid) {
            pos = i;
            break;
          }
        }
      }
    }
    if (pos < 0) {
      warnings.push({
        line: lineNo,
        message: `initcall ${token}${module ? ` [${module}]` : ''} returned without a matching calling line`,
      });
      return;
    }
    const idx = pos === stack!.length - 1 ? stack!.pop()! : stack!.splice(pos, 1)[0];
    const rec = initcalls[idx];
    rec.complete = true;
    rec.returnLine = lineNo;
    rec.durationUs = us;
    if (ret !== undefined) rec.ret = ret;
    if (ts !== undefined) rec.endTimeUs = ts;
    if (!rec.async) removeOpenSync(idx);
  }

  /**
   * Fast path for the common exact forms `[   t] calling  fn+0x0/0x1c @ 1` and
   * `[   t] initcall fn+0x0/0x1c returned 0 after 5 usecs` (optional `<N>`
   * prefix and `[mod]` tag). Anything else, even slightly, goes the general way.
   */
  function fastLine(line: string, start: number, n: number, lineNo: number): boolean {
    // `line` is the whole text; the line is [start, n). Literals below hold no \n, so no match crosses n.
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
    const sp = line.indexOf(' ', i);
    if (sp < 0 || sp >= n) return false;
    const token = line.slice(i, sp);
    if (token.indexOf('\x1b') >= 0 || token.indexOf('[') >= 0) return false;
    let q = sp;
    let module: string | undefined;
    if (line.charCodeAt(q + 1) === 91 /* [ */) {
      const close = line.indexOf(']', q + 2);
      if (close < 0 || close >= n) return false;
      module = line.slice(q + 2, close);
      if (module === '' || module.indexOf(' ') >= 0 || module.indexOf('\x1b') >= 0) return false;
      q = close + 1;
    }
    if (isCall) {
      if (!line.startsWith(' @ ', q)) return false;
      q += 3;
      const p0 = q;
      let pid = 0;
      for (let c = line.charCodeAt(q); isDigit(c); c = line.charCodeAt(++q)) pid = pid * 10 + (c - 48);
      if (q === p0 || q !== n) return false;
      hasTimestamps = true;
      openCall(token, module, pid, lineNo, ts);
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
    hasTimestamps = true;
    closeCall(token, module, ret, us, lineNo, ts, undefined);
    return true;
  }

  function apply(p: Parsed, lineNo: number, ts: number | undefined, caller: string | undefined) {
    switch (p.kind) {
      case 'call':
        openCall(p.token, p.module, p.pid, lineNo, ts);
        return;
      case 'ret':
        closeCall(p.token, p.module, p.ret, p.us, lineNo, ts, caller);
        return;
      case 'probe': {
        const probe: ProbeRecord = {
          device: p.device,
          ...(p.driver !== undefined && { driver: p.driver }),
          ret: p.ret,
          durationUs: p.us,
          ...(ts !== undefined && { timeUs: ts }),
          line: lineNo,
        };
        // Nested in the innermost open synchronous initcall (of the same task when PRINTK_CALLER tells).
        // A `[C0]` caller printed outside any task: it ran in no initcall.
        // A probe that began before the initcall did (beyond a jiffy of timer granularity) is not its.
        const pid = callerPid(caller);
        const began = ts !== undefined ? ts - p.us : undefined;
        for (let i = caller?.[0] === 'C' ? -1 : openSync.length - 1; i >= 0; i--) {
          const rec = initcalls[openSync[i]];
          if (began !== undefined && rec.startTimeUs !== undefined && began < rec.startTimeUs - JIFFY_SLACK_US) continue;
          if (pid === undefined || rec.pid === pid) {
            probe.initcallIndex = openSync[i];
            rec.probes.push(probe);
            break;
          }
        }
        probes.push(probe);
        return;
      }
      case 'wait': {
        const idx =
          asyncWaits.push({ pid: p.pid, line: lineNo, ...(ts !== undefined && { startTimeUs: ts }) }) - 1;
        openWaits.set(p.pid, idx);
        return;
      }
      case 'cont': {
        const idx = openWaits.get(p.pid);
        if (idx !== undefined) {
          asyncWaits[idx].durationUs = p.us;
          openWaits.delete(p.pid);
        } else {
          asyncWaits.push({
            pid: p.pid,
            durationUs: p.us,
            line: lineNo,
            ...(ts !== undefined && { startTimeUs: ts - p.us }),
          });
        }
        return;
      }
      case 'level': {
        const level = levelFromName(p.name);
        sawLevelLines = true;
        if (level) currentLevel = level;
        else warnings.push({ line: lineNo, message: `unknown initcall level "${p.name}"` });
        return;
      }
      default:
        return;
    }
  }

  function landmark(body: string, lineNo: number, ts: number | undefined) {
    const b = body.charCodeAt(0) === 32 ? body.trimStart() : body;
    const c = b.charCodeAt(0);
    if (c === 76 /* L */ && b.startsWith('Linux version ')) {
      if (kernelVersion === undefined) {
        kernelVersion = b.slice('Linux version '.length).trim();
        kernelRelease = kernelVersion.split(' ')[0];
        if (ts !== undefined) landmarks.kernelEntryUs = ts;
      }
    } else if (c === 75 /* K */ && b.startsWith('Kernel command line: ')) {
      if (!commandLineIsKernel) {
        commandLine = b.slice('Kernel command line: '.length).trim();
        commandLineIsKernel = true;
      }
    } else if (c === 67 /* C */ && b.startsWith('Command line: ')) {
      if (commandLine === undefined) commandLine = b.slice('Command line: '.length).trim();
    } else if (c === 70 /* F */ && b.startsWith('Freeing unused kernel')) {
      builtinsDone = true;
      if (landmarks.freeingInitMemUs === undefined && ts !== undefined) landmarks.freeingInitMemUs = ts;
    } else if (c === 82 /* R */ && RUN_INIT_RE.test(b)) {
      builtinsDone = true;
      if (landmarks.runInitUs === undefined && ts !== undefined) landmarks.runInitUs = ts;
    } else if (c === 115 /* s */ && b.startsWith('smp: Bringing up secondary CPUs')) {
      smpLine ??= lineNo;
    }
  }

  // A message whose record was cut by a newline/CR; joined with what follows.
  let pending: { text: string; line: number; ts?: number; caller?: string; age: number } | undefined;
  let prev: { body: string; line: number; ts?: number; caller?: string; recognized: boolean } | undefined;
  // The previous line when it was skipped by the relevance pre-check (for `initc` / `all foo… returned…`).
  let prevRawStart = -1; // [start, end) offsets in text; -1: none
  let prevRawEnd = 0;
  let prevRawLine = 0;

  function giveUp() {
    if (!pending) return;
    const p = pending;
    pending = undefined;
    if (p.text.startsWith('calling  ')) {
      // The function name is whole once `+0x…` or a space follows it: keep the call (a hang shows this way).
      const rest = p.text.slice('calling  '.length);
      const token = rest.split(' ')[0];
      if (token.includes('+') || rest.includes(' ')) {
        const module = /^\S+ \[([^\]\s]+)\]/.exec(rest)?.[1];
        apply({ kind: 'call', token: token.split('+')[0], module, trailing: '' }, p.line, p.ts, p.caller);
        warnings.push({ line: p.line, message: `truncated calling line, PID unknown: ${JSON.stringify(p.text)}` });
        return;
      }
    }
    warnings.push({ line: p.line, message: `truncated or interleaved initcall_debug line: ${JSON.stringify(p.text)}` });
  }

  /** Handle one message (one record's text, prefix included). */
  function message(pre: Prefix, lineNo: number) {
    if (pre.ts !== undefined) hasTimestamps = true;
    let body = pre.body;
    const ts = pre.ts;
    const caller = pre.caller;

    if (pending) {
      if (!pre.prefixed) {
        const joined = recognize(pending.text + body);
        if (joined && joined.kind !== 'fragment' && joined.kind !== 'ignored') {
          const p = pending;
          pending = undefined;
          apply(joined, p.line, p.ts, p.caller);
          prev = { body, line: lineNo, ts, caller, recognized: true };
          return;
        }
        if (joined?.kind === 'fragment') {
          pending.text = joined.text;
          pending.age++;
          if (pending.age > MAX_FRAGMENT_AGE) giveUp();
          return;
        }
        giveUp();
      } else if (++pending.age > MAX_FRAGMENT_AGE) {
        giveUp();
      }
    }

    let r = recognize(body);
    if (!prev && prevRawStart >= 0 && prevRawLine === lineNo - 1) {
      const pp = parsePrefix(stripAnsi(text.slice(prevRawStart, prevRawEnd)));
      prev = { body: pp.body, line: prevRawLine, ts: pp.ts, caller: pp.caller, recognized: false };
    }
    prevRawStart = -1;
    if (r === undefined && prev && !prev.recognized && (body.indexOf('returned') >= 0 || body.indexOf(' @ ') >= 0)) {
      // The keyword itself was cut: `initc` / `all foo+0x0/0x1c returned 0 after 3 usecs`.
      const joined = recognize(prev.body + body);
      if (joined && joined.kind !== 'fragment' && joined.kind !== 'ignored') {
        apply(joined, prev.line, prev.ts, prev.caller);
        prev = { body, line: lineNo, ts, caller, recognized: true };
        return;
      }
    }
    if (r === undefined) {
      landmark(body, lineNo, ts);
    } else if (r.kind === 'fragment') {
      if (pending) giveUp();
      pending = { text: r.text, line: lineNo, ts, caller, age: 0 };
    } else {
      apply(r, lineNo, ts, caller);
      // `calling  foo @ 1other output`: without a timestamp to split on, look at the rest.
      while (r?.kind === 'call' && r.trailing.trim() !== '') {
        body = r.trailing;
        r = recognize(body);
        if (r === undefined || r.kind === 'ignored') landmark(body, lineNo, ts);
        else if (r.kind === 'fragment') pending = { text: r.text, line: lineNo, ts, caller, age: 0 };
        else apply(r, lineNo, ts, caller);
      }
    }
    prev = { body, line: lineNo, ts, caller, recognized: r !== undefined };
  }

  const range = selectRange(text, warnings);
  let lineNo = range.firstLine - 1;
  let pos = range.start;
  const end = range.end;
  // Offset of the next relevant keyword at or after the current line (-1: none left),
  // found by one regex scan over the text rather than a test per line.
  const relevantRe = new RegExp(RELEVANT_RE.source, 'g');
  let nextRelevant = -2;
  while (pos < end) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0 || nl > end) nl = end;
    const ls = pos;
    let le = nl;
    pos = nl + 1;
    lineNo++;
    if (le > ls && text.charCodeAt(le - 1) === 13) le--;
    if (!pending) {
      if (fastLine(text, ls, le, lineNo)) {
        prev = undefined;
        prevRawStart = -1;
        continue;
      }
      if (nextRelevant !== -1 && nextRelevant < ls) {
        relevantRe.lastIndex = ls;
        const m = relevantRe.exec(text);
        nextRelevant = m ? m.index : -1;
      }
      if (nextRelevant === -1 || nextRelevant >= le) {
        prev = undefined;
        prevRawStart = ls;
        prevRawEnd = le;
        prevRawLine = lineNo;
        continue;
      }
    }
    const line = text.slice(ls, le);
    const msgs = splitMessages(stripAnsi(line));
    for (let i = 0; i < msgs.length; i++) message(msgs[i], lineNo);
  }
  if (pending) giveUp();

  // Count every line of the input, not only the parsed range.
  let lineCount = 0;
  if (text.length > 0) {
    let k = text.indexOf('\n');
    while (k >= 0) {
      lineCount++;
      k = text.indexOf('\n', k + 1);
    }
    if (!text.endsWith('\n')) lineCount++;
  }

  for (const rec of initcalls) {
    if (!rec.complete) {
      warnings.push({
        line: rec.callLine,
        message: `calling ${rec.fn}${rec.module ? ` [${rec.module}]` : ''} never returned (hang or truncated log)`,
      });
    }
  }

  // Early initcalls run in do_pre_smp_initcalls(), right before smp_init()
  // prints "smp: Bringing up secondary CPUs ..." (init/main.c
  // kernel_init_freeable); no other initcall runs before it.
  if (!sawLevelLines && smpLine !== undefined) {
    for (const rec of initcalls) {
      if (rec.callLine >= smpLine) break;
      if (rec.level === undefined && !rec.async && rec.module === undefined && rec.pid === 1) rec.level = 'early';
    }
  }

  // console_initcall()s run in start_kernel() as PID 0 (`calling  con_init+0x0/0x22c @ 0`), long
  // before kernel_init runs the others: they count in the total but do not open the initcall
  // window, or start_kernel()'s own work would show as time outside initcalls.
  const onlyPid0 = initcalls.every((r) => r.pid === 0);
  const windowed = (rec: InitcallRecord) => rec.pid !== 0 || onlyPid0;
  let totalInitcallUs = 0;
  const intervals: Array<[number, number]> = [];
  for (const rec of initcalls) {
    if (rec.async) continue;
    if (!windowed(rec)) {
      if (rec.complete) totalInitcallUs += rec.durationUs ?? 0;
      continue;
    }
    if (rec.startTimeUs !== undefined) {
      if (landmarks.firstInitcallUs === undefined || rec.startTimeUs < landmarks.firstInitcallUs) {
        landmarks.firstInitcallUs = rec.startTimeUs;
      }
    }
    if (!rec.complete) continue;
    totalInitcallUs += rec.durationUs ?? 0;
    if (rec.endTimeUs !== undefined) {
      if (landmarks.lastInitcallUs === undefined || rec.endTimeUs > landmarks.lastInitcallUs) {
        landmarks.lastInitcallUs = rec.endTimeUs;
      }
      if (rec.startTimeUs !== undefined) intervals.push([rec.startTimeUs, rec.endTimeUs]);
    }
  }
  let outsideInitcallUs: number | undefined;
  if (intervals.length > 0) {
    intervals.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let covered = 0;
    let [curS, curE] = intervals[0];
    const spanStart = curS;
    let spanEnd = curE;
    for (let i = 1; i < intervals.length; i++) {
      const [s, e] = intervals[i];
      spanEnd = Math.max(spanEnd, e);
      if (s > curE) {
        covered += curE - curS;
        curS = s;
        curE = e;
      } else if (e > curE) {
        curE = e;
      }
    }
    covered += curE - curS;
    outsideInitcallUs = spanEnd - spanStart - covered;
  }

  warnings.sort((a, b) => a.line - b.line);
  return {
    source,
    ...(kernelVersion !== undefined && { kernelVersion }),
    ...(kernelRelease !== undefined && { kernelRelease }),
    ...(commandLine !== undefined && { commandLine }),
    hasTimestamps,
    initcalls,
    probes,
    asyncWaits,
    landmarks,
    totalInitcallUs,
    ...(outsideInitcallUs !== undefined && { outsideInitcallUs }),
    warnings,
    lineCount,
  };
}
