/**
 * The initcall data model shared by the parser (parse.ts), the ranking
 * (rank.ts) and every report format. Pure data: no I/O anywhere in
 * src/initcall/.
 *
 * Times are microseconds. `*TimeUs` fields are printk timestamps (seconds
 * since boot × 1e6) and are absent when the kernel ran without PRINTK_TIME.
 */

/** Kernel initcall levels in run order, as in init/main.c's initcall_level_names. */
export const INITCALL_LEVELS = ['early', 'pure', 'core', 'postcore', 'arch', 'subsys', 'fs', 'rootfs', 'device', 'late'] as const;
export type InitcallLevel = (typeof INITCALL_LEVELS)[number] | 'module';

/** A diagnostic about the input, always tied to a line of it. */
export interface ParseWarning {
  /** 1-based line number in the input. */
  line: number;
  message: string;
}

/** One `calling … / initcall … returned …` pair (or a lone `calling`). */
export interface InitcallRecord {
  /** Function name, e.g. `pci_subsys_init`; a resolved symbol when the log had a bare address. */
  fn: string;
  /** Module name from a `[module]` tag, when the initcall ran from a loadable module. */
  module?: string;
  /** The bare address printed without CONFIG_KALLSYMS (`0xffffffff818c2a38`). */
  address?: string;
  /** PID from `@ PID`. */
  pid?: number;
  /** True for async_schedule()d work (`calling  N_fn @ PID`); it overlaps other initcalls. */
  async: boolean;
  /** The async cookie N of `N_fn`. */
  asyncCookie?: number;
  /** Initcall level, when it can be known (level lines, module tag, System.map). */
  level?: InitcallLevel;
  /** printk timestamp of the `calling` line. */
  startTimeUs?: number;
  /** printk timestamp of the `returned` line. */
  endTimeUs?: number;
  /** The duration the kernel printed (`after N usecs`; msecs converted). Absent when it never returned. */
  durationUs?: number;
  /** Return value; non-zero (e.g. -19 ENODEV) marks a driver that found nothing to drive. */
  ret?: number;
  /** False for a `calling` line without its `returned` line (a hang or a truncated log). */
  complete: boolean;
  /** Line numbers (1-based) of the `calling` and `returned` lines. */
  callLine: number;
  returnLine?: number;
  /** Device probes that ran inside this initcall; already included in durationUs. */
  probes: ProbeRecord[];
  /** Code size, 0x1c of `fn+0x0/0x1c`: tells apart two static functions of one name. */
  size?: number;
  /** A console_initcall() run by PID 0 in start_kernel(), before timekeeping (the kernel prints 0 µs). */
  console?: boolean;
  /** durationUs is the difference of the calling/returned timestamps, not the value the kernel printed. */
  durationEstimated?: boolean;
  /** Values the log's own timestamps contradict: left out (durationUs then estimated when possible). */
  garbled?: Array<'startTimeUs' | 'endTimeUs' | 'durationUs'>;
}

/** `probe of DEV returned R after N usecs` (driver core, with initcall_debug). */
export interface ProbeRecord {
  device: string;
  /** Driver or bus name when the kernel printed it (newer kernels: `bus: 'x': ...`). */
  driver?: string;
  ret: number;
  durationUs: number;
  timeUs?: number;
  line: number;
  /** Index into ParsedBoot.initcalls of the initcall it ran in, when nested. */
  initcallIndex?: number;
}

/** `async_waiting @ PID` … `async_continuing @ PID after N usec`. */
export interface AsyncWaitRecord {
  pid: number;
  durationUs?: number;
  startTimeUs?: number;
  line: number;
}

/** Landmarks of a boot, each with its printk timestamp when there is one. */
export interface BootLandmarks {
  /** `Linux version …` line. */
  kernelEntryUs?: number;
  firstInitcallUs?: number;
  lastInitcallUs?: number;
  /** `Freeing unused kernel … memory`. */
  freeingInitMemUs?: number;
  /** `Run /init as init process` (or /sbin/init, …). */
  runInitUs?: number;
}

/** Everything parse.ts extracts from one log (one boot). */
export interface ParsedBoot {
  /** Where the log came from (a path or a label). */
  source: string;
  /** Full `Linux version …` string, e.g. `6.1.0-28-amd64 (debian-kernel@…) … #1 SMP …`. */
  kernelVersion?: string;
  /** The kernel release alone (`6.1.0-28-amd64`). */
  kernelRelease?: string;
  commandLine?: string;
  /** Whether lines carried printk timestamps. */
  hasTimestamps: boolean;
  initcalls: InitcallRecord[];
  probes: ProbeRecord[];
  asyncWaits: AsyncWaitRecord[];
  landmarks: BootLandmarks;
  /** Sum of synchronous (non-async) complete initcall durations. */
  totalInitcallUs: number;
  /**
   * Time between the first `calling` and the last `returned` not spent in any
   * synchronous initcall (printk, scheduling, console). Needs timestamps.
   */
  outsideInitcallUs?: number;
  /** Line numbers of the landmarks (of the `calling`/`returned` line for the first/last initcall). */
  landmarkLines?: Partial<Record<keyof BootLandmarks, number>>;
  /** printk timestamp of the last timestamped line of the boot: where a call that never returned is drawn to. */
  lastTimestampUs?: number;
  /** Values left out because the log's own timestamps contradict them (each has a warning). */
  garbledValues?: number;
  warnings: ParseWarning[];
  /** Number of input lines read. */
  lineCount: number;
}

/** Symbol resolution for bare addresses (from System.map). */
export interface SymbolMap {
  /** Name of the symbol at exactly this address, or the closest one below it. */
  lookup(address: bigint): { name: string; offset: bigint } | undefined;
  /** Initcall level of a function, from `__initcall__kmod_…_fnN` / `__initcall_fnN` entries. */
  levelOf?(fn: string): InitcallLevel | undefined;
}

export interface ParseOptions {
  source?: string;
  symbols?: SymbolMap;
}
