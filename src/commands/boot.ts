/** `ktrim boot`: boot-benchmark a kernel in qemu (src/boot/boot.ts does the work). */
import type { CommandModule } from 'yargs';
import { join } from 'node:path';
import { cacheRoot } from '../cache.js';
import { InputError } from '../errors.js';
import {
  benchmarkBoots,
  defaultBootDeps,
  METRICS,
  type BenchmarkResult,
  type BootRequest,
  type BootResult,
  type MetricName,
} from '../boot/boot.js';
import { contextFrom, type GlobalArgs } from './context.js';
import { formatMeanSd } from '../stats/summary.js';
import { chooseAccel } from '../boot/qemu.js';
import {
  BOOT_METRICS,
  formatMetricLine,
  metricSpec,
  metricValueMs,
  requestForMetric,
  summarizeMetric,
  type BootMetric,
} from '../boot/metric.js';
import type { Logger } from '../ui/log.js';

/** The flags of `bootOptions`, shared by boot, analyze and bench-range. */
export interface CommonBootArgs {
  initrd?: string;
  timeout: number;
  test?: string;
  accel: 'auto' | 'kvm' | 'tcg';
  json?: boolean;
  module?: string[];
  'add-file'?: string[];
  'qemu-arg'?: string[];
}

/** The BootRequest fields that come straight from `bootOptions`. */
export function commonBootRequest(argv: CommonBootArgs) {
  return {
    initrd: argv.initrd,
    timeoutS: argv.timeout,
    testScript: argv.test,
    modules: argv.module,
    extraFiles: parseAddFiles(argv['add-file']),
    extraQemuArgs: argv['qemu-arg'],
    accel: argv.accel,
  } satisfies Partial<BootRequest>;
}

/** Files the boot flags read: an output (--svg, --journal) may be none of them. */
export function bootInputs(argv: CommonBootArgs): string[] {
  return [argv.initrd, argv.test, ...(argv.module ?? []), ...Object.values(parseAddFiles(argv['add-file']) ?? {})].filter(
    (p): p is string => p !== undefined,
  );
}

export interface BootArgs extends GlobalArgs, CommonBootArgs {
  kernel: string;
  append?: string;
  smp: number;
  memory: number;
  runs: number;
  /** Default 1; 0 with a deterministic --metric (icount), whose first boot is no different. */
  warmup?: number;
  'initcall-debug'?: boolean;
  dmesg?: boolean;
  'keep-logs'?: string;
  metric?: BootMetric;
}

/** `--metric`, for every verb that measures a boot (minimize passes its own default). */
export const metricOption = {
  choices: BOOT_METRICS,
  describe:
    'Boot-time metric: host (ms from qemu spawn to /init), guest (guest clock at /init, plain TCG), ' +
    'icount (guest clock under -icount shift=0,sleep=off: deterministic, slower boots), ' +
    "host-cpu (qemu's CPU time to /init: less exposed to host load than host), " +
    'icount-total (virtual time from machine start to /init under the same -icount: firmware and loader included, deterministic)',
} as const;

/** Options shared with bench-range and analyze. */
export const bootOptions = {
  initrd: { type: 'string', describe: 'Use this initramfs instead of the boot lab one (it must print the KTRIM markers)' },
  timeout: { type: 'number', default: 120, describe: 'Seconds before a boot counts as hung (qemu is killed)' },
  test: { type: 'string', describe: 'Shell script run by /init; it must print PASS' },
  accel: { choices: ['auto', 'kvm', 'tcg'] as const, default: 'auto' as const, describe: 'qemu accelerator (auto: kvm when usable)' },
  json: { type: 'boolean', describe: 'Print results as JSON' },
  module: { type: 'string', array: true, describe: 'Kernel module (.ko) to insmod in the guest after the start marker (repeatable)' },
  'add-file': { type: 'string', array: true, describe: 'Extra initramfs file GUEST_PATH=HOST_FILE (repeatable)' },
  'qemu-arg': {
    type: 'string',
    array: true,
    describe: 'Extra qemu argument, one per flag (repeatable): --qemu-arg=-icount --qemu-arg=shift=0,sleep=off',
  },
} as const;

/** `--add-file /etc/x=./x` → { '/etc/x': './x' }; InputError on anything else. */
export function parseAddFiles(specs: readonly string[] | undefined): Record<string, string> | undefined {
  if (!specs?.length) return undefined;
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const i = spec.indexOf('=');
    if (i <= 0 || i === spec.length - 1) throw new InputError(`--add-file ${JSON.stringify(spec)}: expected GUEST_PATH=HOST_FILE`);
    out[spec.slice(0, i)] = spec.slice(i + 1);
  }
  return out;
}

export function warnAccel(logger: Logger, accel: string): void {
  if (accel === 'tcg') logger.warn('no usable KVM: qemu runs under TCG, times are inflated; compare figures only within one run');
  else logger.info('qemu accelerator: kvm');
}

function fmt(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits);
}

export function describeBoot(r: BootResult, label: string): string {
  const mem = r.memory.guest ? `guest ${r.memory.guest.usedMb}/${r.memory.guest.totalMb} MiB used` : 'guest memory n/a';
  return (
    `${label}: kernel entry ${fmt(r.host.kernelEntryMs, 0)} ms, /init ${fmt(r.host.initMs, 0)} ms, ` +
    `marker ${fmt(r.host.markerMs, 0)} ms, qemu wall ${fmt(r.host.wallMs, 0)} ms (host); ` +
    `uptime at marker ${fmt(r.guest.markerUptimeUs !== undefined ? r.guest.markerUptimeUs / 1000 : undefined, 0)} ms (guest); ` +
    `qemu peak RSS ${fmt(r.memory.qemuPeakRssKb !== undefined ? r.memory.qemuPeakRssKb / 1024 : undefined)} MiB, ${mem}`
  );
}

