/**
 * Boot analysis: split boots into phases on the host clock and estimate what
 * the serial console costs. Pure: works on captured boots (live or re-read
 * from kept logs).
 *
 * Landmarks, in order: qemu start (0) → first console output (firmware) →
 * kernel entry (`Linux version`) → first initcall → last initcall →
 * `Freeing unused kernel` → `Run /init` → end marker → qemu exit.
 * A landmark printed on the console takes its host arrival time. One that
 * only reached the ring buffer (quiet console; initcall_debug is KERN_DEBUG)
 * takes its printk time mapped onto the host clock through two anchors seen
 * on both clocks: `Linux version` (printk 0) and the start marker (whose
 * line carries /proc/uptime). Two anchors, not one, because under TCG the
 * guest clock runs at a different rate from the host's.
 */
import { InputError } from '../errors.js';
import type { BootResult, Summary } from './boot.js';
import { formatMeanSd, summarize, summarizeOrNull } from '../stats/summary.js';
import { MARKERS } from './initramfs.js';
import { between, guestLandmarks, hostLandmarks, type GuestLandmarks, type HostLandmarks } from './landmarks.js';
import type { ConsoleLine } from './qemu.js';

export type AnalyzableBoot = Pick<BootResult, 'console' | 'host' | 'guest'> & { dmesg?: string };

export const LANDMARKS = [
  { key: 'start', label: 'qemu start' },
  { key: 'firstOutput', label: 'first console output' },
  { key: 'kernelEntry', label: 'kernel entry (Linux version)' },
  { key: 'firstInitcall', label: 'first initcall' },
  { key: 'lastInitcall', label: 'last initcall' },
  { key: 'freeingInitMem', label: 'Freeing unused kernel memory' },
  { key: 'runInit', label: 'Run /init' },
  { key: 'marker', label: 'end marker' },
  { key: 'exit', label: 'qemu exit' },
] as const;
export type LandmarkKey = (typeof LANDMARKS)[number]['key'];

export interface LandmarkTime {
  ms: number;
  /** 'console': host arrival of the line; 'guest': printk time mapped onto the host clock. */
  source: 'host' | 'console' | 'guest';
}

/** Host times of every landmark found in one boot. */
export function bootLandmarks(b: AnalyzableBoot): Partial<Record<LandmarkKey, LandmarkTime>> {
  const h: HostLandmarks & { wallMs: number } = b.host;
  const g: GuestLandmarks = b.guest;
  const out: Partial<Record<LandmarkKey, LandmarkTime>> = { start: { ms: 0, source: 'host' } };
  if (h.firstOutputMs !== undefined) out.firstOutput = { ms: h.firstOutputMs, source: 'console' };
  if (h.kernelEntryMs !== undefined) out.kernelEntry = { ms: h.kernelEntryMs, source: 'console' };
  const toHost = guestToHost(b);
  const pick = (key: LandmarkKey, hostMs: number | undefined, guestUs: number | undefined) => {
    if (hostMs !== undefined) out[key] = { ms: hostMs, source: 'console' };
    else if (guestUs !== undefined && toHost) out[key] = { ms: toHost(guestUs), source: 'guest' };
  };
  pick('firstInitcall', h.firstInitcallMs, g.firstInitcallUs);
  pick('lastInitcall', h.lastInitcallMs, g.lastInitcallUs);
  pick('freeingInitMem', h.freeingInitMemMs, g.freeingInitMemUs);
  pick('runInit', h.runInitMs, g.runInitUs);
  // `Run /init` is not printed by every kernel; /init's start marker is the next best thing.
  if (!out.runInit && h.initMs !== undefined) out.runInit = { ms: h.initMs, source: 'console' };
  if (h.markerMs !== undefined) out.marker = { ms: h.markerMs, source: 'console' };
  out.exit = { ms: h.wallMs, source: 'host' };
  return out;
}

