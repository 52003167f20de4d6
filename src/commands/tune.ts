/** `ktrim tune`: measure qemu/firmware/loader/command-line knobs on one kernel (src/tune/tune.ts does the work). */
import type { CommandModule } from 'yargs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { cacheRoot } from '../cache.js';
import { InputError } from '../errors.js';
import { checkKernelImage, defaultBootDeps } from '../boot/boot.js';
import { BOOT_METRICS, DEFAULT_METRIC, metricSpec, type BootMetric } from '../boot/metric.js';
import { chooseAccel } from '../boot/qemu.js';
import { configBesideKernel } from '../boot/screen.js';
import { parseDotConfig } from '../kconfig/dotconfig.js';
import { Journal } from '../minimize/journal.js';
import { checkOutputDir, writeOutput } from '../output.js';
import { readKnobCatalog, defaultKnobsFile } from '../tune/catalog.js';
import { formatTuneMarkdown, formatTuneText, formatSaving, tuneJson } from '../tune/report.js';
import { DEFAULT_HOST_METRIC, realTuneBooter, tuneKernel, tuneRunKey, type TuneRequest } from '../tune/tune.js';
import { readInputFile } from './report.js';
import { bootOptions, commonBootRequest, metricOption, warnAccel, type CommonBootArgs } from './boot.js';
import { contextFrom, type GlobalArgs } from './context.js';

interface TuneArgs extends GlobalArgs, CommonBootArgs {
  kernel: string;
  config?: string | false;
  metric: BootMetric;
  'host-metric': BootMetric;
  'max-runs': number;
  'min-saving-ms': number;
  knobs?: string;
  knob?: string[];
  out?: string;
  resume?: boolean;
  append?: string;
  smp: number;
  memory: number;
}

