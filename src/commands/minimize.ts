/**
 * `ktrim minimize --source DIR --config FILE --out DIR`: the closed loop
 * (src/minimize/run.ts does the work; issue 10 §2).
 */
import type { CommandModule } from 'yargs';
import { BOOT_METRICS, DEFAULT_METRIC, metricSpec, type BootMetric } from '../boot/metric.js';
import { InputError } from '../errors.js';
import { CANDIDATE_SOURCES, DEFAULT_MAX_PLAN_CHANGES, type CandidateSource } from '../minimize/candidates.js';
import { summaryRows } from '../minimize/report.js';
import { runMinimize, type MinimizeResult } from '../minimize/run.js';
import { contextFrom, type GlobalArgs } from './context.js';

interface MinimizeArgs extends GlobalArgs {
  source: string;
  config: string;
  out: string;
  metric: string;
  runs: number;
  'max-runs': number;
  'min-saving-ms': number;
  test?: string;
  keep?: string[];
  'keep-lab-needs': boolean;
  'max-plan-changes': number;
  candidates: string;
  catalog?: string;
  screen?: boolean;
  tune?: boolean;
  'budget-builds'?: number;
  'budget-time'?: string;
  jobs: number;
  'make-jobs'?: number;
  resume?: boolean;
  timeout: number;
  arch?: string;
  cc?: string;
  makeVar?: string[];
  append?: string;
  json?: boolean;
}

