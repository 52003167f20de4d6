/**
 * Stage 1 of the boot-log parser: line framing. Text arrives in chunks of any
 * size; BootFramer cuts it into lines, chooses which boot of the input to
 * parse as it goes, and LineFramer turns each line of that boot into
 * messages (prefix.ts) and records (grammar.ts), joining records cut by a
 * newline or CR, before handing them to the pairing stage (pairing.ts).
 * Pure: no I/O. Linear in the input; holds at most two boots' records (the
 * best so far and the current one), never the input's lines.
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
import { fastRecord, newFastRecord, recognize, RELEVANT_RE } from './grammar.js';
import { Pairing, type PairedBoot } from './pairing.js';
import { parsePrefix, splitMessages, stripAnsi, type Prefix } from './prefix.js';
import type { ParseWarning, SymbolMap } from './types.js';

export const DMESG_BEGIN_MARKER = 'KTRIM-DMESG-BEGIN';
export const DMESG_END_MARKER = 'KTRIM-DMESG-END';

/** A line that still holds an incomplete record may be joined with up to this many later lines. */
const MAX_FRAGMENT_AGE = 4;
/** Line numbers listed in the several-boots warning. */
const MAX_LISTED_BOOTS = 20;

/** What LineFramer.line() made of a line: the fast path's forms hold `calling  ` exactly once (a call) or never. */
const OTHER = 0;
const FAST_CALL = 1;
const FAST_RET = 2;
type LineKind = typeof OTHER | typeof FAST_CALL | typeof FAST_RET;

/**
 * One boot's lines → records. Feed it lines in order with line(); finish()
 * once at the end.
 */
export class LineFramer {
  readonly pairing: Pairing;
  // A message whose record was cut by a newline/CR; joined with what follows.
  private pending: { text: string; line: number; ts?: number; caller?: string; age: number } | undefined;
  private prev: { body: string; line: number; ts?: number; caller?: string; recognized: boolean } | undefined;
  // The previous line when it was skipped by the relevance pre-check (for `initc` / `all foo… returned…`).
  private prevRawText = '';
  private prevRawStart = -1; // [start, end) offsets in prevRawText; -1: none
  private prevRawEnd = 0;
  private prevRawLine = 0;
  // Where the next relevant keyword at or after the current line ends (-1: none left;
  // -2: not searched yet), found by one regex scan over the chunk rather than a test per line.
  private readonly relevantRe = new RegExp(RELEVANT_RE.source, 'g');
  private relevantText: string | undefined;
  private nextRelevant = -2;
  private readonly fast = newFastRecord();
  /** The log's last timestamp so far, and its line. */
  private lastTs: number | undefined;
  private lastTsLine = 0;
  /** The last skipped line that may carry a timestamp: read only at the end. */
  private stampText = '';
  private stampStart = -1;
  private stampEnd = 0;
  private stampLine = 0;

  constructor(symbols?: SymbolMap) {
    this.pairing = new Pairing(symbols);
  }

