/**
 * `ktrim tune`: measure the knobs beside the Kconfig symbols (machine type,
 * firmware, loader, vCPUs, memory, kernel command line) on one kernel and keep
 * the ones that make it boot significantly faster.
 *
 * Greedy, in catalog order: each applicable knob is booted on top of the
 * current best set-up and compared with it by the sequential test of
 * src/stats/sequential.ts (decideSaving), on the clock that can see it: host
 * ms to /init for firmware, machine, loader, vCPU and memory knobs (they act
 * before the kernel's clock starts, or outside the guest), the chosen guest
 * metric (default icount) for command-line knobs. A kept knob's trial boots
 * become the baseline of the next knob. A knob whose requirement is not met
 * (a CONFIG_ symbol off, another machine type, no KVM, no firmware file, no
 * vmlinux) is skipped with the reason and what would enable it.
 *
 * Boots go through a small adapter (TuneDeps.boot); realTuneBooter is the
 * qemu one; tests pass a fake. Decisions and boots are journaled when a
 * Journal is given; a resumed journal replays the decisions it holds.
 */
import { existsSync } from 'node:fs';
import { BootError, InputError } from '../errors.js';
import { interruption } from '../process.js';
import type { DotConfig } from '../kconfig/dotconfig.js';
import { decideSaving, type SequentialDecision } from '../stats/sequential.js';
import { BOOT_METRICS, metricSpec, requestForMetric, type BootMetric } from '../boot/metric.js';
import { bootKernel, composeAppend, DEFAULT_APPEND, DEFAULTS, vmlinuxBesideKernel, withInitramfs } from '../boot/boot.js';
import type { BootDeps, BootRequest, KernelImageKind } from '../boot/boot.js';
import { qemuArgv, type Accel } from '../boot/qemu.js';
import { bootOutcome } from '../lab/lab.js';
import type { Journal, JournalRecord } from '../minimize/journal.js';
import type { Logger } from '../ui/log.js';
import { formatCommand } from '../ui/log.js';
import { machineType, type Knob, type KnobClock, type KnobKind } from './catalog.js';

/**
 * The metric for host-clock knobs unless told otherwise (see TuneRequest.hostMetric):
 * the wall clock, because firmware partly waits and qemu's CPU time misses waits
 * (18:38 UTC, load 2.8, tiny kernel: qboot 272 ms [146, 399] on host in 3+3 boots;
 * on host-cpu 97.5 ms [20.9, 174.1] in 8+8, and -28 ms, not kept, in a minimize --tune).
 * icount-total decides in one boot per side but sees only the instructions of
 * emulated hardware: qboot 14 ms there (metric.ts).
 */
export const DEFAULT_HOST_METRIC: BootMetric = 'host';

/** One boot set-up: what a knob changes. */
export interface TuneSetup {
  /** The image qemu boots: the bzImage, or the vmlinux once the PVH loader is kept. */
  kernel: string;
  loader: KernelImageKind;
  machine?: string;
  bios?: string;
  smp: number;
  memoryMb: number;
  /** Kernel parameters after ktrim's own console=ttyS0 panic=-1: the user's, then the kept knobs'. */
  append: string;
  /** Ids of the knobs kept so far, in order. */
  kept: string[];
}

export interface TuneBootRequest extends Omit<TuneSetup, 'kept'> {
  metric: BootMetric;
  timeoutS: number;
  /** baseline-N or the knob id and boot number: names the logs. */
  label: string;
}

export type TuneBootOutcome =
  { ok: true; valueMs: number; wallMs: number; accel: Accel } | { ok: false; ending: string; detail: string; wallMs?: number };

export interface TuneDeps {
  boot(req: TuneBootRequest): Promise<TuneBootOutcome>;
  /** The accelerator qemu will use (knobs that need KVM are skipped without it). */
  accel: Accel;
  fileExists?(path: string): boolean;
  /** The ELF vmlinux of the bzImage's build (for the PVH loader). */
  vmlinuxFor?(kernel: string): string | undefined;
  journal?: Journal;
  logger?: Logger;
  /** After each boot, for progress lines. */
  onBoot?(label: string, o: TuneBootOutcome, metric: BootMetric): void;
  /** After each knob's decision. */
  onDecision?(r: KnobResult): void;
}