/** `90`, `90s`, `30m`, `2h`, `1h30m` → seconds. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const re = /(\d+(?:\.\d+)?)\s*(h|m|s)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
    end = re.lastIndex;
  }
  if (!t || end !== t.length)
    throw new InputError(`--budget-time ${JSON.stringify(text)}: expected a duration such as 90s, 30m, 2h or 1h30m`);
  return total;
}

function positiveInt(v: number | undefined, flag: string): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new InputError(`${flag} ${v}: expected a positive integer`);
}

export const minimizeCommand: CommandModule<GlobalArgs, MinimizeArgs> = {
  command: 'minimize',
  describe: 'Trim a config for a faster boot: try removals, keep only those that measurably save time',
  builder: (y) =>
    y
      .option('source', { type: 'string', demandOption: true, describe: 'kernel source tree (never written to)' })
      .option('config', { type: 'string', demandOption: true, describe: 'the start .config (full)' })
      .option('out', { type: 'string', demandOption: true, describe: 'output directory: trimmed.config, reports, journal.jsonl' })
      .option('metric', {
        type: 'string',
        default: DEFAULT_METRIC,
        describe: `what a decision measures: ${BOOT_METRICS.map((m) => `${m} (${metricSpec(m).describe})`).join('; ')}`,
      })
      .option('runs', { type: 'number', default: 3, describe: 'host-clock boots per side for the final before/after' })
      .option('max-runs', { type: 'number', default: 5, describe: 'boots per side at most for one keep/reject decision' })
      .option('min-saving-ms', { type: 'number', default: 2, describe: 'a change is kept when it saves at least this (ms)' })
      .option('test', { type: 'string', describe: 'shell script run by /init in every boot; it must print PASS' })
      .option('keep', { type: 'string', array: true, describe: 'symbol never removed (repeatable)' })
      .option('keep-lab-needs', {
        type: 'boolean',
        default: true,
        describe:
          "keep what the boot lab needs as --keep (configs/tiny-serial.config's symbols: 8250 console, initramfs, ELF, …); --no-keep-lab-needs tries removing them too",
      })
      .option('max-plan-changes', {
        type: 'number',
        default: DEFAULT_MAX_PLAN_CHANGES,
        describe: "propose's plans up to this many changes are candidates (tried last, by saving per change); 8 = propose's own limit",
      })
      .option('candidates', { type: 'string', default: 'both', describe: 'removals from propose (measured), the catalog, or both' })
      .option('catalog', { type: 'string', describe: 'catalog directory (default: configs/catalog)' })
      .option('screen', {
        type: 'boolean',
        describe: "pre-screen propose's candidates with initcall_blacklist= boots of the start kernel (no build)",
      })
      .option('tune', {
        type: 'boolean',
        describe: 'then tune qemu and kernel command-line knobs on the trimmed kernel (as ktrim tune; tune.md)',
      })
      .option('budget-builds', { type: 'number', describe: 'stop after N builds and write what was decided' })
      .option('budget-time', {
        type: 'string',
        describe:
          'start no evaluation after the search has run this long (90s, 30m, 2h; the start build and baseline boots come first) and write what was decided',
      })
      .option('jobs', { alias: 'j', type: 'number', default: 1, describe: 'evaluations in parallel (each build in its own O= dir)' })
      .option('make-jobs', { type: 'number', describe: 'make -j of each build (default: CPUs)' })
      .option('resume', { type: 'boolean', describe: 'continue the run journaled in --out (after Ctrl-C or kill -9)' })
      .option('timeout', { type: 'number', default: 120, describe: 'seconds before a boot counts as hung' })
      .option('arch', { type: 'string', describe: 'kernel ARCH= (as ktrim build)' })
      .option('cc', { type: 'string', describe: 'CC= for make, e.g. "distcc gcc"' })
      .option('make-var', { type: 'string', array: true, describe: 'extra make variable K=V (repeatable)' })
      .option('append', { type: 'string', describe: "kernel parameters for every boot (after ktrim's own)" })
      .option('json', { type: 'boolean', describe: 'print report.json on stdout' })
      .example('ktrim minimize --source linux-6.1 --config start.config --out trim/', 'trim start.config; outputs in trim/') as never,
  handler: async (argv) => {
    const { logger, stdout } = contextFrom(argv);
    if (!(BOOT_METRICS as readonly string[]).includes(argv.metric))
      throw new InputError(`--metric ${argv.metric}: use one of ${BOOT_METRICS.join(', ')}`);
    if (!(CANDIDATE_SOURCES as readonly string[]).includes(argv.candidates))
      throw new InputError(`--candidates ${argv.candidates}: use one of ${CANDIDATE_SOURCES.join(', ')}`);
    positiveInt(argv.jobs, '--jobs');
    positiveInt(argv['make-jobs'], '--make-jobs');
    positiveInt(argv['budget-builds'], '--budget-builds');
    positiveInt(argv['max-plan-changes'], '--max-plan-changes');
    if (!(argv.timeout > 0)) throw new InputError(`--timeout ${argv.timeout}: expected seconds > 0`);
    const r = await runMinimize(
      {
        source: argv.source,
        config: argv.config,
        out: argv.out,
        metric: argv.metric as BootMetric,
        runs: argv.runs,
        maxRuns: argv['max-runs'],
        minSavingMs: argv['min-saving-ms'],
        testScript: argv.test,
        keep: argv.keep,
        keepLabNeeds: argv['keep-lab-needs'],
        maxPlanChanges: argv['max-plan-changes'],
        candidates: argv.candidates as CandidateSource,
        catalogDir: argv.catalog,
        screen: argv.screen,
        tune: argv.tune,
        budgetBuilds: argv['budget-builds'],
        budgetTimeS: argv['budget-time'] === undefined ? undefined : parseDuration(argv['budget-time']),
        jobs: argv.jobs,
        makeJobs: argv['make-jobs'],
        resume: argv.resume,
        timeoutS: argv.timeout,
        arch: argv.arch,
        cc: argv.cc,
        makeVars: argv.makeVar,
        append: argv.append,
      },
      { logger },
    );
    stdout.write(argv.json ? JSON.stringify(r, null, 2) + '\n' : formatText(r));
  },
};

function formatText(r: MinimizeResult): string {
  const out: string[] = [];
  for (const [label, before, after, change] of summaryRows(r))
    out.push(`${label.padEnd(36)} ${before.padEnd(26)} → ${after.padEnd(26)} ${change}`);
  out.push('');
  for (const d of r.decisions) out.push(`${d.decision.padEnd(8)} ${d.id}: ${d.why}`);
  out.push('');
  if (r.stopped) out.push(`stopped early: ${r.stopped}`);
  out.push(
    `${r.spent.builds} build(s), ${r.spent.boots} boot(s), ${r.spent.wallSeconds.toFixed(0)} s; outputs in ${r.out}: trimmed.config trimmed.fragment changes.diffconfig report.md report.json report.html`,
  );
  return out.join('\n') + '\n';
}
