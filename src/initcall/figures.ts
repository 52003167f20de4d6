/**
 * Stage 4 of the boot-log parser: boot-level figures from the paired records
 * (pairing.ts, chosen by framing.ts): checks of values against the log's own
 * timestamps, console initcalls, early levels, the total, the initcall window
 * and the time outside initcalls. Pure: no I/O.
 */
import { JIFFY_SLACK_US, TIMESTAMP_SLACK_US } from './pairing.js';
import type { FramedBoot } from './framing.js';
import type { InitcallRecord, ParsedBoot, ParseWarning } from './types.js';

function fmtS(us: number): string {
  return `${(us / 1e6).toFixed(6)} s`;
}

/**
 * Timestamps in line order must not go back. One that sits above (or below)
 * both of its consistent neighbours is garbled: left out, with a warning. A
 * step back that the following lines confirm is a warning only (which side is
 * right cannot be told).
 */
function checkTimestamps(b: FramedBoot, warn: (w: ParseWarning) => void): number {
  // Record timestamps in arrival (line) order, as pairing.ts noted them.
  const { lines, us, refs } = b.stamps;
  const n = b.stamps.count;
  if (n < 3) return 0;
  const drop = (i: number) => {
    const ref = refs[i];
    const idx = ref >> 2;
    const what = ref & 3;
    if (what === 2) delete b.probes[idx].timeUs;
    else markGarbled(b.initcalls[idx], what === 0 ? 'startTimeUs' : 'endTimeUs');
  };
  let dropped = 0;
  let prev = -1; // index of the last timestamp kept
  for (let i = 0; i < n; i++) {
    const s = us[i];
    const next = i + 1 < n ? us[i + 1] : undefined;
    // Neighbours that agree with each other and not with s: s is the odd one.
    if (next !== undefined && (prev < 0 || us[prev] <= next + TIMESTAMP_SLACK_US)) {
      const up = s > next + TIMESTAMP_SLACK_US && (prev >= 0 || i + 2 >= n || next <= us[i + 2] + TIMESTAMP_SLACK_US);
      const down = prev >= 0 && s < us[prev] - TIMESTAMP_SLACK_US && s < next - TIMESTAMP_SLACK_US;
      if (up || down) {
        drop(i);
        dropped++;
        warn({
          line: lines[i],
          message: `timestamp ${fmtS(s)} contradicts the lines around it (${prev >= 0 ? fmtS(us[prev]) : 'start'} … ${fmtS(next)}): left out`,
        });
        continue;
      }
    }
    if (prev >= 0 && s < us[prev] - TIMESTAMP_SLACK_US) {
      warn({ line: lines[i], message: `timestamps go back by ${fmtS(us[prev] - s)} (from ${fmtS(us[prev])} at line ${lines[prev]})` });
    }
    prev = i;
  }
  return dropped;
}

function markGarbled(rec: InitcallRecord, field: 'startTimeUs' | 'endTimeUs' | 'durationUs'): void {
  delete rec[field];
  (rec.garbled ??= []).push(field);
}

/**
 * A printed duration cannot exceed the time between its own `calling` and
 * `returned` lines (beyond a jiffy of the early clock and a margin), nor the
 * span of the whole log: such a duration is left out and, where the
 * timestamps allow, replaced by their difference (marked estimated).
 */
function checkDurations(b: FramedBoot, spanUs: number | undefined, warn: (w: ParseWarning) => void): number {
  let dropped = 0;
  for (let ri = 0; ri < b.initcalls.length; ri++) {
    const rec = b.initcalls[ri];
    const d = rec.durationUs;
    if (d === undefined) continue;
    const diff = rec.startTimeUs !== undefined && rec.endTimeUs !== undefined ? rec.endTimeUs - rec.startTimeUs : undefined;
    const limit =
      diff !== undefined && diff >= 0 ? diff * 1.5 + JIFFY_SLACK_US : spanUs !== undefined ? spanUs * 1.5 + JIFFY_SLACK_US : undefined;
    if (limit === undefined || d <= limit) continue;
    markGarbled(rec, 'durationUs');
    dropped++;
    if (diff !== undefined && diff >= 0) {
      rec.durationUs = diff;
      rec.durationEstimated = true;
    }
    warn({
      line: rec.returnLine ?? rec.callLine,
      message:
        `${rec.fn}: "after ${d} usecs" contradicts the log's timestamps ` +
        (diff !== undefined && diff >= 0
          ? `(${diff} µs between calling and returned): estimated from them`
          : `(the log spans ${spanUs} µs): left out`),
    });
  }
  return dropped;
}