/** Map printk µs to host ms through the anchors; undefined without the start marker's uptime. */
export function guestToHost(b: AnalyzableBoot): ((us: number) => number) | undefined {
  const { initMs, kernelEntryMs } = b.host;
  const { initUptimeUs, kernelEntryUs } = b.guest;
  if (initMs === undefined || initUptimeUs === undefined) return undefined;
  if (kernelEntryMs !== undefined && initUptimeUs > (kernelEntryUs ?? 0)) {
    const g0 = kernelEntryUs ?? 0;
    const rate = (initMs - kernelEntryMs) / ((initUptimeUs - g0) / 1000);
    return (us) => kernelEntryMs + ((us - g0) / 1000) * rate;
  }
  return (us) => initMs - (initUptimeUs - us) / 1000;
}

export interface PhaseStat {
  from: LandmarkKey;
  to: LandmarkKey;
  label: string;
  /** Boots in which both ends were found. */
  n: number;
  ms: Summary;
  /** Mean share of the qemu start → exit total, in %. */
  percent: number;
}

export interface ConsoleCost {
  /** µs per character from the longest dense run of console output. */
  usPerChar: number;
  /** Characters and span of that run. */
  sampleChars: number;
  sampleMs: number;
  /** Mean characters printed on the console before the end marker. */
  charsBeforeMarker: number;
  /** charsBeforeMarker × usPerChar, ms. */
  estimatedMs: number;
  /** estimatedMs as % of the mean time to the end marker. */
  percentOfMarker: number;
}

export interface BootAnalysis {
  boots: number;
  totalMs: Summary;
  landmarks: { key: LandmarkKey; label: string; n: number; ms: Summary; source: LandmarkTime['source'] }[];
  phases: PhaseStat[];
  consoleCost?: ConsoleCost;
  warnings: string[];
}

/** Console output slower than this share of the measured window gets a warning. */
export const CONSOLE_WARN_PERCENT = 2;

export function analyzeBoots(boots: readonly AnalyzableBoot[]): BootAnalysis {
  if (!boots.length) throw new Error('analyzeBoots: no boots');
  const per = boots.map(bootLandmarks);
  const warnings: string[] = [];
  const totalMs = summarize(boots.map((b) => b.host.wallMs));
  const landmarks: BootAnalysis['landmarks'] = [];
  for (const l of LANDMARKS) {
    const times = per.map((p) => p[l.key]).filter((t): t is LandmarkTime => t !== undefined);
    const s = summarizeOrNull(times.map((t) => t.ms));
    if (s) landmarks.push({ key: l.key, label: l.label, n: s.n, ms: s, source: times[0].source });
  }
  // Consecutive landmarks present in every boot; a landmark missing anywhere is skipped.
  const present = LANDMARKS.filter((l) => per.every((p) => p[l.key] !== undefined));
  const phases: PhaseStat[] = [];
  for (let i = 1; i < present.length; i++) {
    const from = present[i - 1];
    const to = present[i];
    const ds = per.map((p) => p[to.key]!.ms - p[from.key]!.ms);
    const s = summarize(ds);
    phases.push({
      from: from.key,
      to: to.key,
      label: `${from.label} → ${to.label}`,
      n: s.n,
      ms: s,
      percent: (100 * s.mean) / totalMs.mean,
    });
    if (s.min < 0) warnings.push(`phase "${from.label} → ${to.label}" is negative in some boots: the guest clock mapping is off`);
  }
  const missing = LANDMARKS.filter((l) => !present.includes(l)).map((l) => l.label);
  if (missing.length)
    warnings.push(`landmarks not seen in every boot (boot with --dmesg or --initcall-debug for guest-side ones): ${missing.join(', ')}`);
  const consoleCost = estimateConsoleCost(boots);
  if (consoleCost && consoleCost.percentOfMarker > CONSOLE_WARN_PERCENT) {
    warnings.push(
      `console output inflates the figures: ~${Math.round(consoleCost.charsBeforeMarker)} characters before the marker at ` +
        `${consoleCost.usPerChar.toFixed(1)} µs/char ≈ ${consoleCost.estimatedMs.toFixed(0)} ms ` +
        `(${consoleCost.percentOfMarker.toFixed(1)}% of the time to the marker); time with a quiet console (loglevel=6 or quiet)`,
    );
  }
  return { boots: boots.length, totalMs, landmarks, phases, consoleCost, warnings };
}

