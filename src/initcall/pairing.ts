/**
 * Stage 3 of the boot-log parser: pairing `calling` with `returned` lines,
 * nesting probes in their initcall, pairing async waits, and noting the
 * landmarks (`Linux version`, `Freeing unused kernel`, `Run /init`). Takes
 * records from the framing stage (framing.ts) one at a time, in line order;
 * holds the state of one boot. Pure: no I/O.
 */
import type { AsyncWaitRecord, BootLandmarks, InitcallLevel, InitcallRecord, ParseWarning, ProbeRecord, SymbolMap } from './types.js';
import { levelFromName, parseInitcallSymbol } from './levels.js';
import type { Parsed } from './grammar.js';

/** Early-boot durations are counted in jiffies (HZ=100 at worst): tolerance when checking a probe fits its initcall. */
export const JIFFY_SLACK_US = 10_000;
/**
 * How far a timestamp may sit out of order before it counts as contradicted:
 * printk order across CPUs and jiffy-counted early clocks stay well inside it.
 */
export const TIMESTAMP_SLACK_US = JIFFY_SLACK_US;

const ASYNC_TOKEN_RE = /^(\d+)_(.+)$/;
const BARE_ADDR_RE = /^0x[0-9a-f]{8,16}$/;
const RUN_INIT_RE = /^Run (\S+) as init process/;

interface FnRef {
  fn: string;
  /** Matching key without the module: `fn`, or `N_fn` for async work. */
  key: string;
  address?: string;
  async: boolean;
  cookie?: number;
  stubLevel?: InitcallLevel;
  /** 0x1c of `fn+0x0/0x1c`: tells apart two static functions of one name. */
  size?: number;
}

/** Everything one boot's records add up to, before the boot-level figures (figures.ts). */
export interface PairedBoot {
  kernelVersion?: string;
  kernelRelease?: string;
  commandLine?: string;
  hasTimestamps: boolean;
  initcalls: InitcallRecord[];
  probes: ProbeRecord[];
  asyncWaits: AsyncWaitRecord[];
  landmarks: BootLandmarks;
  /** Line numbers of the landmarks found in the log (the line of the `calling` for initcalls). */
  landmarkLines: Partial<Record<keyof BootLandmarks, number>>;
  warnings: ParseWarning[];
  sawLevelLines: boolean;
  /** Line of `smp: Bringing up secondary CPUs`: early initcalls run before it. */
  smpLine?: number;
  /** Some record timestamp went back (beyond the slack) from the one before it: figures.ts looks closer. */
  disordered: boolean;
  /** Record timestamps in arrival (line) order, read by figures.ts when `disordered`. */
  stamps: Stamps;
}

/**
 * Typed parallel arrays (cheap to fill on every record): the line, the µs, and
 * whose: initcall index × 4 + 0 (start) or + 1 (end), probe index × 4 + 2.
 */
export interface Stamps {
  count: number;
  lines: Int32Array;
  us: Float64Array;
  refs: Int32Array;
}

/**
 * `0x1c` of a plain `fn+0x0/0x1c` (the token s[…, n), its `+` at `plus`, -1:
 * none) as a number, when there is one (no regex, no string: most tokens are plain).
 */
function sizeOf(s: string, plus: number, n: number): number | undefined {
  if (plus < 0) return undefined;
  const slash = s.indexOf('/0x', plus);
  if (slash < 0 || slash + 3 > n) return undefined;
  let v = 0;
  for (let i = slash + 3; i < n; i++) {
    const c = s.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0 || i - slash > 16) return undefined;
    v = v * 16 + d;
  }
  return slash + 3 < n ? v : undefined;
}

/**
 * The commonest record as it is opened (openCall). A constructor, not an object
 * literal: V8 moves an object literal whose objects all survive to old-space
 * allocation (pretenuring), measured 1.5-2 × slower for the parser than the young
 * allocation `new` gets. Its prototype is Object.prototype, so what it makes is
 * a plain object, as the literal made it (same keys, same order).
 */
