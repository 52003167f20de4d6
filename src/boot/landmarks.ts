/**
 * Landmarks of one boot read from what the runner captured: the console lines
 * (host clock) and the dmesg dump (guest printk clock). Pure functions.
 */
import { MARKERS } from './initramfs.js';
import type { ConsoleLine } from './qemu.js';

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
  /** /proc/uptime printed with the end marker, µs. */
  markerUptimeUs?: number;
}

export interface FreeMemory {
  totalMb: number;
  usedMb: number;
  freeMb: number;
  availableMb?: number;
}

const PRINTK_RE = /^\s*(?:<\d+>)?\[\s*(\d+)\.(\d{6})\]\s?(.*)$/;
const CALLING_RE = /\bcalling\s+\S+\s+@\s+\d+/;
const RETURNED_RE = /\binitcall\s+\S+\s+returned\s+-?\d+\s+after/;
const FREEING_RE = /Freeing unused kernel .*memory/;
const RUN_INIT_RE = /Run \S+ as init process/;

/** Strip a printk `[ t ]` prefix; returns the time in µs and the message. */
export function splitPrintk(line: string): { us?: number; text: string } {
  const m = PRINTK_RE.exec(line);
  if (!m) return { text: line };
  return { us: Number(m[1]) * 1e6 + Number(m[2]), text: m[3] };
}

export function uptimeFromMarker(text: string): number | undefined {
  const m = /uptime=(\d+(?:\.\d+)?)/.exec(text);
  return m ? Math.round(Number(m[1]) * 1e6) : undefined;
}

function classify(text: string): keyof Omit<HostLandmarks, 'firstOutputMs' | 'initMs' | 'markerMs'> | undefined {
  if (text.includes('Linux version ')) return 'kernelEntryMs';
  if (CALLING_RE.test(text)) return 'firstInitcallMs';
  if (RETURNED_RE.test(text)) return 'lastInitcallMs';
  if (FREEING_RE.test(text)) return 'freeingInitMemMs';
  if (RUN_INIT_RE.test(text)) return 'runInitMs';
  return undefined;
}

export function hostLandmarks(lines: readonly ConsoleLine[]): HostLandmarks {
  const h: HostLandmarks = {};
  for (const l of lines) {
    if (h.firstOutputMs === undefined && l.text.trim()) h.firstOutputMs = l.ms;
    if (h.markerMs !== undefined) break;
    if (l.text.startsWith(MARKERS.start)) h.initMs ??= l.ms;
    else if (l.text.startsWith(MARKERS.end)) h.markerMs = l.ms;
    else {
      const k = classify(l.text);
      if (k === 'lastInitcallMs') h.lastInitcallMs = l.ms;
      else if (k === 'freeingInitMemMs') h.freeingInitMemMs = l.ms; // the last one ("image" follows "initrd")
      else if (k) h[k] ??= l.ms;
    }
  }
  return h;
}

/** Guest landmarks from the dmesg dump and the markers' uptimes. */
export function guestLandmarks(dmesg: string | undefined, lines: readonly ConsoleLine[]): GuestLandmarks {
  const g: GuestLandmarks = {};
  for (const l of lines) {
    if (l.text.startsWith(MARKERS.start)) g.initUptimeUs ??= uptimeFromMarker(l.text);
    if (l.text.startsWith(MARKERS.end)) g.markerUptimeUs ??= uptimeFromMarker(l.text);
  }
  for (const raw of (dmesg ?? '').split('\n')) {
    const { us, text } = splitPrintk(raw);
    if (us === undefined) continue;
    if (text.includes('Linux version ')) g.kernelEntryUs ??= us;
    else if (CALLING_RE.test(text)) g.firstInitcallUs ??= us;
    else if (RETURNED_RE.test(text)) g.lastInitcallUs = us;
    else if (FREEING_RE.test(text)) g.freeingInitMemUs = us;
    else if (RUN_INIT_RE.test(text)) g.runInitUs ??= us;
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
  const header = lines.find((l) => /\btotal\b/.test(l))?.trim().split(/\s+/);
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