/**
 * The console's cost per character, from a long run of console output: the
 * dmesg dump after the marker when there is one (else the whole console).
 * Lines arrive in chunks sharing one host timestamp; between consecutive
 * chunks less than gapMs apart the UART was busy the whole time, so each such
 * interval is charged to the characters of the chunk that ended it. Longer
 * gaps (the guest descheduled, or printing nothing) are left out.
 */
export function consoleRate(lines: readonly ConsoleLine[], gapMs = 30): { usPerChar: number; chars: number; ms: number } | undefined {
  const begin = lines.findIndex((l) => l.text.startsWith(MARKERS.dmesgBegin));
  const end = lines.findIndex((l) => l.text.startsWith(MARKERS.dmesgEnd));
  const seg = begin >= 0 && end > begin ? lines.slice(begin, end + 1) : lines;
  const chunks: { ms: number; chars: number }[] = [];
  for (const l of seg) {
    const last = chunks[chunks.length - 1];
    if (last && last.ms === l.ms)
      last.chars += l.text.length + 2; // CR LF
    else chunks.push({ ms: l.ms, chars: l.text.length + 2 });
  }
  let ms = 0;
  let chars = 0;
  for (let k = 1; k < chunks.length; k++) {
    const d = chunks[k].ms - chunks[k - 1].ms;
    if (d < gapMs) {
      ms += d;
      chars += chunks[k].chars;
    }
  }
  if (chars < 2000 || ms < 20) return undefined;
  return { usPerChar: (ms * 1000) / chars, chars, ms };
}

export function estimateConsoleCost(boots: readonly AnalyzableBoot[]): ConsoleCost | undefined {
  const rates = boots.map((b) => consoleRate(b.console)).filter((r): r is NonNullable<typeof r> => r !== undefined);
  if (!rates.length) return undefined;
  const sampleChars = rates.reduce((a, r) => a + r.chars, 0);
  const sampleMs = rates.reduce((a, r) => a + r.ms, 0);
  const usPerChar = (sampleMs * 1000) / sampleChars;
  const before = boots.map((b) => {
    let chars = 0;
    for (const l of b.console) {
      if (l.text.startsWith(MARKERS.end)) break;
      if (l.text.startsWith(MARKERS.start)) continue;
      chars += l.text.length + 2;
    }
    return chars;
  });
  const charsBeforeMarker = before.reduce((a, c) => a + c, 0) / before.length;
  const estimatedMs = (charsBeforeMarker * usPerChar) / 1000;
  const markers = boots.map((b) => b.host.markerMs).filter((m): m is number => m !== undefined);
  const markerMean = markers.length ? markers.reduce((a, m) => a + m, 0) / markers.length : NaN;
  return { usPerChar, sampleChars, sampleMs, charsBeforeMarker, estimatedMs, percentOfMarker: (100 * estimatedMs) / markerMean };
}

function f(x: number, d = 0): string {
  return x.toFixed(d);
}

