/**
 * Stage 1a of the boot-log parser: printk line prefixes. Pure string work.
 *
 * Line prefixes: `<7>` (syslog level), `[    1.234567]` (PRINTK_TIME; may be
 * absent), `[    T1]`/`[    C0]` (PRINTK_CALLER), `7,123,1234567,-;`
 * (/dev/kmsg, µs timestamps), `Nov 26 09:00:01 host kernel: ` (journalctl),
 * util-linux `dmesg -x`, `--time-format iso` and `-T`. A console line may
 * hold several messages (CRs, interleaved output): splitMessages() cuts it.
 */

const KMSG_RE = /^(\d+),(\d+),(\d+),([^;]*);/;
const JOURNAL_RE = /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\S+) \S+ kernel: /;
// util-linux `dmesg -x` (`kern  :debug : `) and `dmesg --time-format iso` (wall clock, not kernel time)
const DMESG_X_RE =
  /^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local[0-7]) *:(?:emerg|alert|crit|err|warn|notice|info|debug) *: /;
const DMESG_ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[,.]\d+(?:[+-]\d\d:?\d\d|Z)? /;
const DMESG_T_RE = /^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\] ?/;
// CSI, OSC, and two-byte escapes (ESC c, ESC 7…).
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -~])?/g;

export interface Prefix {
  /** printk timestamp, µs */
  ts?: number;
  /** PRINTK_CALLER `T123` / `C0` */
  caller?: string;
  body: string;
  /** The line carried a kernel record prefix (timestamp, level or kmsg header). */
  prefixed: boolean;
}

/** Parse `[   12.345678]` at s[i]; returns µs and the index after `]`, or undefined. */
export function timestampAt(s: string, i: number): { us: number; end: number } | undefined {
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
export function callerAt(s: string, i: number): { caller: string; end: number } | undefined {
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

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function parsePrefix(s: string): Prefix {
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
export function splitMessages(line: string): Prefix[] {
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

export function stripAnsi(s: string): string {
  return s.indexOf('\x1b') >= 0 ? s.replace(ANSI_RE, '') : s;
}
