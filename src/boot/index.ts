/** The boot lab's public API: what the minimization loop and the commands call. */
export { bootKernel, benchmarkBoots, assertBooted, checkBzImage, composeAppend, defaultBootDeps, summarizeBoots, METRICS } from './boot.js';
export type { BootRequest, BootDeps, BootResult, BenchmarkOptions, BenchmarkResult, MetricName, Summary, TestOutcome } from './boot.js';
export { analyzeBoots, formatTimeline, timelineSvg, parseTimestampedConsole, consoleRate } from './analyze.js';
export type { BootAnalysis, PhaseStat, ConsoleCost, AnalyzableBoot } from './analyze.js';
export { benchmarkRange, formatRangeTable, kernelsInDirectory, labelKernels } from './range.js';
export type { RangeRequest, RangeResult, RangeCell, Verdict, Axis, KernelChoice } from './range.js';
export { buildInitramfs, MARKERS, DMESG_FLAG } from './initramfs.js';
export type { InitramfsOptions, InitramfsDeps, Initramfs } from './initramfs.js';
export { runQemu, kvmUsable, readVmHwmKb, defaultQemuDeps } from './qemu.js';
export type { QemuRequest, QemuDeps, QemuRun, BootEnding, Accel, ConsoleLine } from './qemu.js';
