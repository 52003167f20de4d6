/**
 * The qemu runner: one boot of one kernel, every console line stamped with
 * the host monotonic clock as it arrives. A boot ends in one of four ways,
 * each reported as such:
 *   'marker'  — /init printed KTRIM-MARKER end (qemu is killed at KTRIM-DONE,
 *               after free -m and the optional dmesg dump)
 *   'panic'   — `Kernel panic - not syncing` (qemu exits itself: panic=-1 and
 *               -no-reboot; killed if it does not within a few seconds)
 *   'timeout' — nothing ended the boot in time; the whole group is killed
 *   'exit'    — qemu exited on its own before any marker (bad args, reboot),
 *               or the guest restarted before the marker: a second kernel
 *               banner (microvm ignores -no-reboot and would loop; killed)
 * qemu's peak RSS is VmHWM sampled from /proc/<qemu pid>/status: qemu is
 * started directly (no wrapper), so the child's pid is qemu's.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { BootError } from '../errors.js';
import { findExecutable, startChild, type ChildResult } from '../process.js';
import type { Logger } from '../ui/log.js';
import { MARKERS } from './initramfs.js';

export type BootEnding = 'marker' | 'panic' | 'timeout' | 'exit';
export type Accel = 'kvm' | 'tcg';

export interface QemuRequest {
  kernel: string;
  initrd: string;
  /** Full kernel command line. */
  append: string;
  smp: number;
  memoryMb: number;
  timeoutMs: number;
  /** 'auto' (default): kvm when /dev/kvm is usable, else tcg. */
  accel?: Accel | 'auto';
  extraArgs?: readonly string[];
  /** qemu -machine value (pc, q35, microvm, microvm,pit=off…); qemu's default (pc) when absent. */
  machine?: string;
  /** Firmware image for -bios (e.g. /usr/share/qemu/qboot.rom); the machine's default when absent. */
  bios?: string;
  /** Raw console bytes, verbatim. */
  rawLog?: Writable;
}

export interface QemuDeps {
  /** qemu-system-x86_64 (or a fake for tests). */
  qemuBinary: string;
  kvmUsable(): boolean;
  /** Peak RSS in KiB of a live process, undefined once it is gone. */
  readPeakRssKb(pid: number): number | undefined;
  /** CPU time (user + system, all threads) in ms of a live process; sampled when /init starts. */
  readCpuMs?(pid: number): number | undefined;
  rssSampleMs?: number;
  /** Grace period after a panic line before qemu is killed (default 5000 ms). */
  panicGraceMs?: number;
  logger?: Logger;
}

/** A console line with the host monotonic time (ms since qemu was spawned). */
export interface ConsoleLine {
  ms: number;
  text: string;
}

export interface QemuRun {
  argv: string[];
  accel: Accel;
  ending: BootEnding;
  /** The console line that ended the boot (panic message), or a description. */
  endingDetail: string;
  exitCode?: number;
  signal?: string;
  /** Host ms from spawn to qemu's exit (or to the kill). */
  wallMs: number;
  /** VmHWM of qemu in KiB, last sample before it died. */
  peakRssKb?: number;
  /**
   * qemu's CPU time (ms, all threads) when the start marker arrived: the host
   * work to reach /init (firmware, loading, the emulated kernel). Under TCG it
   * moves far less with host load than wall time: at load 13 on 2 CPUs,
   * SeaBIOS 1610-1930 ms CPU against 4826-6214 ms wall.
   */
  cpuMsAtInit?: number;
  /** Console lines (serial on qemu's stdout), CR stripped. */
  console: ConsoleLine[];
  /** qemu's own stderr lines (warnings, errors). */
  stderr: string[];
}

const PANIC_RE = /Kernel panic - not syncing/;
/** The kernel's banner: seen twice before the end marker means the guest restarted. */
const BANNER_RE = /(^|\]\s*)Linux version \d/;

export function qemuArgv(req: QemuRequest, accel: Accel, qemuBinary: string): string[] {
  return [
    qemuBinary,
    '-nodefaults',
    '-no-reboot',
    '-nographic',
    ...(req.machine ? ['-machine', req.machine] : []),
    '-accel',
    accel,
    ...(accel === 'kvm' ? ['-cpu', 'host'] : []),
    ...(req.bios ? ['-bios', req.bios] : []),
    '-m',
    String(req.memoryMb),
    '-smp',
    String(req.smp),
    '-serial',
    'stdio',
    '-kernel',
    req.kernel,
    '-initrd',
    req.initrd,
    '-append',
    req.append,
    ...(req.extraArgs ?? []),
  ];
}

export function chooseAccel(req: Pick<QemuRequest, 'accel'>, deps: Pick<QemuDeps, 'kvmUsable'>): Accel {
  if (req.accel === 'kvm' || req.accel === 'tcg') return req.accel;
  return deps.kvmUsable() ? 'kvm' : 'tcg';
}