export const tuneCommand: CommandModule<GlobalArgs, TuneArgs> = {
  command: 'tune',
  describe: 'Measure knobs beside the config (qemu machine, firmware, loader, vCPUs, memory, kernel command line) and keep the faster ones',
  builder: (y) =>
    y
      .option('kernel', {
        type: 'string',
        demandOption: true,
        describe: 'bzImage to tune (its vmlinux beside it in the O= dir for the PVH loader)',
      })
      .option('config', {
        type: 'string',
        describe:
          "The kernel's .config: knobs whose requirement is off are skipped (default: the one beside the bzImage; --no-config: do not check)",
      })
      .option('metric', {
        ...metricOption,
        default: DEFAULT_METRIC,
        describe: `${metricOption.describe}. Used for command-line knobs; firmware/machine/loader/vCPU/memory knobs on --host-metric`,
      })
      .option('host-metric', {
        choices: BOOT_METRICS.filter((m) => metricSpec(m).clock === 'host'),
        default: DEFAULT_HOST_METRIC,
        describe:
          "Metric for firmware/machine/loader/vCPU/memory knobs: host (wall ms to /init) or host-cpu (qemu's CPU time to /init: less exposed to a busy host, but blind to firmware waits)",
      })
      .option('max-runs', { type: 'number', default: 4, describe: 'Boots per side at most, per knob' })
      .option('min-saving-ms', { type: 'number', default: 5, describe: 'Smallest saving worth keeping (ms)' })
      .option('knobs', { type: 'string', describe: 'Knob catalog (default configs/knobs.json)' })
      .option('knob', { type: 'string', array: true, describe: 'Only this knob of the catalog, by id (repeatable, in this order)' })
      .option('out', { type: 'string', describe: 'Directory for tune.json, tune.md, journal.jsonl and the boot logs' })
      .option('resume', { type: 'boolean', describe: 'Continue the journal in --out (decisions made are not measured again)' })
      .option('append', { type: 'string', describe: "Kernel parameters after ktrim's own (default loglevel=6); knobs add to them" })
      .option('smp', { type: 'number', default: 1, describe: 'vCPUs to start from' })
      .option('memory', { type: 'number', default: 256, describe: 'Guest memory (MiB) to start from' })
      .options(bootOptions)
      .example('ktrim tune --kernel O/arch/x86/boot/bzImage --out tune-out', '')
      .example('ktrim tune --kernel bzImage --no-config --knob firmware=qboot --knob cmdline:quiet', '') as never,
  handler: async (argv) => {
    const { logger, stdout } = contextFrom(argv);
    for (const [flag, v] of [
      ['--max-runs', argv['max-runs']],
      ['--smp', argv.smp],
      ['--memory', argv.memory],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new InputError(`${flag} must be a positive integer (got ${v})`);
    }
    if (!Number.isFinite(argv['min-saving-ms']) || argv['min-saving-ms'] < 0) {
      throw new InputError(`--min-saving-ms must be a number ≥ 0 (got ${argv['min-saving-ms']})`);
    }
    if (argv.resume && !argv.out) throw new InputError('--resume needs --out (the directory whose journal to continue)');
    const kernel = resolve(argv.kernel);
    if ((await checkKernelImage(kernel)) !== 'bzimage') {
      throw new InputError(
        'pass the bzImage (arch/x86/boot/bzImage): the PVH loader is a knob, tried with the vmlinux beside it',
        argv.kernel,
      );
    }
    const catalog = readKnobCatalog(argv.knobs ?? defaultKnobsFile());
    let knobs = catalog.knobs;
    if (argv.knob?.length) {
      knobs = argv.knob.map((id) => {
        const k = catalog.knobs.find((x) => x.id === id);
        if (!k) throw new InputError(`--knob ${id}: no such knob (known: ${catalog.knobs.map((x) => x.id).join(', ')})`, catalog.file);
        return k;
      });
    }
    const cfgPath = argv.config === false ? undefined : (argv.config ?? configBesideKernel(kernel));
    if (cfgPath) logger.info(`kernel config: ${cfgPath} (knobs whose requirement is off are skipped)`);
    else logger.warn('no kernel config (--config): knob requirements are not checked, a knob may break the boot');
    const config = cfgPath
      ? parseDotConfig((await readInputFile(cfgPath, 'a .config')).toString('utf8'), cfgPath, { strict: false })
      : undefined;
    const out = argv.out ? await checkOutputDir(argv.out, { flag: '--out' }) : undefined;
    const req: TuneRequest = {
      kernel,
      knobs,
      config,
      metric: argv.metric,
      hostMetric: argv['host-metric'],
      minSavingMs: argv['min-saving-ms'],
      maxRuns: argv['max-runs'],
      append: argv.append,
      smp: argv.smp,
      memoryMb: argv.memory,
      timeoutS: argv.timeout,
    };
    const journal = out
      ? await Journal.open(out, { runKey: tuneRunKey(req), resume: Boolean(argv.resume), header: { verb: 'tune', kernel } })
      : undefined;
    if (journal?.resumed) logger.info(`resuming ${journal.path}`);
    const bootDeps = defaultBootDeps(logger);
    const accel = chooseAccel({ accel: argv.accel }, bootDeps.qemu);
    warnAccel(logger, accel);
    logger.info(`command-line knobs on ${argv.metric}: ${metricSpec(argv.metric).describe}; the others on ${argv['host-metric']}`);
    const [load] = loadavg();
    if (load > availableParallelism()) {
      // Seen here: at load 20 on 2 CPUs a tiny-kernel boot took 8-11 s instead of ~1.2 s, drowning qboot's 150 ms.
      logger.warn(
        `the host is busy (load ${load.toFixed(1)} on ${availableParallelism()} CPUs): host-clock knobs (on ${argv['host-metric']}) will be noisy` +
          (argv['host-metric'] === 'host' ? '; --host-metric host-cpu is less exposed to it (but blind to firmware waits)' : ''),
      );
    }
    const logDir = out
      ? join(out, 'boots')
      : join(cacheRoot(), 'boots', `tune-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
    const result = await tuneKernel(req, {
      boot: realTuneBooter(bootDeps, { request: commonBootRequest(argv), logDir }),
      accel,
      journal,
      logger,
      onBoot: (label, o, metric) =>
        logger.info(`${label}: ${o.ok ? `${o.valueMs.toFixed(1)} ms (${metric})` : `${o.ending}: ${o.detail.slice(0, 200)}`}`),
      onDecision: (k) => logger.info(`${k.id}: ${k.decision}${k.savingMs !== undefined ? `, saving ${formatSaving(k)}` : ''}: ${k.why}`),
    });
    logger.info(`boot logs in ${logDir}`);
    if (out) {
      await writeOutput(join(out, 'tune.json'), tuneJson(result));
      await writeOutput(join(out, 'tune.md'), formatTuneMarkdown(result));
      logger.info(`wrote ${join(out, 'tune.md')} and tune.json`);
    }
    stdout.write(argv.json ? tuneJson(result) : formatTuneText(result));
  },
};