export function formatSummaryTable(res: BenchmarkResult): string {
  const rows: string[][] = [['figure', 'clock', 'mean ± sd', 'median', 'min', 'max', 'unit']];
  for (const [name, m] of Object.entries(METRICS) as [MetricName, (typeof METRICS)[MetricName]][]) {
    const s = res.summary[name];
    if (!s) continue;
    const d = m.unit === 'MiB' ? 1 : 0;
    rows.push([m.label, m.clock || '-', formatMeanSd(s, d), fmt(s.median, d), fmt(s.min, d), fmt(s.max, d), m.unit]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

/** JSON-friendly result: console lines and dmesg stay in the log files. */
export function bootForJson(r: BootResult): Omit<BootResult, 'console' | 'dmesg'> & { consoleLines: number } {
  const { console: lines, dmesg: _dmesg, ...rest } = r;
  return { ...rest, consoleLines: lines.length };
}

export const bootCommand: CommandModule<GlobalArgs, BootArgs> = {
  command: 'boot',
  describe: 'Boot a kernel in qemu N times and report timings (mean ± sd) and memory',
  builder: (y) =>
    y
      .option('kernel', { type: 'string', demandOption: true, describe: 'bzImage to boot' })
      .option('append', {
        type: 'string',
        describe: "Kernel parameters after ktrim's console=ttyS0 panic=-1 (default: loglevel=6, a quiet console that keeps the banner)",
      })
      .option('smp', { type: 'number', default: 1, describe: 'vCPUs' })
      .option('memory', { type: 'number', default: 256, describe: 'Guest memory in MiB' })
      .option('runs', { type: 'number', default: 3, describe: 'Counted boots' })
      .option('warmup', { type: 'number', describe: 'Warm-up boots, not counted (default 1; 0 with --metric icount)' })
      .option('initcall-debug', { type: 'boolean', describe: 'Add initcall_debug and save each boot’s dmesg for `ktrim report`' })
      .option('dmesg', { type: 'boolean', describe: 'Dump dmesg after the end marker and save it' })
      .option('keep-logs', { type: 'string', describe: 'Directory for each boot’s console and dmesg logs' })
      .option('metric', metricOption)
      .options(bootOptions) as never,
  handler: async (argv) => {
    const { logger, stdout } = contextFrom(argv);
    if (!Number.isInteger(argv.runs) || argv.runs < 1) throw new InputError(`--runs must be a positive integer (got ${argv.runs})`);
    const warmup = argv.warmup ?? (argv.metric && metricSpec(argv.metric).deterministic ? 0 : 1);
    if (!Number.isInteger(warmup) || warmup < 0) throw new InputError(`--warmup must be a non-negative integer (got ${argv.warmup})`);
    const wantsDmesg = Boolean(argv['initcall-debug'] || argv.dmesg);
    const logDir =
      argv['keep-logs'] ??
      (wantsDmesg ? join(cacheRoot(), 'boots', new Date().toISOString().replace(/[:.]/g, '-') + `-${process.pid}`) : undefined);
    const plain: BootRequest = {
      ...commonBootRequest(argv),
      kernel: argv.kernel,
      append: argv.append,
      smp: argv.smp,
      memoryMb: argv.memory,
      initcallDebug: argv['initcall-debug'],
      dmesg: argv.dmesg,
      logDir,
    };
    // The metric's qemu arguments (icount) and the dmesg dump its guest figure is read from.
    const req = argv.metric ? requestForMetric(plain, argv.metric) : plain;
    const deps = defaultBootDeps(logger);
    warnAccel(logger, chooseAccel({ accel: argv.accel }, deps.qemu));
    const res = await benchmarkBoots(
      req,
      {
        runs: argv.runs,
        warmup,
        onBoot: (r, i, warm) => {
          const value = argv.metric ? metricValueMs(r, argv.metric) : undefined;
          const tail = argv.metric ? `; ${argv.metric} ${value === undefined ? 'n/a' : `${value.toFixed(3)} ms`}` : '';
          logger.info(describeBoot(r, warm ? `warm-up ${i}` : `boot ${i}/${argv.runs}`) + tail);
        },
      },
      deps,
    );
    if (logDir) {
      logger.info(`logs kept in ${logDir}`);
      if (argv['initcall-debug']) logger.info(`rank initcalls: ktrim report ${join(logDir, 'boot-*.dmesg.log')}`);
    }
    const metric = argv.metric ? summarizeMetric(res.boots, argv.metric) : undefined;
    if (argv.json) {
      stdout.write(
        JSON.stringify(
          { ...res, ...(metric && { metric }), warmups: res.warmups.map(bootForJson), boots: res.boots.map(bootForJson) },
          null,
          2,
        ) + '\n',
      );
      return;
    }
    stdout.write(
      `${res.boots.length} boots of ${res.boots[0].kernel} (${res.accel}, -smp ${res.boots[0].smp}, -m ${res.boots[0].memoryMb}):\n` +
        formatSummaryTable(res) +
        '\nhost: ms since qemu was spawned, console line arrival; guest: /proc/uptime printed by /init\n' +
        (metric ? formatMetricLine(metric) + '\n' : ''),
    );
  },
};
