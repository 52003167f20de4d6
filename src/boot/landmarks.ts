/**
 * Landmarks of one boot read from what the runner captured: the console lines
 * (host clock) and the dmesg dump (guest printk clock). Pure functions. The
 * boot's own landmarks come from parseBootLog (src/initcall/parse.ts), so
 * `analyze` and `report` agree on any log.
 */
import { MARKERS } from './initramfs.js';
import type { ConsoleLine } from './qemu.js';
import { parseBootLog } from '../initcall/parse.js';

/** Host times, ms since qemu was spawned, of lines seen on the console. */
export interface HostLandmarks {
  /** First byte of any console output (firmware, when it prints to serial). */
  firstOutputMs?: number;
  /** `Linux version` line: when the kernel's console printed its banner. */
  kernelEntryMs?: number;
  firstInitcallMs?: number;
  lastInitcallMs?: number;
  freeingInitMemMs?: number;
  runInitMs?: number;
  /** KTRIM-MARKER start: /init is running. */
  initMs?: number;
  /** KTRIM-MARKER end: the measured window ends. */
  markerMs?: number;
}

/** Guest printk times (µs since boot) from dmesg, plus /proc/uptime at the markers. */
export interface GuestLandmarks {
  kernelEntryUs?: number;
  firstInitcallUs?: number;
  lastInitcallUs?: number;
  freeingInitMemUs?: number;
  runInitUs?: number;
  /** /proc/uptime printed with the start marker, µs. */
  initUptimeUs?: number;
  /**
   * The TSC printed with the start marker (/bin/ktrim-tsc). Under -icount it is
   * qemu's virtual clock in ns since the machine started; otherwise the host's
   * counter, meaningful only as a difference.
   */
  initTsc?: number;
  /** /proc/uptime printed with the end marker, µs. */
  markerUptimeUs?: number;
}

export interface FreeMemory {
  totalMb: number;
  usedMb: number;
  freeMb: number;
  availableMb?: number;
}

/** The landmarks both clocks know, keyed as in BootLandmarks (parse.ts) and HostLandmarks. */
const KEYS = [
  ['kernelEntryUs', 'kernelEntryMs'],
  ['firstInitcallUs', 'firstInitcallMs'],
  ['lastInitcallUs', 'lastInitcallMs'],
  ['freeingInitMemUs', 'freeingInitMemMs'],
  ['runInitUs', 'runInitMs'],
] as const;

export function uptimeFromMarker(text: string): number | undefined {
  const m = /uptime=(\d+(?:\.\d+)?)/.exec(text);
  return m ? Math.round(Number(m[1]) * 1e6) : undefined;
}

/** `tsc=N` of a start marker; undefined when the initramfs has no probe (`tsc=`). */
export function tscFromMarker(text: string): number | undefined {
  const m = /\btsc=(\d+)/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * Host arrival times of the landmark lines printed on the console before the
 * end marker. Which line is which landmark is the parser's call
 * (parseBootLog, as `ktrim report` reads a log): one reading of a boot.
 */
export function hostLandmarks(lines: readonly ConsoleLine[]): HostLandmarks {
  const h: HostLandmarks = {};
  const boot: ConsoleLine[] = [];
  for (const l of lines) {
    if (h.firstOutputMs === undefined && l.text.trim()) h.firstOutputMs = l.ms;
    if (l.text.startsWith(MARKERS.start)) h.initMs ??= l.ms;
    else if (l.text.startsWith(MARKERS.end)) {
      h.markerMs = l.ms;
      break;
    } else if (l.text.startsWith(MARKERS.dmesgBegin)) break; // no end marker: the dump is no console arrival
    boot.push(l);
  }
  // One console line is one parser line: landmark line numbers index `boot`.
  const parsed = parseBootLog(boot.map((l) => l.text.replace(/\n/g, ' ')).join('\n'), { source: 'console' });
  const at = parsed.landmarkLines ?? {};
  for (const [guestKey, hostKey] of KEYS) {
    const line = at[guestKey];
    if (line !== undefined && boot[line - 1]) h[hostKey] = boot[line - 1].ms;
  }
  return h;
}

/** Guest landmarks from the dmesg dump (as `ktrim report` reads it) and the markers' uptimes. */
export function guestLandmarks(dmesg: string | undefined, lines: readonly ConsoleLine[]): GuestLandmarks {
  const g: GuestLandmarks = {};
  for (const l of lines) {
    if (l.text.startsWith(MARKERS.start) && g.initUptimeUs === undefined) {
      g.initUptimeUs = uptimeFromMarker(l.text);
      g.initTsc = tscFromMarker(l.text);
    }
    if (l.text.startsWith(MARKERS.end)) g.markerUptimeUs ??= uptimeFromMarker(l.text);
    // /init's copy of the `Run /init` dmesg line, read as a dmesg line (the dump, when there is one, agrees)
    if (l.text.startsWith(MARKERS.runInit) && g.runInitUs === undefined) {
      g.runInitUs = parseBootLog(l.text.slice(MARKERS.runInit.length).trim(), { source: 'dmesg' }).landmarks.runInitUs;
    }
  }
  if (dmesg) {
    const lm = parseBootLog(dmesg, { source: 'dmesg' }).landmarks;
    for (const [key] of KEYS) if (lm[key] !== undefined) g[key] = lm[key];
  }
  return g;
}

/** Lines strictly between two marker lines (first occurrence). */
export function between(lines: readonly ConsoleLine[], begin: string, end: string): ConsoleLine[] | undefined {
  const i = lines.findIndex((l) => l.text.startsWith(begin));
  if (i < 0) return undefined;
  const j = lines.findIndex((l, k) => k > i && l.text.startsWith(end));
  return lines.slice(i + 1, j < 0 ? lines.length : j);
}

/** busybox `free -m`: the `Mem:` row. */
export function parseFree(lines: readonly string[]): FreeMemory | undefined {
  const header = lines
    .find((l) => /\btotal\b/.test(l))
    ?.trim()
    .split(/\s+/);
  const mem = lines.find((l) => /^\s*Mem:/.test(l));
  if (!header || !mem) return undefined;
  const values = mem.trim().split(/\s+/).slice(1).map(Number);
  const get = (name: string) => {
    const i = header.indexOf(name);
    return i >= 0 && Number.isFinite(values[i]) ? values[i] : undefined;
  };
  const totalMb = get('total');
  const usedMb = get('used');
  const freeMb = get('free');
  if (totalMb === undefined || usedMb === undefined || freeMb === undefined) return undefined;
  return { totalMb, usedMb, freeMb, availableMb: get('available') };
}