export interface TuneRequest {
  kernel: string;
  knobs: readonly Knob[];
  /** The kernel's .config: knobs whose config requirement is off are skipped. Without it, requirements are not checked. */
  config?: DotConfig;
  /** Metric for guest-clock knobs (command line). */
  metric: BootMetric;
  /**
   * Metric for host-clock knobs (firmware, machine, loader, vCPUs, memory): a
   * host-side one, since they act before the kernel's clock starts. Default
   * host (wall ms to /init). On a busy host use host-cpu (qemu's CPU time to
   * /init): at load 13-20 on 2 CPUs wall time spread 4-15 s and could not
   * decide qboot's ~150-280 ms in 6+6 boots.
   */
  hostMetric?: BootMetric;
  minSavingMs: number;
  /** Boots per side at most, per knob. */
  maxRuns: number;
  append?: string;
  smp?: number;
  memoryMb?: number;
  timeoutS?: number;
}

export type KnobDecision = 'kept' | 'broke-boot' | 'no-saving' | 'skipped';

export interface KnobResult {
  id: string;
  kind: KnobKind;
  clock: KnobClock;
  /** What the knob changes, as qemu/kernel arguments. */
  change: string;
  decision: KnobDecision;
  why: string;
  saves: string;
  risks: string;
  /** The metric it was judged on (absent when skipped). */
  metric?: BootMetric;
  /** baseline − trial (ms): positive is faster. */
  savingMs?: number;
  ci?: [number, number] | null;
  runs?: { baseline: number; trial: number };
  baselineMs?: number[];
  trialMs?: number[];
  /** broke-boot: how the trial boot ended. */
  ending?: string;
  /** skipped for a config requirement: the symbols that would enable it. */
  enable?: string;
  /** The knob dropped a part of the set-up it cannot combine with (e.g. qboot on microvm). */
  note?: string;
}

export interface TuneResult {
  kernel: string;
  accel: Accel;
  metric: BootMetric;
  hostMetric: BootMetric;
  minSavingMs: number;
  maxRuns: number;
  configChecked: boolean;
  start: TuneSetup;
  final: TuneSetup;
  knobs: KnobResult[];
  recommended: {
    /** qemu argv with `INITRD` where the appliance's initramfs goes. */
    qemuArgv: string[];
    qemuCommand: string;
    /** The full kernel command line (ktrim's console=ttyS0 panic=-1 included). */
    kernelCmdline: string;
  };
  /** Boots this run made (replayed decisions cost none). */
  boots: number;
  /** Decisions replayed from a resumed journal. */
  replayed: number;
  /** Boots that failed once and booted on the retry (a busy host), as `who: ending: detail`. */
  flakes: string[];
  /** Sum of the kept knobs' savings per metric (ms): an estimate, each measured on top of the ones before. */
  keptSavingMs: Partial<Record<BootMetric, number>>;
}

/** The journal's run key part for tune: the same kernel, knobs and options give the same answers. */
export function tuneRunKey(req: TuneRequest): string {
  return JSON.stringify({
    tune: 1,
    kernel: req.kernel,
    knobs: req.knobs.map((k) => k.id),
    metric: req.metric,
    hostMetric: req.hostMetric ?? DEFAULT_HOST_METRIC,
    min: req.minSavingMs,
    max: req.maxRuns,
    append: req.append ?? null,
    smp: req.smp ?? null,
    mem: req.memoryMb ?? null,
    config: req.config ? (req.config.file ?? true) : null,
  });
}