/** Boot once; never throws for a failed boot (see `ending`), only for a missing qemu. */
export async function runQemu(req: QemuRequest, deps: QemuDeps): Promise<QemuRun> {
  if (findExecutable(deps.qemuBinary) === undefined) {
    throw new BootError(`${deps.qemuBinary} not found: install Debian's qemu-system-x86 (run \`make debs\`)`);
  }
  const accel = chooseAccel(req, deps);
  const argv = qemuArgv(req, accel, deps.qemuBinary);
  const consoleLines: ConsoleLine[] = [];
  const stderr: string[] = [];
  let ending: BootEnding | undefined;
  let endingDetail = '';
  let markerSeen = false;
  let banners = 0;
  let inDump = false; // inside the dmesg dump, whose own banner line is no restart
  let cpuMsAtInit: number | undefined;
  let peakRssKb: number | undefined;
  let panicTimer: NodeJS.Timeout | undefined;

  const child = startChild(argv, {
    logger: deps.logger,
    rawLog: req.rawLog,
    timeoutMs: req.timeoutMs,
    onLine(line) {
      const text = cleanConsoleLine(line.text);
      if (line.stream === 'stderr') {
        stderr.push(text);
        return;
      }
      const ms = line.hostMs - child.startMs;
      consoleLines.push({ ms, text });
      if (ending) return;
      if (cpuMsAtInit === undefined && text.startsWith(MARKERS.start) && child.pid !== undefined) cpuMsAtInit = deps.readCpuMs?.(child.pid);
      if (text.startsWith(MARKERS.end)) markerSeen = true;
      if (text.startsWith(MARKERS.dmesgBegin)) inDump = true;
      if (text.startsWith(MARKERS.dmesgEnd)) inDump = false;
      if (inDump) return;
      if (!markerSeen && BANNER_RE.test(text) && ++banners > 1) {
        // A reset where -no-reboot is not honoured (microvm): the boot would loop until the timeout.
        ending = 'exit';
        endingDetail = 'the guest restarted before the end marker (a second "Linux version" banner; this machine ignores -no-reboot)';
        void child.kill();
      } else if (markerSeen && BANNER_RE.test(text)) {
        // `reboot -f` restarted the guest without KTRIM-DONE (an initrd of the user's): the window is over.
        ending = 'marker';
        endingDetail = 'end marker reached (then the guest restarted)';
        sample();
        void child.kill();
      } else if (text.startsWith(MARKERS.done) && markerSeen) {
        ending = 'marker';
        endingDetail = 'end marker reached';
        sample();
        void child.kill();
      } else if (PANIC_RE.test(text) && !markerSeen) {
        ending = 'panic';
        endingDetail = text.replace(/^\[[^\]]*\]\s*/, '');
        // panic=-1 with -no-reboot makes qemu exit; kill it if it does not.
        panicTimer = setTimeout(() => void child.kill(), deps.panicGraceMs ?? 5000);
      }
    },
  });
  child.stdin?.on('error', () => {});
  const sample = () => {
    if (child.pid === undefined) return;
    const kb = deps.readPeakRssKb(child.pid);
    if (kb !== undefined) peakRssKb = Math.max(peakRssKb ?? 0, kb);
  };
  sample();
  const sampler = setInterval(sample, deps.rssSampleMs ?? 50);
  let res: ChildResult;
  try {
    res = await child.done;
  } finally {
    clearInterval(sampler);
    if (panicTimer) clearTimeout(panicTimer);
  }
  if (!ending) {
    if (markerSeen) {
      ending = 'marker';
      endingDetail = res.timedOut ? 'end marker reached, then the guest hung before KTRIM-DONE' : 'end marker reached';
    } else if (res.timedOut) {
      ending = 'timeout';
      endingDetail = `no end marker within ${seconds(req.timeoutMs)} s (last console line: ${lastText(consoleLines)})`;
    } else {
      ending = 'exit';
      const why = stderr.find((l) => l.trim()) ?? lastText(consoleLines);
      endingDetail = `qemu exited (${res.exitCode ?? res.signal}) before the end marker: ${why}`;
    }
  }
  return {
    argv,
    accel,
    ending,
    endingDetail,
    exitCode: res.exitCode,
    signal: res.signal,
    wallMs: res.endMs - res.startMs,
    peakRssKb,
    ...(cpuMsAtInit !== undefined ? { cpuMsAtInit } : {}),
    console: consoleLines,
    stderr,
  };
}

/** Drop CRs and terminal escapes (SeaBIOS clears the screen); the raw log keeps them. */
export function cleanConsoleLine(raw: string): string {
  // eslint-disable-next-line no-control-regex
  return raw.replace(/\x1b(\[[0-9;?]*[A-Za-z]|[A-Za-z])/g, '').replace(/\r/g, '');
}

function seconds(ms: number): string {
  return Number.isInteger(ms / 1000) ? String(ms / 1000) : (ms / 1000).toFixed(1);
}

function lastText(lines: ConsoleLine[]): string {
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i].text.trim()) return JSON.stringify(lines[i].text.trim().slice(0, 120));
  return 'none';
}

/** VmHWM (peak resident set) from /proc/PID/status, in KiB. */
export function readVmHwmKb(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Linux reports /proc times in USER_HZ ticks, 100 per second on x86 whatever the kernel's HZ. */
const USER_HZ = 100;

/** utime + stime (fields 14 and 15) of a /proc/PID/stat line, in ms; the command name may hold spaces and parentheses. */
export function parseProcStatCpuMs(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / USER_HZ : undefined;
}

/** CPU time of a live process (all its threads) in ms, from /proc/PID/stat. */
export function readProcessCpuMs(pid: number): number | undefined {
  try {
    return parseProcStatCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * /dev/kvm exists, we may open it read-write, and the CPU advertises
 * hardware virtualization (vmx/svm). The last check matters: some microVMs
 * (Firecracker) expose a /dev/kvm whose guests hang in the firmware.
 */
export function kvmUsable(cpuinfo = '/proc/cpuinfo'): boolean {
  if (!existsSync('/dev/kvm')) return false;
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return /^flags\s*:.*\b(vmx|svm)\b/m.test(readFileSync(cpuinfo, 'utf8'));
  } catch {
    return false;
  }
}

export function defaultQemuDeps(logger?: Logger): QemuDeps {
  return { qemuBinary: 'qemu-system-x86_64', kvmUsable, readPeakRssKb: readVmHwmKb, readCpuMs: readProcessCpuMs, logger };
}
