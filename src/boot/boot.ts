/**
 * Boot a kernel in qemu with the boot lab initramfs and turn what the runner
 * saw into typed figures (bootKernel), and repeat it for statistics
 * (benchmarkBoots). The minimization loop calls these; `ktrim boot` prints them.
 *
 * Clocks: `host*Ms` are host monotonic ms since qemu was spawned (console
 * lines as they arrived); `guest*` figures are the guest's own clock (printk
 * timestamps from dmesg, /proc/uptime printed by /init).
 */
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { BootError, InputError } from '../errors.js';
import { interruption } from '../process.js';
import { summarizeOrNull, type Summary } from '../stats/summary.js';
import type { Logger } from '../ui/log.js';
import { buildInitramfs, defaultInitramfsDeps, DMESG_FLAG, MARKERS, type InitramfsDeps } from './initramfs.js';
import {
  between,
  guestLandmarks,
  hostLandmarks,
  parseFree,
  type FreeMemory,
  type GuestLandmarks,
  type HostLandmarks,
} from './landmarks.js';
import { defaultQemuDeps, runQemu, type Accel, type BootEnding, type ConsoleLine, type QemuDeps } from './qemu.js';
import { makeOutputDir } from '../output.js';

export interface BootRequest {
  kernel: string;
  /** An initramfs to use instead of the boot lab's (it must print the markers). */
  initrd?: string;
  /** Extra kernel parameters, after ktrim's own (console=ttyS0 panic=-1 ...). */
  append?: string;
  smp?: number;
  memoryMb?: number;
  timeoutS?: number;
  /** Add initcall_debug and log_buf_len=4M, and dump dmesg after the marker. */
  initcallDebug?: boolean;
  /** Dump dmesg after the marker (implied by initcallDebug). */
  dmesg?: boolean;
  /** Test script for the initramfs (must print PASS). */
  testScript?: string;
  /** Kernel modules (.ko) to put in the initramfs and insmod after the start marker. */
  modules?: string[];
  /** Extra initramfs files: path in the guest → host file. */
  extraFiles?: Record<string, string>;
  /** The initrd runs a test script (set by withInitramfs): a boot without its outcome fails. */
  expectTest?: boolean;
  accel?: Accel | 'auto';
  extraQemuArgs?: string[];
  /** qemu -machine (pc, q35, microvm, microvm,pit=off,…); qemu's default (pc) when absent. */
  machine?: string;
  /** Firmware for qemu -bios (e.g. /usr/share/qemu/qboot.rom); the machine's default when absent. */
  bios?: string;
  /** Keep each boot's console (raw and host-timestamped) and dmesg here. */
  logDir?: string;
  /** Name for the log files of this boot (e.g. `boot-3`). */
  logName?: string;
}

export interface BootDeps {
  qemu: QemuDeps;
  initramfs: InitramfsDeps;
  logger?: Logger;
  /** Where cached initramfs images go (tests). */
  cacheDir?: string;
}

export const DEFAULTS = { smp: 1, memoryMb: 256, timeoutS: 120 } as const;
/** ktrim's part of the command line; panic=-1 + -no-reboot makes a panic end qemu. */
export const BASE_APPEND = 'console=ttyS0 panic=-1';
/** Without --append: a quiet console that still prints the `Linux version` banner (KERN_NOTICE). */
export const DEFAULT_APPEND = 'loglevel=6';

export interface TestOutcome {
  rc?: number;
  passed: boolean;
  output: string[];
}

export interface BootResult {
  kernel: string;
  initrd: string;
  append: string;
  smp: number;
  memoryMb: number;
  /** How qemu loads the kernel: bzImage through its boot protocol (linuxboot_dma), or an ELF vmlinux through its PVH entry. */
  loader: KernelImageKind;
  machine?: string;
  bios?: string;
  accel: Accel;
  argv: string[];
  ending: BootEnding;
  endingDetail: string;
  /** Host clock, ms since qemu was spawned; cpuInitMs: qemu's CPU time (all threads) when /init started. */
  host: HostLandmarks & { wallMs: number; cpuInitMs?: number };
  /** Guest clock: printk µs (from dmesg) and /proc/uptime µs at the markers. */
  guest: GuestLandmarks;
  memory: { qemuPeakRssKb?: number; guest?: FreeMemory };
  test?: TestOutcome;
  console: ConsoleLine[];
  dmesg?: string;
  logs?: { console: string; timestamped: string; dmesg?: string };
}

/** The figures of a boot without its console: what summaries need and journals keep. */
export type BootFigures = Pick<BootResult, 'ending' | 'accel' | 'host' | 'guest' | 'memory'>;