function describeChange(k: Knob): string {
  const s = k.set;
  if (s.append !== undefined) return s.append;
  if (s.bios !== undefined) return `-bios ${s.bios}`;
  if (s.machine !== undefined) return `-machine ${s.machine}`;
  if (s.loader === 'pvh') return '-kernel vmlinux (PVH entry)';
  if (s.smp !== undefined) return `-smp ${s.smp}`;
  return `-m ${s.memoryMb}`;
}

interface Gap {
  why: string;
  enable?: string;
}

function configValue(config: DotConfig, name: string): string | undefined {
  const e = config.values.get(name);
  return e === undefined || e.unset ? undefined : e.value;
}

/** Why a knob cannot be tried on this set-up, or undefined when it can. */
export function requirementGap(
  knob: Knob,
  state: TuneSetup,
  ctx: { config?: DotConfig; accel: Accel; fileExists: (p: string) => boolean; vmlinux?: string },
): Gap | undefined {
  const r = knob.requires;
  if (ctx.config && r.config) {
    const file = ctx.config.file ?? 'the kernel config';
    for (const req of r.config) {
      const neg = req.startsWith('!');
      const name = req.replace(/^!/, '');
      const v = configValue(ctx.config, name);
      if (!neg && v !== 'y') {
        return {
          why: `requirement off: needs CONFIG_${name}=y (${v === undefined ? 'not set' : `CONFIG_${name}=${v}`} in ${file})`,
          enable: knob.enable ?? `CONFIG_${name}=y`,
        };
      }
      if (neg && v === 'y') {
        return {
          why: `requirement off: has nothing to do with CONFIG_${name}=y (${file})`,
          enable: knob.enable ?? `# CONFIG_${name} is not set`,
        };
      }
    }
  }
  if (r.machine && !r.machine.includes(machineType(state.machine))) {
    return { why: `needs machine ${r.machine.join(' or ')} (the set-up has ${machineType(state.machine)})` };
  }
  if (r.accel === 'kvm' && ctx.accel !== 'kvm') return { why: 'needs KVM (qemu runs under TCG here)' };
  for (const f of r.files ?? []) if (!ctx.fileExists(f)) return { why: `${f} not found (Debian: qemu-system-data)` };
  const s = knob.set;
  if (s.loader === 'pvh') {
    if (state.loader === 'pvh') return { why: 'already the set-up (PVH loader)' };
    if (!ctx.vmlinux) return { why: 'no vmlinux beside the bzImage (PVH boots the ELF vmlinux of the same O= build)' };
  }
  if (s.append !== undefined && state.append.split(/\s+/).includes(s.append)) return { why: `already on the command line (${s.append})` };
  if (s.bios !== undefined && state.bios === s.bios) return { why: 'already the set-up' };
  if (s.machine !== undefined && (state.machine ?? 'pc') === s.machine) return { why: 'already the set-up' };
  if (s.smp !== undefined && state.smp === s.smp) return { why: `already the set-up (-smp ${s.smp})` };
  if (s.memoryMb !== undefined && state.memoryMb === s.memoryMb) return { why: `already the set-up (-m ${s.memoryMb})` };
  return undefined;
}

/** The set-up with a knob applied; `note` when it had to drop something incompatible. */
export function applyKnob(
  state: TuneSetup,
  knob: Knob,
  ctx: { knobs: readonly Knob[]; vmlinux?: string },
): { setup: TuneSetup; note?: string } {
  const s = knob.set;
  const next: TuneSetup = { ...state, kept: [...state.kept, knob.id] };
  let note: string | undefined;
  if (s.append !== undefined) next.append = [state.append, s.append].filter((p) => p.trim()).join(' ');
  if (s.bios !== undefined) next.bios = s.bios;
  if (s.smp !== undefined) next.smp = s.smp;
  if (s.memoryMb !== undefined) next.memoryMb = s.memoryMb;
  if (s.loader === 'pvh' && ctx.vmlinux) {
    next.kernel = ctx.vmlinux;
    next.loader = 'pvh';
  }
  if (s.machine !== undefined) {
    next.machine = s.machine;
    // Firmware chosen for another machine type (qboot.rom is for pc/q35) goes back to the machine's default.
    const fw = state.bios ? ctx.knobs.find((k) => k.set.bios === state.bios) : undefined;
    if (fw?.requires.machine && !fw.requires.machine.includes(machineType(s.machine))) {
      delete next.bios;
      next.kept = next.kept.filter((id) => id !== fw.id);
      note = `drops ${fw.id} (for ${fw.requires.machine.join('/')} only)`;
    }
  }
  return { setup: next, note };
}