  /**
   * Line [ls, le) of `text` (no \n, trailing CR already cut), 1-based lineNo.
   * Returns FAST_CALL or FAST_RET when the fast path read it, else OTHER.
   */
  line(text: string, ls: number, le: number, lineNo: number): LineKind {
    if (!this.pending) {
      const f = this.fast;
      if (fastRecord(text, ls, le, f)) {
        this.prev = undefined;
        this.prevRawStart = -1;
        this.lastTs = f.ts;
        this.lastTsLine = lineNo;
        if (f.kind === 'call') {
          this.pairing.openCall(text, f.tokenStart, f.tokenEnd, f.module, f.pid, lineNo, f.ts);
          return FAST_CALL;
        }
        this.pairing.closeCall(text, f.tokenStart, f.tokenEnd, f.module, f.ret, f.us, lineNo, f.ts, undefined);
        return FAST_RET;
      }
      if (this.relevantText !== text) {
        this.relevantText = text;
        this.nextRelevant = -2;
      }
      if (this.nextRelevant !== -1 && this.nextRelevant <= ls) {
        // test(), not exec(): no match array; where the match ends tells the line as well
        // (no keyword holds a newline or CR, so a match lies within one line).
        this.relevantRe.lastIndex = ls;
        this.nextRelevant = this.relevantRe.test(text) ? this.relevantRe.lastIndex : -1;
      }
      if (this.nextRelevant === -1 || this.nextRelevant > le) {
        this.prev = undefined;
        this.prevRawText = text;
        this.prevRawStart = ls;
        this.prevRawEnd = le;
        this.prevRawLine = lineNo;
        const c = text.charCodeAt(ls);
        if (c === 91 /* [ */ || c === 60 /* < */ || (c >= 48 && c <= 57)) {
          this.stampText = text;
          this.stampStart = ls;
          this.stampEnd = le;
          this.stampLine = lineNo;
        }
        return OTHER;
      }
    }
    const msgs = splitMessages(stripAnsi(text.slice(ls, le)));
    for (let i = 0; i < msgs.length; i++) this.message(msgs[i], lineNo);
    return OTHER;
  }

  /** Everything read; the boot's records, still without boot-level figures. */
  finish(): PairedBoot & { lastTimestampUs?: number } {
    if (this.pending) this.giveUp();
    let last = this.lastTs;
    if (this.stampStart >= 0 && this.stampLine > this.lastTsLine) {
      const ts = parsePrefix(stripAnsi(this.stampText.slice(this.stampStart, this.stampEnd))).ts;
      if (ts !== undefined) last = ts;
    }
    this.stampText = '';
    this.fast.line = '';
    this.prevRawText = '';
    this.relevantText = undefined;
    return { ...this.pairing.finish(), ...(last !== undefined && { lastTimestampUs: last }) };
  }

  private giveUp(): void {
    if (!this.pending) return;
    const p = this.pending;
    this.pending = undefined;
    if (p.text.startsWith('calling  ')) {
      // The function name is whole once `+0x…` or a space follows it: keep the call (a hang shows this way).
      const rest = p.text.slice('calling  '.length);
      const token = rest.split(' ')[0];
      if (token.includes('+') || rest.includes(' ')) {
        const module = /^\S+ \[([^\]\s]+)\]/.exec(rest)?.[1];
        this.pairing.record({ kind: 'call', token: token.split('+')[0], module, trailing: '' }, p.line, p.ts, p.caller);
        this.pairing.warn(p.line, `truncated calling line, PID unknown: ${JSON.stringify(p.text)}`);
        return;
      }
    }
    this.pairing.warn(p.line, `truncated or interleaved initcall_debug line: ${JSON.stringify(p.text)}`);
  }

  /** Handle one message (one record's text, prefix included). */
  private message(pre: Prefix, lineNo: number): void {
    const sink = this.pairing;
    if (pre.ts !== undefined) {
      sink.boot.hasTimestamps = true;
      this.lastTs = pre.ts;
      this.lastTsLine = lineNo;
    }
    let body = pre.body;
    const ts = pre.ts;
    const caller = pre.caller;

    const pending = this.pending;
    if (pending) {
      if (!pre.prefixed) {
        const joined = recognize(pending.text + body);
        if (joined && joined.kind !== 'fragment' && joined.kind !== 'ignored') {
          this.pending = undefined;
          sink.record(joined, pending.line, pending.ts, pending.caller);
          this.prev = { body, line: lineNo, ts, caller, recognized: true };
          return;
        }
        if (joined?.kind === 'fragment') {
          pending.text = joined.text;
          pending.age++;
          if (pending.age > MAX_FRAGMENT_AGE) this.giveUp();
          return;
        }
        this.giveUp();
      } else if (++pending.age > MAX_FRAGMENT_AGE) {
        this.giveUp();
      }
    }

    let r = recognize(body);
    if (!this.prev && this.prevRawStart >= 0 && this.prevRawLine === lineNo - 1) {
      const pp = parsePrefix(stripAnsi(this.prevRawText.slice(this.prevRawStart, this.prevRawEnd)));
      this.prev = { body: pp.body, line: this.prevRawLine, ts: pp.ts, caller: pp.caller, recognized: false };
    }
    this.prevRawStart = -1;
    const prev = this.prev;
    if (r === undefined && prev && !prev.recognized && (body.indexOf('returned') >= 0 || body.indexOf(' @ ') >= 0)) {
      // The keyword itself was cut: `initc` / `all foo+0x0/0x1c returned 0 after 3 usecs`.
      const joined = recognize(prev.body + body);
      if (joined && joined.kind !== 'fragment' && joined.kind !== 'ignored') {
        sink.record(joined, prev.line, prev.ts, prev.caller);
        this.prev = { body, line: lineNo, ts, caller, recognized: true };
        return;
      }
    }
    if (r === undefined) {
      sink.text(body, lineNo, ts);
    } else if (r.kind === 'fragment') {
      if (this.pending) this.giveUp();
      this.pending = { text: r.text, line: lineNo, ts, caller, age: 0 };
    } else {
      sink.record(r, lineNo, ts, caller);
      // `calling  foo @ 1other output`: without a timestamp to split on, look at the rest.
      while (r?.kind === 'call' && r.trailing.trim() !== '') {
        body = r.trailing;
        r = recognize(body);
        if (r === undefined || r.kind === 'ignored') sink.text(body, lineNo, ts);
        else if (r.kind === 'fragment') this.pending = { text: r.text, line: lineNo, ts, caller, age: 0 };
        else sink.record(r, lineNo, ts, caller);
      }
    }
    this.prev = { body, line: lineNo, ts, caller, recognized: r !== undefined };
  }
}