/** The kernel command line for a request. */
export function composeAppend(req: Pick<BootRequest, 'append' | 'initcallDebug' | 'dmesg'>): string {
  const parts = [BASE_APPEND];
  if (req.initcallDebug) parts.push('initcall_debug log_buf_len=4M');
  if (req.initcallDebug || req.dmesg) parts.push(DMESG_FLAG);
  parts.push(req.append ?? DEFAULT_APPEND);
  return parts.filter((p) => p.trim()).join(' ');
}

/** A bzImage has the boot protocol magic `HdrS` at 0x202 (Documentation/arch/x86/boot.rst); an ELF vmlinux is refused here. */
export async function checkBzImage(path: string): Promise<void> {
  if ((await imageKind(path)) !== 'bzimage')
    throw new InputError('not a bzImage (no "HdrS" boot header at offset 0x202); pass arch/x86/boot/bzImage', path);
}

export type KernelImageKind = 'bzimage' | 'pvh';

/**
 * What qemu will do with a kernel image: a bzImage (`HdrS` at 0x202) boots
 * through the x86 boot protocol; an ELF vmlinux only through its PVH entry
 * (qemu refuses one without the PVH ELF note: CONFIG_PVH). InputError otherwise.
 */
export async function checkKernelImage(path: string): Promise<KernelImageKind> {
  const kind = await imageKind(path);
  if (kind) return kind;
  throw new InputError(
    'not a bzImage (no "HdrS" boot header at offset 0x202) nor an ELF vmlinux; pass arch/x86/boot/bzImage (or vmlinux for the PVH entry)',
    path,
  );
}

/** The image's kind from its magic bytes; undefined for anything else. InputError when missing or unreadable. */
async function imageKind(path: string): Promise<KernelImageKind | undefined> {
  if (!existsSync(path)) throw new InputError('kernel image not found', path);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new InputError(`cannot read kernel image: ${(err as Error).message}`, path);
  }
  try {
    const elf = Buffer.alloc(4);
    const hdr = Buffer.alloc(4);
    await fh.read(elf, 0, 4, 0);
    const { bytesRead } = await fh.read(hdr, 0, 4, 0x202);
    if (elf.toString('latin1') === '\x7fELF') return 'pvh';
    if (bytesRead === 4 && hdr.toString('latin1') === 'HdrS') return 'bzimage';
    return undefined;
  } finally {
    await fh.close();
  }
}

/** The ELF vmlinux of a bzImage's build: O=dir/vmlinux for O=dir/arch/x86/boot/bzImage (what the PVH loader boots). */
export function vmlinuxBesideKernel(kernel: string): string | undefined {
  const p = join(dirname(resolve(kernel)), '..', '..', '..', 'vmlinux');
  return existsSync(p) ? p : undefined;
}

export function defaultBootDeps(logger?: Logger): BootDeps {
  return { qemu: defaultQemuDeps(logger), initramfs: defaultInitramfsDeps(), logger };
}

function positive(n: number | undefined, fallback: number, what: string): number {
  const v = n ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new InputError(`${what} must be a positive number (got ${n})`);
  return v;
}