function lastWords(s: string): string {
  return s.length > 160 ? s.slice(0, 157) + '...' : s;
}

function numbers(v: unknown): number[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
}

/** Tune one kernel; see the module comment. Throws BootError when the starting set-up itself does not boot. */
export async function tuneKernel(req: TuneRequest, deps: TuneDeps): Promise<TuneResult> {
  const fileExists = deps.fileExists ?? existsSync;
  const vmlinux = (deps.vmlinuxFor ?? vmlinuxBesideKernel)(req.kernel);
  const start: TuneSetup = {
    kernel: req.kernel,
    loader: 'bzimage',
    smp: req.smp ?? DEFAULTS.smp,
    memoryMb: req.memoryMb ?? DEFAULTS.memoryMb,
    append: req.append ?? DEFAULT_APPEND,
    kept: [],
  };
  const timeoutS = req.timeoutS ?? DEFAULTS.timeoutS;
  const hostMetric = req.hostMetric ?? DEFAULT_HOST_METRIC;
  if (metricSpec(hostMetric).clock !== 'host') {
    throw new InputError(
      `--host-metric ${hostMetric} is a guest clock: firmware, machine and loader knobs act before it starts (use ${BOOT_METRICS.filter((m) => metricSpec(m).clock === 'host').join(', ')})`,
    );
  }
  let state = start;
  /** Boot values of the current set-up, per metric. */
  let baselines = new Map<BootMetric, number[]>();
  const maxWallMs = new Map<BootMetric, number>();
  let boots = 0;
  let replayed = 0;
  const results: KnobResult[] = [];
  const journaled = new Map<string, JournalRecord>();
  for (const r of deps.journal?.records() ?? []) if (r.type === 'tune-decision' && typeof r.knob === 'string') journaled.set(r.knob, r);

  const bootOnce = async (setup: TuneSetup, metric: BootMetric, label: string, knob: string, timeout: number): Promise<TuneBootOutcome> => {
    const stop = interruption();
    if (stop) throw stop;
    const { kept: _kept, ...rest } = setup;
    const o = await deps.boot({ ...rest, metric, timeoutS: timeout, label });
    boots++;
    if (o.wallMs !== undefined) maxWallMs.set(metric, Math.max(maxWallMs.get(metric) ?? 0, o.wallMs));
    deps.onBoot?.(label, o, metric);
    await deps.journal?.append({
      type: 'tune-boot',
      knob,
      label,
      metric,
      ok: o.ok,
      ...(o.ok ? { valueMs: o.valueMs } : { ending: o.ending, detail: o.detail }),
    });
    return o;
  };
  /** A trial that hangs is a broken boot: no need to wait the full timeout once the baseline's time is known. */
  const trialTimeout = (metric: BootMetric) => {
    const wall = maxWallMs.get(metric);
    return wall === undefined ? timeoutS : Math.min(timeoutS, Math.max(30, Math.ceil((4 * wall) / 1000)));
  };
  /**
   * Boot once, and once more after a failure that may be the host's doing: a
   * busy host can make TCG miss the kernel's timer check (`IO-APIC + timer
   * doesn't work!` panic) or a timeout. qemu refusing its arguments or the
   * image ('exit') is not retried. `flake` is the first failure when the retry booted.
   */
  const bootRetrying = async (setup: TuneSetup, metric: BootMetric, label: string, knob: string, timeout: number) => {
    const first = await bootOnce(setup, metric, label, knob, timeout);
    if (first.ok || first.ending === 'exit') return { o: first };
    const again = await bootOnce(setup, metric, `${label}-retry`, knob, timeout);
    return { o: again, flake: again.ok ? first : undefined };
  };
  const flakes: string[] = [];
  const baselineBoots = new Map<BootMetric, number>();
  const bootBaseline = async (metric: BootMetric, base: number[]) => {
    const n = (baselineBoots.get(metric) ?? 0) + 1;
    baselineBoots.set(metric, n);
    const { o, flake } = await bootRetrying(state, metric, `baseline-${metric}-${n}`, 'baseline', timeoutS);
    if (flake && !flake.ok) flakes.push(`baseline: ${flake.ending}: ${lastWords(flake.detail)}`);
    if (!o.ok) {
      throw new BootError(
        `the starting set-up (${state.kept.length ? `with ${state.kept.join(', ')}` : 'no knob'}) did not boot (${o.ending}: ${o.detail}): nothing to compare with`,
      );
    }
    base.push(o.valueMs);
  };

  for (const knob of req.knobs) {
    const common = { id: knob.id, kind: knob.kind, clock: knob.clock, change: describeChange(knob), saves: knob.saves, risks: knob.risks };
    const metric: BootMetric = knob.clock === 'host' ? hostMetric : req.metric;
    const done = journaled.get(knob.id);
    if (done) {
      // Resumed run: the decision stands; a kept knob's trial boots are the next baseline.
      const result = done.result as KnobResult;
      results.push(result);
      replayed++;
      if (result.decision === 'kept') {
        state = applyKnob(state, knob, { knobs: req.knobs, vmlinux }).setup;
        baselines = new Map([[metric, numbers(result.trialMs) ?? []]]);
      }
      deps.onDecision?.(result);
      continue;
    }
    const gap = requirementGap(knob, state, { config: req.config, accel: deps.accel, fileExists, vmlinux });
    let result: KnobResult;
    let keep: TuneSetup | undefined;
    if (gap) {
      result = { ...common, decision: 'skipped', why: gap.why, ...(gap.enable ? { enable: gap.enable } : {}) };
    } else {
      const { setup: trialSetup, note } = applyKnob(state, knob, { knobs: req.knobs, vmlinux });
      const spec = metricSpec(metric);
      const opts = { minEffectMs: req.minSavingMs, maxRuns: req.maxRuns, deterministic: spec.deterministic };
      const minRuns = Math.min(req.maxRuns, spec.deterministic ? 1 : 2);
      const base = baselines.get(metric) ?? [];
      baselines.set(metric, base);
      while (base.length < minRuns) await bootBaseline(metric, base);
      const trial: number[] = [];
      let decision: SequentialDecision = { kind: 'more', why: 'no trial boot yet' };
      let broke: { ending: string; detail: string } | undefined;
      const flaked: string[] = [];
      for (;;) {
        const { o, flake } = await bootRetrying(trialSetup, metric, `${knob.id}-${trial.length + 1}`, knob.id, trialTimeout(metric));
        if (flake && !flake.ok) flaked.push(`${flake.ending}: ${lastWords(flake.detail)}`);
        if (!o.ok) {
          broke = o;
          break;
        }
        trial.push(o.valueMs);
        decision = decideSaving(base, trial, opts);
        if (decision.kind !== 'more') break;
        if (trial.length >= req.maxRuns && base.length >= req.maxRuns) break; // decideSaving decides at maxRuns; never loop
        // Interleave: a baseline boot next to each trial boot keeps slow drifts of a busy host out of the difference.
        if (base.length < Math.max(minRuns, trial.length + 1) && base.length < req.maxRuns) await bootBaseline(metric, base);
      }
      if (flaked.length) flakes.push(...flaked.map((f) => `${knob.id}: ${f}`));
      const notes = [
        ...(note ? [note] : []),
        ...flaked.map((f) => `a trial boot failed once (${f}) and its retry booted: counted as the host's flake`),
      ];
      const measured = { metric, baselineMs: [...base], trialMs: trial, ...(notes.length ? { note: notes.join('; ') } : {}) };
      if (broke) {
        result = {
          ...common,
          ...measured,
          decision: 'broke-boot',
          ending: broke.ending,
          why: `broke the boot (${broke.ending}): ${lastWords(broke.detail)}`,
        };
      } else if (decision.kind === 'faster') {
        result = {
          ...common,
          ...measured,
          decision: 'kept',
          savingMs: decision.savingMs,
          ci: decision.ci,
          runs: decision.runs,
          why: decision.why,
        };
        keep = trialSetup;
      } else if (decision.kind === 'not-faster') {
        result = {
          ...common,
          ...measured,
          decision: 'no-saving',
          savingMs: decision.savingMs,
          ci: decision.ci,
          runs: decision.runs,
          why: `no significant saving: ${decision.why}`,
        };
      } else {
        result = { ...common, ...measured, decision: 'no-saving', why: `no significant saving: ${decision.why}` };
      }
    }
    await deps.journal?.append({ type: 'tune-decision', knob: knob.id, decision: result.decision, result });
    results.push(result);
    deps.onDecision?.(result);
    if (keep) {
      state = keep;
      baselines = new Map([[metric, [...(result.trialMs ?? [])]]]);
    }
  }

  const kernelCmdline = composeAppend({ append: state.append });
  const argv = qemuArgv(
    {
      kernel: state.kernel,
      initrd: 'INITRD',
      append: kernelCmdline,
      smp: state.smp,
      memoryMb: state.memoryMb,
      timeoutMs: 0,
      machine: state.machine,
      bios: state.bios,
    },
    deps.accel,
    'qemu-system-x86_64',
  );
  return {
    kernel: req.kernel,
    accel: deps.accel,
    metric: req.metric,
    hostMetric,
    minSavingMs: req.minSavingMs,
    maxRuns: req.maxRuns,
    configChecked: Boolean(req.config),
    start,
    final: state,
    knobs: results,
    recommended: { qemuArgv: argv, qemuCommand: formatCommand(argv), kernelCmdline },
    boots,
    replayed,
    flakes,
    keptSavingMs: results.reduce<Partial<Record<BootMetric, number>>>((acc, k) => {
      if (k.decision === 'kept' && k.metric && k.savingMs !== undefined) acc[k.metric] = (acc[k.metric] ?? 0) + k.savingMs;
      return acc;
    }, {}),
  };
}