/** The marker line: exactly the marker once ANSI and CR are gone, or holding it outside a shell trace (`+ echo MARKER`). */
function isMarkerLine(line: string, marker: string): boolean {
  const t = stripAnsi(line).trim();
  return t === marker || (t.includes(marker) && !t.includes('echo'));
}

/** A `Linux version` that starts a message (after a prefix, possibly after interleaved output). */
function startsBoot(line: string): boolean {
  return splitMessages(stripAnsi(line)).some((m) => m.body.startsWith('Linux version '));
}

/** What BootFramer chose: one boot's records, plus the input-level facts. */
export interface FramedBoot extends PairedBoot {
  lastTimestampUs?: number;
  /** Lines in the whole input. */
  lineCount: number;
}

interface Segment {
  framer: LineFramer;
  /** `calling  ` occurrences in the segment's raw text: what the boot choice counts. */
  callings: number;
}

/**
 * The whole input → the boot to parse. push() chunks of text in order (any
 * size, cut anywhere), then end() once.
 */
export class BootFramer {
  private carry = '';
  private lineNo = 0;
  private mode: 'console' | 'dump' | 'done' = 'console';
  private beginLine = 0;
  /** Lines of the genuine `Linux version` lines, when not in a dump. */
  private boots: number[] = [];
  private current: Segment;
  private best: { boot: FramedBoot; index: number; callings: number } | undefined;
  private segmentIndex = 0;

  constructor(private readonly symbols?: SymbolMap) {
    this.current = this.newSegment();
  }

  private newSegment(): Segment {
    return { framer: new LineFramer(this.symbols), callings: 0 };
  }

  push(chunk: string): void {
    if (chunk === '') return;
    const text = this.carry === '' ? chunk : this.carry + chunk;
    const lastNl = text.lastIndexOf('\n');
    if (lastNl < 0) {
      this.carry = text;
      return;
    }
    this.lines(text, lastNl + 1);
    this.carry = lastNl + 1 < text.length ? text.slice(lastNl + 1) : '';
  }