const OpenRecord = function (
  this: InitcallRecord,
  fn: string,
  callLine: number,
  size: number,
  pid: number,
  level: InitcallLevel | undefined,
  startTimeUs: number,
) {
  this.fn = fn;
  this.async = false;
  this.complete = false;
  this.callLine = callLine;
  this.probes = [];
  this.size = size;
  this.pid = pid;
  if (level !== undefined) this.level = level;
  this.startTimeUs = startTimeUs;
  this.returnLine = undefined;
  this.durationUs = undefined;
  this.ret = undefined;
  this.endTimeUs = undefined;
} as unknown as new (
  fn: string,
  callLine: number,
  size: number,
  pid: number,
  level: InitcallLevel | undefined,
  startTimeUs: number,
) => InitcallRecord;
OpenRecord.prototype = Object.prototype;

export class Pairing {
  readonly boot: PairedBoot = {
    hasTimestamps: false,
    initcalls: [],
    probes: [],
    asyncWaits: [],
    landmarks: {},
    landmarkLines: {},
    warnings: [],
    sawLevelLines: false,
    disordered: false,
    stamps: { count: 0, lines: new Int32Array(1024), us: new Float64Array(1024), refs: new Int32Array(1024) },
  };
  private commandLineIsKernel = false;
  /**
   * Open (not yet returned) initcalls: key → the newest one's index into
   * initcalls (-1: none), the older ones of that key chained through
   * openBelow[index]. A stack per key without an array per key: a stack array
   * emptied and refilled on every call would reallocate its store each time.
   */
  private readonly open = new Map<string, number>();
  /** For each initcall entered in `open`: the next older open initcall of its key, or -1 (read only while it is open). */
  private openBelow = new Int32Array(1024);
  /**
   * Open synchronous initcalls in start order, for attaching probes: the first
   * openSyncCount entries. A count, not push/pop: an array popped to empty gives
   * its store back and the next push allocates a new one, on every call.
   */
  private readonly openSync: number[] = [];
  private openSyncCount = 0;
  private readonly openWaits = new Map<number, number>();
  private currentLevel: InitcallLevel | undefined;
  /** After `Freeing unused kernel` / `Run /init`: no more built-in initcalls. */
  private builtinsDone = false;
  private unresolvedWarned = false;
  private readonly resolveCache = new Map<string, FnRef>();

  constructor(private readonly symbols?: SymbolMap) {}

  private prevStampUs = -Infinity;
  /** Note a record timestamp: in a sane log they never go back. */
  private stamp(line: number, us: number, ref: number): void {
    if (us < this.prevStampUs - TIMESTAMP_SLACK_US) this.boot.disordered = true;
    this.prevStampUs = us;
    let st = this.boot.stamps;
    if (st.count === st.lines.length) st = this.growStamps();
    const i = st.count++;
    st.lines[i] = line;
    st.us[i] = us;
    st.refs[i] = ref;
  }

  private growStamps(): Stamps {
    const st = this.boot.stamps;
    const n = st.lines.length * 2;
    const lines = new Int32Array(n);
    const us = new Float64Array(n);
    const refs = new Int32Array(n);
    lines.set(st.lines);
    us.set(st.us);
    refs.set(st.refs);
    this.boot.stamps = { count: st.count, lines, us, refs };
    return this.boot.stamps;
  }

  warn(line: number, message: string): void {
    this.boot.warnings.push({ line, message });
  }

  private resolve(token: string, lineNo: number): FnRef {
    const hit = this.resolveCache.get(token);
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
    const size = sizeOf(t, plus, t.length);
    let address: string | undefined;
    let stubLevel: InitcallLevel | undefined;
    if (BARE_ADDR_RE.test(fn)) {
      address = fn;
      const sym = this.symbols?.lookup(BigInt(fn));
      if (sym) {
        fn = sym.offset === 0n ? sym.name : `${sym.name}+0x${sym.offset.toString(16)}`;
      } else if (!this.unresolvedWarned) {
        this.unresolvedWarned = true;
        this.warn(
          lineNo,
          this.symbols
            ? `address ${address} is not in the System.map (wrong map for this kernel?)`
            : `bare address ${address} (kernel without CONFIG_KALLSYMS): pass --system-map to resolve names`,
        );
      }
    }
    if (fn.startsWith('__initstub__kmod_')) {
      const ic = parseInitcallSymbol(fn);
      if (ic) {
        fn = ic.fn;
        stubLevel = ic.level;
      }
    }
    const ref: FnRef = { fn, key: async ? `${cookie}_${fn}` : fn, address, async, cookie, stubLevel, size };
    this.resolveCache.set(token, ref);
    return ref;
  }