export function formatTimeline(a: BootAnalysis): string {
  const out: string[] = [];
  out.push(`${a.boots} boot(s); host clock, ms since qemu was spawned (mean ± sd); total qemu start → exit ${formatMeanSd(a.totalMs)} ms`);
  out.push('');
  out.push('landmark                              at (ms)         source');
  for (const l of a.landmarks) {
    const src = l.source === 'guest' ? 'printk time mapped to host' : l.source === 'console' ? 'console line arrival' : 'qemu process';
    out.push(`${l.label.padEnd(36)}  ${formatMeanSd(l.ms).padStart(14)}  ${src}`);
  }
  out.push('');
  out.push('phase                                                         ms (mean ± sd)      %  ');
  const width = 30;
  for (const p of a.phases) {
    const bar = '#'.repeat(Math.max(0, Math.round((p.percent / 100) * width)));
    out.push(`${p.label.padEnd(60)}  ${formatMeanSd(p.ms).padStart(14)}  ${f(p.percent, 1).padStart(5)}  ${bar}`);
  }
  if (a.consoleCost) {
    const c = a.consoleCost;
    out.push('');
    out.push(
      `console: ${c.usPerChar.toFixed(1)} µs/char (from ${c.sampleChars} chars in ${f(c.sampleMs)} ms of dense output); ` +
        `${f(c.charsBeforeMarker)} chars before the marker ≈ ${f(c.estimatedMs)} ms (${c.percentOfMarker.toFixed(1)}% of the time to the marker)`,
    );
  }
  return out.join('\n') + '\n';
}

const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A horizontal stacked bar of the phases with a legend; standalone SVG. */
export function timelineSvg(a: BootAnalysis): string {
  const W = 900;
  const barY = 40;
  const barH = 36;
  const left = 10;
  const usable = W - 2 * left;
  const total = a.phases.reduce((s, p) => s + Math.max(0, p.ms.mean), 0) || 1;
  const parts: string[] = [];
  let x = left;
  a.phases.forEach((p, i) => {
    const w = (Math.max(0, p.ms.mean) / total) * usable;
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${barY}" width="${w.toFixed(1)}" height="${barH}" fill="${COLORS[i % COLORS.length]}">` +
        `<title>${esc(p.label)}: ${formatMeanSd(p.ms)} ms (${f(p.percent, 1)}%)</title></rect>`,
    );
    x += w;
  });
  const legend = a.phases.map((p, i) => {
    const y = barY + barH + 24 + i * 20;
    return (
      `<rect x="${left}" y="${y - 11}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>` +
      `<text x="${left + 18}" y="${y}">${esc(p.label)}: ${formatMeanSd(p.ms)} ms (${f(p.percent, 1)}%)</text>`
    );
  });
  const H = barY + barH + 24 + a.phases.length * 20 + 10;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="13">\n` +
    `<text x="${left}" y="22" font-weight="bold">Boot phases, host clock: ${a.boots} boot(s), qemu start → exit ${formatMeanSd(a.totalMs)} ms</text>\n` +
    parts.join('\n') +
    '\n' +
    legend.join('\n') +
    '\n</svg>\n'
  );
}

/**
 * Re-read a boot from a kept `*.console.ts.log` (written by bootKernel):
 * `SECONDS TEXT` per line, `# qemu-exit SECONDS ...` at the end.
 */
export function parseTimestampedConsole(text: string, file = 'log'): AnalyzableBoot & { file: string } {
  const lines: ConsoleLine[] = [];
  let wallMs: number | undefined;
  text.split('\n').forEach((raw, i) => {
    if (!raw) return;
    const exit = /^# qemu-exit (\d+(?:\.\d+)?)/.exec(raw);
    if (exit) {
      wallMs = Number(exit[1]) * 1000;
      return;
    }
    if (raw.startsWith('#')) return;
    const m = /^(\d+(?:\.\d+)?) ?(.*)$/.exec(raw);
    if (!m) throw new InputError('expected "SECONDS TEXT" (a *.console.ts.log kept by ktrim boot --keep-logs)', file, i + 1);
    lines.push({ ms: Number(m[1]) * 1000, text: m[2] });
  });
  if (!lines.length) throw new InputError('no console lines (expected a *.console.ts.log kept by ktrim boot --keep-logs)', file);
  const dmesgLines = between(lines, MARKERS.dmesgBegin, MARKERS.dmesgEnd);
  const dmesg = dmesgLines ? dmesgLines.map((l) => l.text).join('\n') + '\n' : undefined;
  return {
    file,
    console: lines,
    dmesg,
    host: { ...hostLandmarks(lines), wallMs: wallMs ?? lines[lines.length - 1].ms },
    guest: guestLandmarks(dmesg, lines),
  };
}