  end(): FramedBoot {
    if (this.carry !== '') {
      const text = this.carry;
      this.carry = '';
      this.lines(text, text.length);
    }
    const warnings: ParseWarning[] = [];
    if (this.mode === 'dump') {
      warnings.push({
        line: this.beginLine,
        message: `${DMESG_BEGIN_MARKER} without ${DMESG_END_MARKER}: the dmesg dump is truncated`,
      });
    }
    this.closeSegment();
    const best = this.best!;
    const boots = this.boots;
    if (this.mode === 'console' && boots.length > 1) {
      const listed =
        boots.length <= MAX_LISTED_BOOTS
          ? boots.join(', ')
          : `${boots.slice(0, MAX_LISTED_BOOTS / 2).join(', ')}, … (${boots.length - MAX_LISTED_BOOTS} more) …, ${boots.slice(-MAX_LISTED_BOOTS / 2).join(', ')}`;
      warnings.push({
        line: boots[best.index],
        message: `input holds ${boots.length} boots (Linux version at lines ${listed}); parsed only the one at line ${boots[best.index]}`,
      });
    }
    const boot = best.boot;
    // A loop, not push(...): a garbled log can carry more warnings than a call's argument limit.
    for (const w of warnings) boot.warnings.push(w);
    boot.lineCount = this.lineNo;
    return boot;
  }

  /** The current segment is whole: keep it when it has the most `calling` lines so far (the last on a tie). */
  private closeSegment(): void {
    const seg = this.current;
    if (!this.best || seg.callings >= this.best.callings) {
      this.best = { boot: { ...seg.framer.finish(), lineCount: 0 }, index: this.segmentIndex, callings: seg.callings };
    }
  }

  /** The lines of text[0, limit): limit is after the last \n, or the length at the end. */
  private lines(text: string, limit: number): void {
    let pos = 0;
    let nextMarker = -2;
    let nextVersion = -2;
    let nextCalling = -2;
    while (pos < limit) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0 || nl > limit) nl = limit;
      const ls = pos;
      let le = nl;
      pos = nl + 1;
      this.lineNo++;
      if (this.mode === 'done') continue;
      if (nextMarker !== -1 && nextMarker < ls) nextMarker = text.indexOf('KTRIM-DMESG-', ls);
      if (nextMarker >= 0 && nextMarker < le) {
        const raw = text.slice(ls, le);
        if (this.mode === 'console' && isMarkerLine(raw, DMESG_BEGIN_MARKER)) {
          // Only the dump counts: drop what was read of the console.
          this.mode = 'dump';
          this.beginLine = this.lineNo;
          this.boots = [];
          this.best = undefined;
          this.current = this.newSegment();
          continue;
        }
        if (this.mode === 'dump' && isMarkerLine(raw, DMESG_END_MARKER)) {
          this.mode = 'done';
          continue;
        }
      }
      if (this.mode === 'console') {
        if (nextVersion !== -1 && nextVersion < ls) nextVersion = text.indexOf('Linux version ', ls);
        if (nextVersion >= 0 && nextVersion < le && startsBoot(text.slice(ls, le))) {
          this.boots.push(this.lineNo);
          if (this.boots.length > 1) {
            this.closeSegment();
            this.current = this.newSegment();
            this.segmentIndex++;
          }
        }
      }
      const end = le;
      if (le > ls && text.charCodeAt(le - 1) === 13) le--;
      const kind = this.current.framer.line(text, ls, le, this.lineNo);
      // Count `calling  ` (the boot choice): a line of the fast path holds it once or never,
      // so only the other lines are searched (the bulk of the text is not scanned twice).
      if (kind === FAST_CALL) this.current.callings++;
      else if (kind === OTHER) {
        while (nextCalling !== -1 && nextCalling < end) {
          if (nextCalling >= ls) this.current.callings++;
          nextCalling = text.indexOf('calling  ', nextCalling < ls ? ls : nextCalling + 9);
        }
      }
    }
  }
}
