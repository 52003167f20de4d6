/**
 * `ktrim bisect --source DIR --good FILE --bad FILE [--test SCRIPT | --slower-than-ms X]`:
 * find the symbol(s) that make the bad config bad, as config-bisect.pl does,
 * every tested config passed through olddefconfig, journaled for --resume;
 * symbols that fail only together come out as one set (src/bisect/bisect.ts).
 */
import type { CommandModule } from 'yargs';
import { contextFrom, type GlobalArgs } from './context.js';
import { InputError } from '../errors.js';
import { DEFAULTS } from '../boot/boot.js';
import { BOOT_METRICS, DEFAULT_METRIC, metricSpec, type BootMetric } from '../boot/metric.js';
import { realLab } from '../lab/lab.js';
import { formatBisectReport, runBisect } from '../bisect/run.js';

interface BisectArgs extends GlobalArgs {
  source: string;
  good: string;
  bad: string;
  test?: string;
  slowerThanMs?: number;
  metric: BootMetric;
  maxRuns?: number;
  maxCulprits?: number;
  out: string;
  resume?: boolean;
  timeout: number;
  arch?: string;
  cc?: string;
  jobs?: number;
  makeVar?: string[];
  json?: boolean;
}

export const bisectCommand: CommandModule<GlobalArgs, BisectArgs> = {
  command: 'bisect',
  describe:
    'Find the config symbol(s) that make a bad config fail (or boot slower) where a good one does not; symbols that fail only together as one set',
  builder: (y) =>
    y
      .option('source', {
        type: 'string',
        demandOption: true,
        describe: 'kernel source: a git tree or an unpacked tarball (never written to)',
      })
      .option('good', { type: 'string', demandOption: true, describe: 'a full .config that passes' })
      .option('bad', { type: 'string', demandOption: true, describe: 'a full .config that fails' })
      .option('test', { type: 'string', describe: 'test script run in the guest after boot (must print PASS): failing it is bad' })
      .option('slower-than-ms', { type: 'number', describe: 'bad = boots slower than this many ms (with --metric) instead of failing' })
      .option('metric', {
        choices: BOOT_METRICS,
        default: DEFAULT_METRIC,
        describe: `boot-time metric for --slower-than-ms: ${BOOT_METRICS.map((m) => `${m}: ${metricSpec(m).describe}`).join('; ')}`,
      })
      .option('max-runs', { type: 'number', default: 5, describe: 'boots per config at most for a noisy metric' })
      .option('max-culprits', {
        type: 'number',
        default: 8,
        describe: 'stop after this many culprits (a set that fails only together is one)',
      })
      .option('out', {
        type: 'string',
        default: 'ktrim-bisect',
        describe: 'output directory: journal.jsonl, culprit-N.diffconfig, bisect.json',
      })
      .option('resume', { type: 'boolean', describe: 'continue the run journaled in --out without repeating a judged config' })
      .option('timeout', { type: 'number', default: DEFAULTS.timeoutS, describe: 'seconds a boot may take before it counts as hung' })
      .option('arch', { type: 'string', describe: 'kernel ARCH= (as ktrim build)' })
      .option('jobs', { alias: 'j', type: 'number', describe: 'make -j (as ktrim build)' })
      .option('cc', { type: 'string', describe: 'CC= for make, e.g. "distcc gcc" (as ktrim build)' })
      .option('make-var', { type: 'string', array: true, describe: 'extra make variable K=V (repeatable, as ktrim build)' })
      .option('json', { type: 'boolean', describe: 'print the result as JSON' }),
  handler: async (argv) => {
    const ctx = contextFrom(argv);
    for (const [flag, v] of [
      ['--jobs', argv.jobs],
      ['--max-runs', argv.maxRuns],
      ['--max-culprits', argv.maxCulprits],
    ] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new InputError(`${flag} ${v}: expected a positive integer`);
    }
    if (!(argv.timeout > 0)) throw new InputError(`--timeout ${argv.timeout}: expected a positive number of seconds`);
    // Pass/fail boots need no measurement: the host clock adds no qemu arguments (icount boots are ~5x slower).
    const metric: BootMetric = argv.slowerThanMs !== undefined ? argv.metric : 'host';
    const lab = realLab(
      {
        source: argv.source,
        arch: argv.arch,
        cc: argv.cc,
        jobs: argv.jobs,
        makeVars: argv.makeVar,
        metric,
        testScript: argv.test,
        timeoutS: argv.timeout,
      },
      { logger: ctx.logger },
    );
    const report = await runBisect(
      {
        source: argv.source,
        good: argv.good,
        bad: argv.bad,
        testScript: argv.test,
        slowerThanMs: argv.slowerThanMs,
        metric,
        maxRuns: argv.maxRuns ?? 5,
        maxCulprits: argv.maxCulprits,
        out: argv.out,
        resume: argv.resume ?? false,
        timeoutS: argv.timeout,
        arch: argv.arch,
        cc: argv.cc,
        jobs: argv.jobs,
        makeVars: argv.makeVar,
      },
      { logger: ctx.logger, lab },
    );
    ctx.stdout.write(argv.json ? JSON.stringify(report, null, 2) + '\n' : formatBisectReport(report));
  },
};
