/**
 * The boot-time metrics a keep/reject decision can be made on (issue 10 §1).
 * Pure: what qemu arguments a metric needs and which figure of a boot it reads.
 *
 * - host:   host ms from qemu spawn to the /init start marker (firmware, qemu
 *           set-up and console included; the noisiest, but what a user waits for).
 * - guest:  the guest's own clock at /init on plain TCG (the kernel's time only).
 * - host-cpu: qemu's CPU time (all threads) when /init starts: sees firmware
 *           and qemu set-up like host, but far less of the host's load (10 ms ticks).
 * - icount: the same guest figure under `-icount shift=0,sleep=off`: guest
 *           time counts executed instructions (1 ns each) and skips timed
 *           waits, so the figure is deterministic and one boot per side decides.
 * - icount-total: under the same -icount, the guest's TSC when /init starts
 *           (/bin/ktrim-tsc, tsc-probe.ts): qemu's virtual clock since the
 *           machine started, so firmware, loader and decompression count too,
 *           deterministically. It weighs emulated devices by the instructions
 *           that drive them, not by qemu's host time: qboot saves 14 ms here
 *           against SeaBIOS (965.1 → 951.4 ms, 2+2 boots, ±8 µs), where the wall
 *           clock saw 100–190 ms. A host-clock metric for firmware, machine and
 *           loader knobs that one boot per side decides.
 *
 * The guest figure is the printk time of `Run /init as init process` (µs),
 * which the boot lab's /init prints on one line after the end marker
 * (KTRIM-RUNINIT; the dmesg dump agrees when there is one). /proc/uptime at the start
 * marker is not used: it has 10 ms resolution (centiseconds), coarser than a
 * 2 % effect on a ~340 ms tiny-kernel boot, and a series that mixed the two
 * would compare different figures (a boot without the printk time gives none).
 */
import { InputError } from '../errors.js';
import { formatMeanSd, summarizeOrNull, type Summary } from '../stats/summary.js';
import type { BootFigures, BootRequest } from './boot.js';

export const BOOT_METRICS = ['host', 'guest', 'icount', 'host-cpu', 'icount-total'] as const;
export type BootMetric = (typeof BOOT_METRICS)[number];

export interface MetricSpec {
  name: BootMetric;
  /** One line for --help and reports. */
  describe: string;
  clock: 'host' | 'guest';
  /** icount: one boot per side decides. */
  deterministic: boolean;
  qemuArgs: string[];
}

const SPECS: Record<BootMetric, MetricSpec> = {
  host: {
    name: 'host',
    describe: 'host ms from qemu spawn to /init (includes firmware and qemu set-up; noisy)',
    clock: 'host',
    deterministic: false,
    qemuArgs: [],
  },
  guest: {
    name: 'guest',
    describe: 'guest clock at /init (printk time of "Run /init"), plain TCG (noisy)',
    clock: 'guest',
    deterministic: false,
    qemuArgs: [],
  },
  'host-cpu': {
    name: 'host-cpu',
    describe: "qemu's CPU time (all threads) to /init: firmware and qemu set-up included, less exposed to host load than host (noisy)",
    clock: 'host',
    deterministic: false,
    qemuArgs: [],
  },
  icount: {
    name: 'icount',
    describe: 'guest clock at /init under qemu -icount shift=0,sleep=off (deterministic: counts instructions; slower boots)',
    clock: 'guest',
    deterministic: true,
    qemuArgs: ['-icount', 'shift=0,sleep=off'],
  },
  'icount-total': {
    name: 'icount-total',
    describe:
      "virtual time under qemu -icount shift=0,sleep=off from machine start to /init (the guest's TSC): firmware and loader included, deterministic; emulated devices weigh only their instructions",
    clock: 'host',
    deterministic: true,
    qemuArgs: ['-icount', 'shift=0,sleep=off'],
  },
};

/**
 * Chosen from bench/metric.bench.mjs (bench/RESULTS.md): the only metric that
 * decides a 2 % effect in ≤ 3 boots per side (one); host and guest measured
 * 5–22 % sd on this shared machine and would need tens of boots per side.
 */
export const DEFAULT_METRIC: BootMetric = 'icount';