  /** What refOf() returns for a plain token: refilled on each call, read before the next one (no object per line). */
  private readonly plainRef: FnRef = {
    fn: '',
    key: '',
    address: undefined,
    async: false,
    cookie: undefined,
    stubLevel: undefined,
    size: undefined,
  };

  /**
   * The token s[start, end). A plain `fn+0x0/0x1c` needs no cache (most tokens
   * in a log are) and no string of its own: only `fn` is cut out of the line.
   */
  private refOf(s: string, start: number, end: number, lineNo: number): FnRef {
    const c = s.charCodeAt(start);
    if (start < end && (c >= 97 /* a */ ? c <= 122 : c === 95 /* _ */ || (c >= 65 && c <= 90))) {
      if (!(c === 95 && s.startsWith('__initstub__', start))) {
        let plus = start + 1;
        while (plus < end && s.charCodeAt(plus) !== 43 /* + */) plus++;
        if (plus === end) plus = -1;
        const ref = this.plainRef;
        ref.fn = ref.key = plus >= 0 ? s.slice(start, plus) : tokenOf(s, start, end);
        ref.size = sizeOf(s, plus, end);
        return ref;
      }
    }
    return this.resolve(tokenOf(s, start, end), lineNo);
  }

  private static keyOf(ref: FnRef, module?: string): string {
    return module ? `${ref.key} [${module}]` : ref.key;
  }

  private removeOpenSync(idx: number): void {
    // Usually the last one; shifted down by hand (splice would allocate the removed part).
    const openSync = this.openSync;
    const n = this.openSyncCount;
    for (let i = n - 1; i >= 0; i--) {
      if (openSync[i] === idx) {
        for (let j = i + 1; j < n; j++) openSync[j - 1] = openSync[j];
        this.openSyncCount = n - 1;
        return;
      }
    }
  }

  /**
   * The newest call, not yet entered in `open`: its `returned` line usually
   * comes next, and then the pair costs no map lookup at all (pendingIdx -1: none).
   */
  private pendingIdx = -1;
  /** Its token: pendingLine[pendingStart, pendingEnd). */
  private pendingLine = '';
  private pendingStart = 0;
  private pendingEnd = 0;
  private pendingModule: string | undefined;
  private pendingKey = '';

  /** Enter the pending call in `open`, on top of its key's stack. */
  private flushPending(): void {
    const idx = this.pendingIdx;
    if (idx < 0) return;
    this.pendingIdx = -1;
    if (idx >= this.openBelow.length) {
      const grown = new Int32Array(Math.max(idx + 1, this.openBelow.length * 2));
      grown.set(this.openBelow);
      this.openBelow = grown;
    }
    this.openBelow[idx] = this.open.get(this.pendingKey) ?? -1;
    this.open.set(this.pendingKey, idx);
  }

  /** A `calling` line whose token is line[start, end) (the fast path passes the whole log line, the grammar the token). */
  openCall(
    line: string,
    start: number,
    end: number,
    module: string | undefined,
    pid: number | undefined,
    lineNo: number,
    ts: number | undefined,
  ): void {
    this.flushPending();
    const ref = this.refOf(line, start, end, lineNo);
    let level: InitcallLevel | undefined;
    if (!ref.async) {
      if (module) level = 'module';
      else if (this.currentLevel && !this.builtinsDone) level = this.currentLevel;
      else level = ref.stubLevel ?? this.symbols?.levelOf?.(ref.fn);
    }
    let rec: InitcallRecord;
    if (
      module === undefined &&
      ref.address === undefined &&
      ref.size !== undefined &&
      pid !== undefined &&
      !ref.async &&
      ts !== undefined
    ) {
      // The commonest record, built in one go with the keys the general way below
      // would add, in the same order, plus the four its `returned` line fills in (then
      // in place: no property added, no second object). finish() removes those four
      // from a call that never returned, so the record ends exactly as the general way.
      rec = new OpenRecord(ref.fn, lineNo, ref.size, pid, level, ts);
    } else {
      rec = { fn: ref.fn, async: ref.async, complete: false, callLine: lineNo, probes: [] };
      if (module !== undefined) rec.module = module;
      if (ref.address !== undefined) rec.address = ref.address;
      if (ref.size !== undefined) rec.size = ref.size;
      if (pid !== undefined) rec.pid = pid;
      if (ref.cookie !== undefined) rec.asyncCookie = ref.cookie;
      if (level !== undefined) rec.level = level;
      if (ts !== undefined) rec.startTimeUs = ts;
    }
    const idx = this.boot.initcalls.push(rec) - 1;
    if (ts !== undefined) {
      this.boot.hasTimestamps = true;
      this.stamp(lineNo, ts, idx * 4);
    }
    this.pendingIdx = idx;
    this.pendingLine = line;
    this.pendingStart = start;
    this.pendingEnd = end;
    this.pendingModule = module;
    this.pendingKey = Pairing.keyOf(ref, module);
    if (!ref.async) this.openSync[this.openSyncCount++] = idx;
  }