/** Boot once. Returns the result whatever the ending; see assertBooted. */
export async function bootKernel(req: BootRequest, deps: BootDeps): Promise<BootResult> {
  const kernel = resolve(req.kernel);
  const loader = await checkKernelImage(kernel);
  if (req.initrd && !existsSync(req.initrd)) throw new InputError('initrd not found', req.initrd);
  if (req.testScript && !existsSync(req.testScript)) throw new InputError('test script not found', req.testScript);
  if (req.initrd && (req.testScript || req.modules?.length || req.extraFiles)) {
    throw new InputError('a test script, modules and extra files go into the boot lab initramfs: drop --initrd to use them', req.initrd);
  }
  const smp = Math.round(positive(req.smp, DEFAULTS.smp, '--smp'));
  const memoryMb = Math.round(positive(req.memoryMb, DEFAULTS.memoryMb, '--memory'));
  const timeoutS = positive(req.timeoutS, DEFAULTS.timeoutS, '--timeout');
  const initrd = req.initrd
    ? resolve(req.initrd)
    : (
        await buildInitramfs(
          { testScript: req.testScript, modules: req.modules, extraFiles: req.extraFiles, cacheDir: deps.cacheDir },
          deps.initramfs,
        )
      ).path;
  const append = composeAppend(req);

  let rawLog: WriteStream | undefined;
  let logs: BootResult['logs'];
  if (req.logDir) {
    await makeOutputDir(req.logDir);
    const name = req.logName ?? 'boot';
    logs = { console: join(req.logDir, `${name}.console.log`), timestamped: join(req.logDir, `${name}.console.ts.log`) };
    rawLog = createWriteStream(logs.console);
  }
  let run;
  try {
    run = await runQemu(
      {
        kernel,
        initrd,
        append,
        smp,
        memoryMb,
        timeoutMs: timeoutS * 1000,
        accel: req.accel,
        extraArgs: req.extraQemuArgs,
        machine: req.machine,
        bios: req.bios,
        rawLog,
      },
      deps.qemu,
    );
  } finally {
    if (rawLog) await new Promise<void>((r) => rawLog!.end(r));
  }
  const dmesgLines = between(run.console, MARKERS.dmesgBegin, MARKERS.dmesgEnd);
  const dmesg = dmesgLines ? dmesgLines.map((l) => l.text).join('\n') + '\n' : undefined;
  const freeLines = between(run.console, MARKERS.freeBegin, MARKERS.freeEnd);
  const testLines = between(run.console, MARKERS.testBegin, MARKERS.testEnd);
  let test: TestOutcome | undefined;
  if (req.testScript || req.expectTest || testLines) {
    const endLine = run.console.find((l) => l.text.startsWith(MARKERS.testEnd));
    const rc = endLine ? Number(/rc=(\d+)/.exec(endLine.text)?.[1]) : undefined;
    const output = (testLines ?? []).map((l) => l.text);
    test = { rc, passed: rc === 0 && output.some((l) => /^\s*PASS\b/.test(l)), output };
  }
  const result: BootResult = {
    kernel,
    initrd,
    append,
    smp,
    memoryMb,
    loader,
    ...(req.machine ? { machine: req.machine } : {}),
    ...(req.bios ? { bios: req.bios } : {}),
    accel: run.accel,
    argv: run.argv,
    ending: run.ending,
    endingDetail: run.endingDetail,
    host: { ...hostLandmarks(run.console), wallMs: run.wallMs, ...(run.cpuMsAtInit !== undefined ? { cpuInitMs: run.cpuMsAtInit } : {}) },
    guest: guestLandmarks(dmesg, run.console),
    memory: { qemuPeakRssKb: run.peakRssKb, guest: freeLines ? parseFree(freeLines.map((l) => l.text)) : undefined },
    test,
    console: run.console,
    dmesg,
  };
  if (logs && req.logDir) {
    // Host seconds since qemu was spawned; `ktrim analyze LOG` reads this back.
    const body = run.console.map((l) => `${(l.ms / 1000).toFixed(6)} ${l.text}`);
    const header = `# qemu-start ${run.argv.map((a) => JSON.stringify(a)).join(' ')}`;
    const footer = `# qemu-exit ${(run.wallMs / 1000).toFixed(6)} ending=${run.ending} accel=${run.accel} peak-rss-kb=${run.peakRssKb ?? '?'}`;
    await writeFile(logs.timestamped, [header, ...body, footer].join('\n') + '\n');
    if (dmesg) {
      logs.dmesg = join(req.logDir, `${req.logName ?? 'boot'}.dmesg.log`);
      await writeFile(logs.dmesg, dmesg);
    }
    result.logs = logs;
  }
  return result;
}

/** The last console lines of a failed boot, for the user to see why. */
export function logConsoleTail(r: BootResult, logger: Logger | undefined, lines = 10): void {
  if (!logger) return;
  const tail = r.console.filter((l) => l.text.trim()).slice(-lines);
  if (!tail.length) return;
  logger.info(`last console lines of the failed boot (${r.ending}):`);
  for (const l of tail) logger.info(`  ${(l.ms / 1000).toFixed(3)} | ${l.text}`);
}

/** Throw a BootError (exit 2) unless the boot reached the end marker and its test passed. */
export function assertBooted(r: BootResult): void {
  const what = `${r.kernel}`;
  if (r.ending === 'panic') throw new BootError(`kernel panic booting ${what}: ${r.endingDetail}`);
  if (r.ending === 'timeout') throw new BootError(`boot of ${what} timed out: ${r.endingDetail}`);
  if (r.ending === 'exit') throw new BootError(`boot of ${what} failed: ${r.endingDetail}`);
  if (r.test && !r.test.passed) {
    throw new BootError(`test script failed on ${what} (rc=${r.test.rc ?? '?'}, no PASS line): ${r.test.output.slice(-3).join(' | ')}`);
  }
}

/** One summary for every figure (src/stats/summary.ts): sd is null for a single boot. */
export type { Summary };