export function isBootMetric(s: string): s is BootMetric {
  return (BOOT_METRICS as readonly string[]).includes(s);
}

export function metricSpec(m: BootMetric): MetricSpec {
  const spec = SPECS[m];
  if (!spec) throw new RangeError(`unknown boot metric ${JSON.stringify(m)} (expected ${BOOT_METRICS.join('|')})`);
  return spec;
}

/**
 * The boot request for measuring with metric m: its qemu arguments are added
 * to extraQemuArgs (once). No dmesg dump: /init prints the one line the guest
 * metric needs, and a dump costs ~5 s per Debian-kernel boot under icount.
 */
export function requestForMetric(req: BootRequest, m: BootMetric): BootRequest {
  const spec = metricSpec(m);
  const extra = [...(req.extraQemuArgs ?? [])];
  if (spec.qemuArgs.length && !containsRun(extra, spec.qemuArgs)) {
    // qemu takes -icount once: another -icount of the user's would make it exit, or change the metric
    const flag = spec.qemuArgs[0];
    const i = extra.findIndex((a) => a === flag || a === `-${flag}`);
    if (i >= 0) {
      throw new InputError(
        `--qemu-arg ${extra.slice(i, i + 2).join(' ')} conflicts with --metric ${m} (${spec.qemuArgs.join(' ')}): drop one of them`,
      );
    }
    extra.push(...spec.qemuArgs);
  }
  return { ...req, extraQemuArgs: extra };
}

function containsRun(hay: readonly string[], needle: readonly string[]): boolean {
  for (let i = 0; i + needle.length <= hay.length; i++) if (needle.every((n, k) => hay[i + k] === n)) return true;
  return false;
}

/**
 * The value (ms) a boot gives for metric m: host → host.initMs; host-cpu →
 * host.cpuInitMs; icount-total → guest.initTsc / 1e6; guest/icount →
 * printk time of `Run /init` (guest.runInitUs / 1000). Undefined when the boot
 * never reached /init, or its initrd printed neither KTRIM-RUNINIT nor dmesg.
 */
export function metricValueMs(b: Pick<BootFigures, 'host' | 'guest'>, m: BootMetric): number | undefined {
  if (m === 'host-cpu') return finite(b.host.cpuInitMs);
  if (m === 'icount-total') return b.guest.initTsc === undefined ? undefined : finite(b.guest.initTsc / 1e6);
  if (metricSpec(m).clock === 'host') return finite(b.host.initMs);
  return b.guest.runInitUs === undefined ? undefined : finite(b.guest.runInitUs / 1000);
}

function finite(x: number | undefined): number | undefined {
  return x !== undefined && Number.isFinite(x) ? x : undefined;
}

export interface MetricSummary {
  metric: BootMetric;
  describe: string;
  clock: 'host' | 'guest';
  deterministic: boolean;
  /** One value (ms) per boot that reached /init, in boot order. */
  values: number[];
  summary: Summary | null;
}

/** The metric's values over a series of boots and their summary. */
export function summarizeMetric(boots: readonly Pick<BootFigures, 'host' | 'guest'>[], m: BootMetric): MetricSummary {
  const spec = metricSpec(m);
  const values = boots.map((b) => metricValueMs(b, m)).filter((x): x is number => x !== undefined);
  return {
    metric: m,
    describe: spec.describe,
    clock: spec.clock,
    deterministic: spec.deterministic,
    values,
    summary: summarizeOrNull(values),
  };
}

/** One line: `metric icount: 340.203 ms over 3 boots (min–max 340.203–340.203, identical) — guest clock ...`. */
export function formatMetricLine(s: MetricSummary): string {
  if (!s.summary) return `metric ${s.metric}: no value (no boot reached /init) — ${s.describe}`;
  const { n, min, max } = s.summary;
  const spread = n < 2 ? '' : min === max ? `, all ${n} identical` : `, min–max ${min.toFixed(3)}–${max.toFixed(3)}`;
  return `metric ${s.metric}: ${formatMeanSd(s.summary, 3)} ms over ${n} boot${n === 1 ? '' : 's'}${spread} — ${s.describe}`;
}
