/**
 * The lab: build one config and boot it, with typed outcomes. A build error,
 * a panic, a hang or a failed --test are answers the search decides on, so
 * they come back as `{ ok: false, kind }` instead of a throw; only the
 * unexpected (bad input, ktrim interrupted) throws.
 *
 * `realLab` goes through buildKernel (O= build cache keyed by config, the
 * nearest cached build copied so a one-symbol change rebuilds incrementally,
 * ccache/distcc) and bootKernel (qemu with the boot lab initramfs, the
 * metric's qemu arguments). Tests pass a fake Lab (an object literal).
 * Interface agreed in /work/helpers/loop-api.md (minimize, bisect, tune).
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cacheRoot } from '../cache.js';
import { buildKernel } from '../build/build.js';
import { realMakeRunner } from '../build/make.js';
import type { BuildResult, MakeRunner } from '../build/types.js';
import { bootKernel, defaultBootDeps, withInitramfs, type BootDeps, type BootRequest, type BootResult } from '../boot/boot.js';
import { metricSpec, metricValueMs, requestForMetric, type BootMetric } from '../boot/metric.js';
import { BuildError, KtrimError } from '../errors.js';
import { interruption } from '../process.js';
import type { Logger } from '../ui/log.js';
import { makeOutputDir } from '../output.js';

export interface LabOptions {
  source: string;
  arch?: string;
  cc?: string;
  jobs?: number;
  makeVars?: string[];
  metric: BootMetric;
  testScript?: string;
  timeoutS: number;
  append?: string;
  smp?: number;
  memoryMb?: number;
  extraQemuArgs?: string[];
  /** Keep each boot's console (and dmesg) here. */
  logDir?: string;
}

export type BuildOutcome =
  | { ok: true; build: BuildResult; configText: string /* the .config make produced */ }
  | { ok: false; kind: 'build-failed'; detail: string; seconds: number };

export type BootOutcome =
  | { ok: true; boot: BootResult; valueMs: number }
  | { ok: false; kind: 'boot-failed' | 'test-failed'; ending: string; detail: string; boot?: BootResult };

export interface Lab {
  /** Full .config text in; make olddefconfig is the authority on what gets built. */
  build(configText: string): Promise<BuildOutcome>;
  boot(kernel: string, opts?: { initcallDebug?: boolean; append?: string; extraQemuArgs?: string[] }): Promise<BootOutcome>;
}

/** sha256 (16 hex) of a .config's text: names a config in journals and file names. */
export function configHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** The outcome of one finished boot: ok only at the end marker with a passing test and a metric value. */
export function bootOutcome(boot: BootResult, metric: BootMetric): BootOutcome {
  if (boot.ending !== 'marker') {
    return { ok: false, kind: 'boot-failed', ending: boot.ending, detail: boot.endingDetail, boot };
  }
  if (boot.test && !boot.test.passed) {
    const out = boot.test.output.slice(-3).join(' | ');
    return { ok: false, kind: 'test-failed', ending: boot.ending, detail: `test script failed (rc=${boot.test.rc ?? '?'}): ${out}`, boot };
  }
  // A guest figure must come from the same source on both sides: a dmesg dump cut short falls back
  // to /proc/uptime (10 ms steps), which compared with printk times invents savings.
  if (metricSpec(metric).clock === 'guest' && boot.dmesg !== undefined && boot.guest.runInitUs === undefined) {
    return {
      ok: false,
      kind: 'boot-failed',
      ending: boot.ending,
      detail: "the dmesg dump has no 'Run /init' time (cut short?): no guest figure",
      boot,
    };
  }
  const valueMs = metricValueMs(boot, metric);
  if (valueMs === undefined || !Number.isFinite(valueMs)) {
    return { ok: false, kind: 'boot-failed', ending: boot.ending, detail: `the boot gave no ${metric} figure`, boot };
  }
  return { ok: true, boot, valueMs };
}

export interface RealLabDeps {
  logger: Logger;
  cacheDir?: string;
  /** Default: the real make. */
  make?: MakeRunner;
  /** Default: real qemu and initramfs. */
  bootDeps?: BootDeps;
}

let bootCount = 0;

/**
 * The build's logger in the lab: a make that fails is an answer about the
 * config (the caller's verdict line says so), not an error of the run, so
 * its step ends as done rather than with an `E:` line beside exit 0.
 */
function answerLogger(log: Logger): Logger {
  return {
    ...log,
    step(msg) {
      const s = log.step(msg);
      return { ...s, fail: (m) => s.succeed(m ?? msg) };
    },
  };
}

export function realLab(opts: LabOptions, deps: RealLabDeps): Lab {
  const log = deps.logger;
  const cacheDir = deps.cacheDir ?? cacheRoot();
  const bootDeps = deps.bootDeps ?? { ...defaultBootDeps(log), cacheDir: deps.cacheDir };
  let initrd: Promise<BootRequest> | undefined;
  const stop = () => {
    const s = interruption();
    if (s) throw s;
  };
  return {
    async build(configText) {
      stop();
      const t0 = performance.now();
      // buildKernel reads a file; its cache key hashes the normalized content, not the path.
      const dir = join(cacheDir, 'tmp', 'lab-configs');
      await makeOutputDir(dir);
      const file = join(dir, `${configHash(configText)}.config`);
      await writeFile(file, configText);
      try {
        const build = await buildKernel(
          { source: opts.source, config: file, arch: opts.arch, cc: opts.cc, jobs: opts.jobs, makeVars: opts.makeVars },
          { make: deps.make ?? realMakeRunner, logger: answerLogger(log), cacheDir: deps.cacheDir },
        );
        return { ok: true, build, configText: await readFile(build.config, 'utf8') };
      } catch (err) {
        stop(); // make killed by our own Ctrl-C is no answer about the config
        if (err instanceof BuildError) {
          return { ok: false, kind: 'build-failed', detail: err.message, seconds: (performance.now() - t0) / 1000 };
        }
        throw err;
      }
    },
    async boot(kernel, o = {}) {
      stop();
      initrd ??= withInitramfs({ kernel, testScript: opts.testScript }, bootDeps);
      const prepared = await initrd;
      const req: BootRequest = requestForMetric(
        {
          kernel,
          initrd: prepared.initrd,
          expectTest: prepared.expectTest,
          append: o.append ?? opts.append,
          smp: opts.smp,
          memoryMb: opts.memoryMb,
          timeoutS: opts.timeoutS,
          initcallDebug: o.initcallDebug,
          extraQemuArgs: [...(opts.extraQemuArgs ?? []), ...(o.extraQemuArgs ?? [])],
          logDir: opts.logDir,
          // One counter for every lab of the process: two labs (metric and host clock) share a logDir.
          logName: `boot-${process.pid}-${++bootCount}-${opts.metric}${o.initcallDebug ? '-initcall-debug' : ''}`,
        },
        opts.metric,
      );
      let boot: BootResult;
      try {
        boot = await bootKernel(req, bootDeps);
      } catch (err) {
        stop();
        if (err instanceof KtrimError && !(err instanceof BuildError) && err.exitCode === 2) {
          return { ok: false, kind: 'boot-failed', ending: 'exit', detail: err.message };
        }
        throw err;
      }
      stop();
      return bootOutcome(boot, opts.metric);
    },
  };
}