/** Figures reported per boot and summarized over boots, with their clock and unit. */
export const METRICS = {
  kernelEntryMs: { label: 'kernel entry (Linux version)', unit: 'ms', clock: 'host', get: (r: BootFigures) => r.host.kernelEntryMs },
  initMs: { label: '/init started (start marker)', unit: 'ms', clock: 'host', get: (r: BootFigures) => r.host.initMs },
  markerMs: { label: 'end marker', unit: 'ms', clock: 'host', get: (r: BootFigures) => r.host.markerMs },
  wallMs: { label: 'qemu wall time', unit: 'ms', clock: 'host', get: (r: BootFigures) => r.host.wallMs },
  cpuInitMs: { label: 'qemu CPU time to /init', unit: 'ms', clock: 'host', get: (r: BootFigures) => r.host.cpuInitMs },
  guestInitUptimeMs: {
    label: '/init started (guest uptime)',
    unit: 'ms',
    clock: 'guest',
    get: (r: BootFigures) => us2ms(r.guest.initUptimeUs),
  },
  guestMarkerUptimeMs: {
    label: 'end marker (guest uptime)',
    unit: 'ms',
    clock: 'guest',
    get: (r: BootFigures) => us2ms(r.guest.markerUptimeUs),
  },
  qemuPeakRssMb: { label: 'qemu peak RSS (VmHWM)', unit: 'MiB', clock: '', get: (r: BootFigures) => kb2mb(r.memory.qemuPeakRssKb) },
  guestUsedMb: { label: 'guest used (free -m)', unit: 'MiB', clock: '', get: (r: BootFigures) => r.memory.guest?.usedMb },
  guestTotalMb: { label: 'guest total (free -m)', unit: 'MiB', clock: '', get: (r: BootFigures) => r.memory.guest?.totalMb },
} as const;
export type MetricName = keyof typeof METRICS;

function us2ms(us: number | undefined): number | undefined {
  return us === undefined ? undefined : us / 1000;
}
function kb2mb(kb: number | undefined): number | undefined {
  return kb === undefined ? undefined : kb / 1024;
}

export interface BenchmarkOptions {
  runs: number;
  warmup?: number;
  /** Called after each boot (warm-ups included) for progress. */
  onBoot?: (r: BootResult, index: number, warmup: boolean) => void;
}

export interface BenchmarkResult {
  request: BootRequest;
  accel: Accel;
  warmups: BootResult[];
  boots: BootResult[];
  summary: Partial<Record<MetricName, Summary>>;
}

export function summarizeBoots(boots: readonly BootFigures[]): Partial<Record<MetricName, Summary>> {
  const out: Partial<Record<MetricName, Summary>> = {};
  for (const [name, m] of Object.entries(METRICS) as [MetricName, (typeof METRICS)[MetricName]][]) {
    const s = summarizeOrNull(boots.map((b) => m.get(b)).filter((x): x is number => x !== undefined && Number.isFinite(x)));
    if (s) out[name] = s;
  }
  return out;
}

/**
 * Build the boot lab initramfs once for a series of boots: the returned
 * request carries it as `initrd` (test script, modules and files inside).
 */
export async function withInitramfs(req: BootRequest, deps: BootDeps): Promise<BootRequest> {
  if (req.initrd) return req;
  if (req.testScript && !existsSync(req.testScript)) throw new InputError('test script not found', req.testScript);
  const { path } = await buildInitramfs(
    { testScript: req.testScript, modules: req.modules, extraFiles: req.extraFiles, cacheDir: deps.cacheDir },
    deps.initramfs,
  );
  return { ...req, initrd: path, testScript: undefined, modules: undefined, extraFiles: undefined, expectTest: Boolean(req.testScript) };
}

/** Warm-up boots, then `runs` counted boots; any failed boot throws a BootError. */
export async function benchmarkBoots(req: BootRequest, opts: BenchmarkOptions, deps: BootDeps): Promise<BenchmarkResult> {
  const runs = Math.round(positive(opts.runs, 1, '--runs'));
  const warmup = Math.max(0, Math.round(opts.warmup ?? 0));
  const warmups: BootResult[] = [];
  const boots: BootResult[] = [];
  await checkKernelImage(resolve(req.kernel)); // before building anything
  const prepared = await withInitramfs(req, deps);
  for (let i = 0; i < warmup + runs; i++) {
    const stop = interruption();
    if (stop) throw stop;
    const isWarmup = i < warmup;
    const index = isWarmup ? i + 1 : i - warmup + 1;
    const r = await bootKernel({ ...prepared, logName: `${isWarmup ? 'warmup' : 'boot'}-${index}` }, deps);
    if (r.ending !== 'marker') logConsoleTail(r, deps.logger);
    assertBooted(r);
    (isWarmup ? warmups : boots).push(r);
    opts.onBoot?.(r, index, isWarmup);
  }
  return { request: req, accel: boots[0]?.accel ?? warmups[0]?.accel ?? 'tcg', warmups, boots, summary: summarizeBoots(boots) };
}