  /** An `initcall … returned` line whose token is line[start, end). */
  closeCall(
    line: string,
    start: number,
    end: number,
    module: string | undefined,
    ret: number | undefined,
    us: number,
    lineNo: number,
    ts: number | undefined,
    caller: string | undefined,
  ): void {
    const initcalls = this.boot.initcalls;
    const wantPid = callerPid(caller);
    let idx = this.pendingIdx;
    // The same token and module as the pending call: the same key and size, and the
    // pending call is the newest of that key, so the search below would pick it.
    if (
      idx >= 0 &&
      sameText(line, start, end, this.pendingLine, this.pendingStart, this.pendingEnd) &&
      module === this.pendingModule &&
      (wantPid === undefined || initcalls[idx].pid === wantPid)
    ) {
      this.pendingIdx = -1;
    } else {
      this.flushPending();
      const ref = this.refOf(line, start, end, lineNo);
      const key = Pairing.keyOf(ref, module);
      const top = this.open.get(key) ?? -1;
      if (top < 0) {
        this.warn(lineNo, `initcall ${tokenOf(line, start, end)}${module ? ` [${module}]` : ''} returned without a matching calling line`);
        return;
      }
      // The newest open call of this key, unless an older one matches better.
      const below = this.openBelow;
      idx = top;
      let above = -1; // the open call stacked right above idx (-1: idx is the newest)
      // Two static functions of one name: the returned line names the same `+0x0/0xSIZE`.
      const wantSize = ref.size;
      for (let i = top, up = -1; i >= 0; up = i, i = below[i]) {
        const rec = initcalls[i];
        if ((wantPid === undefined || rec.pid === wantPid) && (wantSize === undefined || rec.size === undefined || rec.size === wantSize)) {
          idx = i;
          above = up;
          break;
        }
      }
      if (above < 0) this.open.set(key, below[idx]);
      else below[above] = below[idx];
    }
    let rec = initcalls[idx];
    if ('returnLine' in rec && (ret === undefined || ts === undefined)) {
      // Built with the return-time keys (openCall) but this line lacks a value for some.
      rec = initcalls[idx] = withoutReturnKeys(rec);
    }
    rec.complete = true;
    rec.returnLine = lineNo;
    rec.durationUs = us;
    if (ret !== undefined) rec.ret = ret;
    if (ts !== undefined) {
      rec.endTimeUs = ts;
      this.boot.hasTimestamps = true;
      this.stamp(lineNo, ts, idx * 4 + 1);
    }
    if (!rec.async) this.removeOpenSync(idx);
  }

  /** Everything paired: calls that never returned lose the return-time keys openCall gave them. */
  finish(): PairedBoot {
    const initcalls = this.boot.initcalls;
    // The records built with those keys are synchronous: every one still open is in openSync.
    for (let i = 0; i < this.openSyncCount; i++) {
      const idx = this.openSync[i];
      if ('returnLine' in initcalls[idx]) initcalls[idx] = withoutReturnKeys(initcalls[idx]);
    }
    this.openSyncCount = 0;
    this.pendingIdx = -1;
    this.pendingLine = '';
    return this.boot;
  }