/**
 * Indices 0…n-1 of the intervals in (start, end) order, by merging the
 * ascending runs they already form: one boot's calls are one run (no work),
 * a capture of several boots a few. Equal pairs are equal values, so any
 * correct sort gives the same sequence; this one needs no comparator calls.
 */
function intervalOrder(starts: Float64Array, ends: Float64Array, n: number): Uint32Array {
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let bounds = [0];
  for (let i = 1; i < n; i++) {
    if (starts[i] < starts[i - 1] || (starts[i] === starts[i - 1] && ends[i] < ends[i - 1])) bounds.push(i);
  }
  bounds.push(n);
  let spare = new Uint32Array(n);
  while (bounds.length > 2) {
    const next = [0];
    const runs = bounds.length - 1;
    for (let r = 0; r < runs; r += 2) {
      const lo = bounds[r];
      const mid = bounds[r + 1];
      const hi = r + 2 <= runs ? bounds[r + 2] : mid;
      let a = lo;
      let b = mid;
      let k = lo;
      while (a < mid && b < hi) {
        const x = order[a];
        const y = order[b];
        // y first only when strictly before x: stable.
        if (starts[y] < starts[x] || (starts[y] === starts[x] && ends[y] < ends[x])) {
          spare[k++] = y;
          b++;
        } else {
          spare[k++] = x;
          a++;
        }
      }
      while (a < mid) spare[k++] = order[a++];
      while (b < hi) spare[k++] = order[b++];
      next.push(hi);
    }
    [order, spare] = [spare, order];
    bounds = next;
  }
  return order;
}