/** The qemu booter: the boot lab initramfs built once, each boot through bootKernel with the metric's qemu arguments. */
export function realTuneBooter(
  bootDeps: BootDeps,
  opts: {
    /** What every boot shares: accel, initrd or test script, modules, extra files, extra qemu arguments. */
    request?: Omit<Partial<BootRequest>, 'kernel' | 'append' | 'smp' | 'memoryMb' | 'machine' | 'bios' | 'timeoutS'>;
    logDir?: string;
  } = {},
): TuneDeps['boot'] {
  let prepared: Promise<BootRequest> | undefined;
  return async (r) => {
    prepared ??= withInitramfs({ ...opts.request, kernel: r.kernel }, bootDeps);
    const base = await prepared;
    const req = requestForMetric(
      {
        ...base,
        kernel: r.kernel,
        append: r.append,
        smp: r.smp,
        memoryMb: r.memoryMb,
        machine: r.machine,
        bios: r.bios,
        timeoutS: r.timeoutS,
        logDir: opts.logDir,
        logName: r.label,
      },
      r.metric,
    );
    const boot = await bootKernel(req, bootDeps);
    const o = bootOutcome(boot, r.metric);
    return o.ok
      ? { ok: true, valueMs: o.valueMs, wallMs: boot.host.wallMs, accel: boot.accel }
      : { ok: false, ending: o.kind === 'test-failed' ? 'test-failed' : o.ending, detail: o.detail, wallMs: boot.host.wallMs };
  };
}
