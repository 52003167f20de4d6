/**
 * `ktrim bench-range`: boot-benchmark a matrix of kernels (or configs, built
 * first), command lines, vCPU counts and memory sizes; Welch's t-test against
 * the first column decides what counts as a change (src/boot/range.ts).
 */
import type { CommandModule } from 'yargs';
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { buildKernel } from '../build/build.js';
import { realMakeRunner } from '../build/make.js';
import { defaultBootDeps, METRICS, type MetricName } from '../boot/boot.js';
import {
  AXES,
  benchmarkRange,
  formatRangeTable,
  kernelsInDirectory,
  labelKernels,
  axisLabel,
  type Axis,
  type KernelChoice,
} from '../boot/range.js';
import { InputError } from '../errors.js';
import { bootInputs, bootOptions, commonBootRequest, describeBoot, warnAccel, type CommonBootArgs } from './boot.js';
import { checkOutput } from '../output.js';
import { contextFrom, type GlobalArgs } from './context.js';
import { chooseAccel } from '../boot/qemu.js';

export interface BenchRangeArgs extends GlobalArgs, CommonBootArgs {
  kernel?: string[];
  config?: string[];
  source?: string;
  base?: string;
  'append-variant'?: string[];
  smp: string;
  memory: string;
  runs: number;
  warmup: number;
  metric: MetricName;
  alpha: number;
  columns?: Axis;
  'keep-logs'?: string;
  journal?: string;
}

/** "1,4" → [1, 4]; a one-line InputError naming the flag otherwise. */
export function parseList(flag: string, text: string): number[] {
  const parts = String(text)
    .split(',')
    .map((s) => s.trim());
  const out = parts.map(Number);
  if (!parts.length || out.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new InputError(`--${flag} ${JSON.stringify(text)}: expected positive integers separated by commas (e.g. 1,4)`);
  }
  return [...new Set(out)];
}

export const benchRangeCommand: CommandModule<GlobalArgs, BenchRangeArgs> = {
  command: 'bench-range',
  describe: 'Boot-benchmark a matrix of kernels/configs × command lines × vCPUs × memory; Welch t-test vs the first column',
  builder: (y) =>
    y
      .option('kernel', { type: 'string', array: true, describe: 'bzImage, or a directory of them (repeatable)' })
      .option('config', {
        type: 'string',
        array: true,
        describe: 'config (or fragment with --base) to build first (repeatable; needs --source)',
      })
      .option('source', { type: 'string', describe: 'kernel source tree for --config' })
      .option('base', { type: 'string', describe: 'base for --config fragments: tinyconfig, defconfig, ... or a .config' })
      .option('append-variant', { type: 'string', array: true, describe: 'kernel parameters to compare (repeatable; "" for none)' })
      .option('smp', { type: 'string', default: '1', describe: 'vCPU counts, comma-separated (e.g. 1,4)' })
      .option('memory', { type: 'string', default: '256', describe: 'memory sizes in MiB, comma-separated' })
      .option('runs', { type: 'number', default: 5, describe: 'counted boots per cell' })
      .option('warmup', { type: 'number', default: 1, describe: 'warm-up boots per cell' })
      .option('metric', { choices: Object.keys(METRICS) as MetricName[], default: 'markerMs' as MetricName, describe: 'figure to compare' })
      .option('alpha', { type: 'number', default: 0.05, describe: 'significance level of the t-test' })
      .option('columns', { choices: AXES, describe: 'axis across the table (default: the first that varies)' })
      .option('keep-logs', { type: 'string', describe: 'directory for every boot’s console and dmesg logs' })
      .option('journal', {
        type: 'string',
        describe: 'record finished boots here (JSON lines); rerun with the same file to resume a killed run',
      })
      .options(bootOptions) as never,
  handler: async (argv) => {
    const { logger, stdout } = contextFrom(argv);
    if (!Number.isInteger(argv.runs) || argv.runs < 2)
      throw new InputError(`--runs must be an integer ≥ 2 for a t-test (got ${argv.runs})`);
    if (!(argv.alpha > 0 && argv.alpha < 1)) throw new InputError(`--alpha must be between 0 and 1 (got ${argv.alpha})`);
    const smp = parseList('smp', argv.smp);
    const memoryMb = parseList('memory', argv.memory);
    // The journal is read back and appended to: a regular file (or new), never an input, never in the kernel tree.
    const journal = argv.journal
      ? await checkOutput(argv.journal, {
          inputs: [...(argv.kernel ?? []), ...(argv.config ?? []), argv.base, ...bootInputs(argv)],
          trees: [argv.source],
          flag: '--journal',
        })
      : undefined;
    const kernels: KernelChoice[] = [];
    const files: string[] = [];
    for (const k of argv.kernel ?? []) {
      if (existsSync(k) && statSync(k).isDirectory()) kernels.push(...(await kernelsInDirectory(k)));
      else files.push(resolve(k));
    }
    kernels.push(...labelKernels(files));
    if (argv.config?.length) {
      if (!argv.source) throw new InputError('--config needs --source DIR (the kernel tree to build it from)');
      for (const config of argv.config) {
        const built = await buildKernel({ source: argv.source, config, base: argv.base, jobs: 2 }, { make: realMakeRunner, logger });
        logger.info(`built ${config}: ${built.bzImage}${built.cacheHit ? ' (cache hit)' : ''}`);
        kernels.push({ label: basename(config), path: built.bzImage });
      }
    }
    if (!kernels.length) throw new InputError('nothing to benchmark: give --kernel FILE|DIR or --config FILE --source DIR');
    const appends = argv['append-variant']?.length ? argv['append-variant'] : [undefined];
    const deps = defaultBootDeps(logger);
    warnAccel(logger, chooseAccel({ accel: argv.accel }, deps.qemu));
    const res = await benchmarkRange(
      {
        kernels,
        appends,
        smp,
        memoryMb,
        common: { ...commonBootRequest(argv), logDir: argv['keep-logs'] },
        runs: argv.runs,
        warmup: argv.warmup,
        metric: argv.metric,
        alpha: argv.alpha,
        columns: argv.columns,
        journal,
        onResume: (n) => logger.info(`resuming: ${n} boots already done in ${argv.journal}`),
        onBoot: (cell, r, round, warm) => {
          const where = AXES.map((a) => axisLabel(a, cell)).join(', ');
          logger.info(describeBoot(r, `${warm ? 'warm-up' : 'round'} ${round} [${where}]`));
        },
      },
      deps,
    );
    if (argv.json) {
      stdout.write(JSON.stringify(res, null, 2) + '\n');
      return;
    }
    stdout.write(formatRangeTable(res));
    const legend = kernels.filter((k) => k.label !== k.path).map((k) => `  ${k.label}: ${k.path}`);
    if (legend.length > 1 || res.columns === 'kernel') stdout.write(`kernels:\n${legend.join('\n')}\n`);
  },
};