/** Span of the intervals [starts[i], ends[i]) minus the time they cover, swept in (start, end) order. */
export function outsideIntervals(starts: Float64Array, ends: Float64Array, n: number): number {
  const order = intervalOrder(starts, ends, n);
  let covered = 0;
  let curS = starts[order[0]];
  let curE = ends[order[0]];
  const spanStart = curS;
  let spanEnd = curE;
  for (let k = 1; k < n; k++) {
    const i = order[k];
    const s = starts[i];
    const e = ends[i];
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
  return spanEnd - spanStart - covered;
}

// Loops over the initcalls are indexed, not for-of: this code runs once per boot,
// mostly before the optimizer is done with it, and an unoptimized for-of allocates
// an iterator result per element (a fifth of the parser's garbage, measured).
export function bootFigures(b: FramedBoot, source: string): ParsedBoot {
  const warnings = b.warnings;
  const { initcalls, landmarks } = b;
  for (let ri = 0; ri < initcalls.length; ri++) {
    const rec = initcalls[ri];
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
  if (!b.sawLevelLines && b.smpLine !== undefined) {
    for (let ri = 0; ri < initcalls.length; ri++) {
      const rec = initcalls[ri];
      if (rec.callLine >= b.smpLine) break;
      if (rec.level === undefined && !rec.async && rec.module === undefined && rec.pid === 1) rec.level = 'early';
    }
  }

  const push = (w: ParseWarning) => warnings.push(w);
  let garbledValues = b.disordered ? checkTimestamps(b, push) : 0;
  let firstTs = Infinity;
  let lastTs = -Infinity;
  for (let ri = 0; ri < initcalls.length; ri++) {
    const rec = initcalls[ri];
    if (rec.startTimeUs !== undefined) firstTs = Math.min(firstTs, rec.startTimeUs);
    if (rec.endTimeUs !== undefined) lastTs = Math.max(lastTs, rec.endTimeUs);
    else if (rec.startTimeUs !== undefined) lastTs = Math.max(lastTs, rec.startTimeUs);
  }
  const spanUs = firstTs <= lastTs ? lastTs - firstTs : undefined;
  garbledValues += checkDurations(b, spanUs, push);

  // console_initcall()s run in start_kernel() as PID 0 (`calling  con_init+0x0/0x22c @ 0`) before
  // timekeeping: the kernel prints "after 0 usecs" while the printk clock (local_clock) runs.
  for (let ri = 0; ri < initcalls.length; ri++) {
    const rec = initcalls[ri];
    if (rec.pid !== 0 || rec.async || rec.module !== undefined) continue;
    rec.console = true;
    if (
      rec.complete &&
      rec.durationUs === 0 &&
      rec.startTimeUs !== undefined &&
      rec.endTimeUs !== undefined &&
      rec.endTimeUs > rec.startTimeUs
    ) {
      rec.durationUs = rec.endTimeUs - rec.startTimeUs;
      rec.durationEstimated = true;
    }
  }

  // Console initcalls count in the total but do not open the initcall window,
  // or start_kernel()'s own work would show as time outside initcalls.
  let onlyPid0 = true;
  for (let ri = 0; ri < initcalls.length; ri++) {
    const rec = initcalls[ri];
    if (rec.pid !== 0) {
      onlyPid0 = false;
      break;
    }
  }
  let totalInitcallUs = 0;
  // Intervals of the complete timed synchronous calls, in two typed columns (no pair array per call).
  const starts = new Float64Array(initcalls.length);
  const ends = new Float64Array(initcalls.length);
  let nIntervals = 0;
  let firstLine: number | undefined;
  let lastLine: number | undefined;
  for (let ri = 0; ri < initcalls.length; ri++) {
    const rec = initcalls[ri];
    if (rec.async) continue;
    if (rec.pid === 0 && !onlyPid0) {
      if (rec.complete) totalInitcallUs += rec.durationUs ?? 0;
      continue;
    }
    if (rec.startTimeUs !== undefined) {
      if (landmarks.firstInitcallUs === undefined || rec.startTimeUs < landmarks.firstInitcallUs) {
        landmarks.firstInitcallUs = rec.startTimeUs;
        firstLine = rec.callLine;
      }
    } else firstLine ??= rec.callLine;
    if (!rec.complete) continue;
    totalInitcallUs += rec.durationUs ?? 0;
    if (rec.endTimeUs !== undefined) {
      if (landmarks.lastInitcallUs === undefined || rec.endTimeUs > landmarks.lastInitcallUs) {
        landmarks.lastInitcallUs = rec.endTimeUs;
        lastLine = rec.returnLine;
      }
      if (rec.startTimeUs !== undefined) {
        starts[nIntervals] = rec.startTimeUs;
        ends[nIntervals++] = rec.endTimeUs;
      }
    } else if (landmarks.lastInitcallUs === undefined) lastLine = rec.returnLine;
  }
  if (firstLine !== undefined) b.landmarkLines.firstInitcallUs = firstLine;
  if (lastLine !== undefined) b.landmarkLines.lastInitcallUs = lastLine;

  const outsideInitcallUs = nIntervals > 0 ? outsideIntervals(starts, ends, nIntervals) : undefined;

  // The end of the log as its timestamps tell (a call that never returned runs to here).
  let lastTimestampUs = b.lastTimestampUs;
  if (lastTs > -Infinity && (lastTimestampUs === undefined || lastTimestampUs < lastTs)) lastTimestampUs = lastTs;

  warnings.sort((x, y) => x.line - y.line);
  return {
    source,
    ...(b.kernelVersion !== undefined && { kernelVersion: b.kernelVersion }),
    ...(b.kernelRelease !== undefined && { kernelRelease: b.kernelRelease }),
    ...(b.commandLine !== undefined && { commandLine: b.commandLine }),
    hasTimestamps: b.hasTimestamps,
    initcalls,
    probes: b.probes,
    asyncWaits: b.asyncWaits,
    landmarks,
    landmarkLines: b.landmarkLines,
    totalInitcallUs,
    ...(outsideInitcallUs !== undefined && { outsideInitcallUs }),
    ...(lastTimestampUs !== undefined && { lastTimestampUs }),
    garbledValues,
    warnings,
    lineCount: b.lineCount,
  };
}