  /** Take one record of the grammar (grammar.ts `recognize`). */
  record(p: Parsed, lineNo: number, ts: number | undefined, caller: string | undefined): void {
    const b = this.boot;
    switch (p.kind) {
      case 'call':
        this.openCall(p.token, 0, p.token.length, p.module, p.pid, lineNo, ts);
        return;
      case 'ret':
        this.closeCall(p.token, 0, p.token.length, p.module, p.ret, p.us, lineNo, ts, caller);
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
        const openSync = this.openSync;
        for (let i = caller?.[0] === 'C' ? -1 : this.openSyncCount - 1; i >= 0; i--) {
          const rec = b.initcalls[openSync[i]];
          if (began !== undefined && rec.startTimeUs !== undefined && began < rec.startTimeUs - JIFFY_SLACK_US) continue;
          if (pid === undefined || rec.pid === pid) {
            probe.initcallIndex = openSync[i];
            rec.probes.push(probe);
            break;
          }
        }
        const pi = b.probes.push(probe) - 1;
        if (ts !== undefined) this.stamp(lineNo, ts, pi * 4 + 2);
        return;
      }
      case 'wait': {
        const idx = b.asyncWaits.push({ pid: p.pid, line: lineNo, ...(ts !== undefined && { startTimeUs: ts }) }) - 1;
        this.openWaits.set(p.pid, idx);
        return;
      }
      case 'cont': {
        const idx = this.openWaits.get(p.pid);
        if (idx !== undefined) {
          b.asyncWaits[idx].durationUs = p.us;
          this.openWaits.delete(p.pid);
        } else {
          b.asyncWaits.push({ pid: p.pid, durationUs: p.us, line: lineNo, ...(ts !== undefined && { startTimeUs: ts - p.us }) });
        }
        return;
      }
      case 'level': {
        const level = levelFromName(p.name);
        b.sawLevelLines = true;
        if (level) this.currentLevel = level;
        else this.warn(lineNo, `unknown initcall level "${p.name}"`);
        return;
      }
      default:
        return;
    }
  }

  /** A message that is no record: maybe a landmark. */
  text(body: string, lineNo: number, ts: number | undefined): void {
    const bt = this.boot;
    const lm = bt.landmarks;
    const b = body.charCodeAt(0) === 32 ? body.trimStart() : body;
    const c = b.charCodeAt(0);
    if (c === 76 /* L */ && b.startsWith('Linux version ')) {
      if (bt.kernelVersion === undefined) {
        bt.kernelVersion = b.slice('Linux version '.length).trim();
        bt.kernelRelease = bt.kernelVersion.split(' ')[0];
        bt.landmarkLines.kernelEntryUs = lineNo;
        if (ts !== undefined) lm.kernelEntryUs = ts;
      }
    } else if (c === 75 /* K */ && b.startsWith('Kernel command line: ')) {
      if (!this.commandLineIsKernel) {
        bt.commandLine = b.slice('Kernel command line: '.length).trim();
        this.commandLineIsKernel = true;
      }
    } else if (c === 67 /* C */ && b.startsWith('Command line: ')) {
      if (bt.commandLine === undefined) bt.commandLine = b.slice('Command line: '.length).trim();
    } else if (c === 70 /* F */ && b.startsWith('Freeing unused kernel')) {
      this.builtinsDone = true;
      if (lm.freeingInitMemUs === undefined && ts !== undefined) {
        lm.freeingInitMemUs = ts;
        bt.landmarkLines.freeingInitMemUs = lineNo;
      } else bt.landmarkLines.freeingInitMemUs ??= lineNo;
    } else if (c === 82 /* R */ && RUN_INIT_RE.test(b)) {
      this.builtinsDone = true;
      if (lm.runInitUs === undefined && ts !== undefined) {
        lm.runInitUs = ts;
        bt.landmarkLines.runInitUs = lineNo;
      } else bt.landmarkLines.runInitUs ??= lineNo;
    } else if (c === 115 /* s */ && b.startsWith('smp: Bringing up secondary CPUs')) {
      bt.smpLine ??= lineNo;
    }
  }
}

/** The record without its `returnLine`, `durationUs`, `ret`, `endTimeUs` keys (the others keep their order). */
function withoutReturnKeys(rec: InitcallRecord): InitcallRecord {
  const { returnLine: _l, durationUs: _d, ret: _r, endTimeUs: _e, ...rest } = rec;
  return rest;
}

/** a[as, ae) and b[bs, be) hold the same text (compared in place: no strings cut out). */
function sameText(a: string, as: number, ae: number, b: string, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) if (a.charCodeAt(as + i) !== b.charCodeAt(bs + i)) return false;
  return true;
}

/** s[start, end), without a copy when that is all of s. */
function tokenOf(s: string, start: number, end: number): string {
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** PID from a PRINTK_CALLER `T123` (a `C0` is a CPU, no task). */
export function callerPid(caller?: string): number | undefined {
  return caller && caller[0] === 'T' ? Number(caller.slice(1)) : undefined;
}
