/**
 * `ktrim analyze`: boot phases on the host clock (text timeline, JSON, SVG)
 * and the console's cost. Boots a kernel (--kernel) or re-reads the
 * `*.console.ts.log` files that `ktrim boot --keep-logs` kept.
 */
import type { CommandModule } from 'yargs';
import { readFile } from 'node:fs/promises';
import { checkOutput, writeOutput } from '../output.js';
import { analyzeBoots, formatTimeline, parseTimestampedConsole, timelineSvg, type AnalyzableBoot } from '../boot/analyze.js';
import { benchmarkBoots, defaultBootDeps } from '../boot/boot.js';
import { InputError } from '../errors.js';
import { bootInputs, bootOptions, commonBootRequest, describeBoot, warnAccel, type CommonBootArgs } from './boot.js';
import { contextFrom, type GlobalArgs } from './context.js';
import { chooseAccel } from '../boot/qemu.js';

export interface AnalyzeArgs extends GlobalArgs, CommonBootArgs {
  logs?: string[];
  kernel?: string;
  append?: string;
  smp: number;
  memory: number;
  runs: number;
  warmup: number;
  'initcall-debug'?: boolean;
  svg?: string;
  'keep-logs'?: string;
}

export const analyzeCommand: CommandModule<GlobalArgs, AnalyzeArgs> = {
  command: 'analyze [logs..]',
  describe: 'Break boots into phases (host clock) and estimate the console cost; boots --kernel or reads kept *.console.ts.log files',
  builder: (y) =>
    y
      .positional('logs', { type: 'string', array: true, describe: '*.console.ts.log files kept by ktrim boot --keep-logs' })
      .option('kernel', { type: 'string', describe: 'bzImage to boot and analyze' })
      .option('append', {
        type: 'string',
        describe: "Kernel parameters after ktrim's console=ttyS0 panic=-1 (default: loglevel=6, a quiet console that keeps the banner)",
      })
      .option('smp', { type: 'number', default: 1, describe: 'vCPUs' })
      .option('memory', { type: 'number', default: 256, describe: 'Guest memory in MiB' })
      .option('runs', { type: 'number', default: 3, describe: 'Counted boots' })
      .option('warmup', { type: 'number', default: 0, describe: 'Warm-up boots (not counted)' })
      .option('initcall-debug', { type: 'boolean', describe: 'Boot with initcall_debug (ring buffer only at the default loglevel)' })
      .option('svg', { type: 'string', describe: 'Write the timeline as SVG to this file' })
      .option('keep-logs', { type: 'string', describe: 'Directory for each boot’s console and dmesg logs' })
      .options(bootOptions) as never,
  handler: async (argv) => {
    const { logger, stdout } = contextFrom(argv);
    // Checked before any boot: a bad --svg must not cost minutes of qemu first.
    const svgReal = argv.svg
      ? await checkOutput(argv.svg, { inputs: [argv.kernel, ...(argv.logs ?? []), ...bootInputs(argv)], flag: '--svg' })
      : undefined;
    let boots: AnalyzableBoot[];
    if (argv.kernel) {
      if (argv.logs?.length) throw new InputError('give either --kernel or log files, not both');
      const deps = defaultBootDeps(logger);
      warnAccel(logger, chooseAccel({ accel: argv.accel }, deps.qemu));
      const res = await benchmarkBoots(
        {
          ...commonBootRequest(argv),
          kernel: argv.kernel,
          append: argv.append,
          smp: argv.smp,
          memoryMb: argv.memory,
          initcallDebug: argv['initcall-debug'],
          dmesg: true, // guest-side landmarks, and a long console run to time the UART
          logDir: argv['keep-logs'],
        },
        {
          runs: argv.runs,
          warmup: argv.warmup,
          onBoot: (r, i, warm) => {
            logger.info(describeBoot(r, warm ? `warm-up ${i}` : `boot ${i}/${argv.runs}`));
          },
        },
        deps,
      );
      boots = res.boots;
    } else {
      if (!argv.logs?.length) throw new InputError('nothing to analyze: give --kernel FILE or *.console.ts.log files');
      boots = [];
      for (const file of argv.logs) {
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (err) {
          throw new InputError(`cannot read: ${(err as Error).message}`, file);
        }
        boots.push(parseTimestampedConsole(text, file));
      }
    }
    const analysis = analyzeBoots(boots);
    for (const w of analysis.warnings) logger.warn(w);
    if (argv.svg && svgReal) {
      await writeOutput(svgReal, timelineSvg(analysis), argv.svg);
      logger.info(`timeline written to ${argv.svg}`);
    }
    stdout.write(argv.json ? JSON.stringify(analysis, null, 2) + '\n' : formatTimeline(analysis));
  },
};
