/** `ktrim screen`: boot the current kernel with initcall_blacklist= per candidate (src/boot/screen.ts does the work). */
import type { CommandModule } from 'yargs';
import { join } from 'node:path';
import { cacheRoot } from '../cache.js';
import { InputError } from '../errors.js';
import { defaultBootDeps } from '../boot/boot.js';
import { chooseAccel } from '../boot/qemu.js';
import { configBesideKernel, formatScreenText, screenCandidates, type ScreenCandidate } from '../boot/screen.js';
import { parseDotConfig } from '../kconfig/dotconfig.js';
import { readInputFile } from './report.js';
import { bootOptions, commonBootRequest, warnAccel, type CommonBootArgs } from './boot.js';
import { contextFrom, type GlobalArgs } from './context.js';

interface ScreenArgs extends GlobalArgs, CommonBootArgs {
  kernel: string;
  'kernel-config'?: string;
  from?: string;
  top: number;
  initcall?: string[];
  runs: number;
  append?: string;
  memory: number;
  'keep-logs'?: string;
}

/** Candidates from `ktrim propose --format json` output: the top N, with their predicted saving. */
export function candidatesFromPropose(text: string, file: string, top: number): ScreenCandidate[] {
  let data: { candidates?: { id?: unknown; saving?: { medianMs?: unknown }; initcalls?: { fn?: unknown }[] }[] };
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not JSON (expected \`ktrim propose --format json\` output): ${(e as Error).message}`, file);
  }
  if (!Array.isArray(data?.candidates)) throw new InputError('no "candidates" array: expected `ktrim propose --format json` output', file);
  return data.candidates.slice(0, top).map((c, i) => {
    const fns = Array.isArray(c.initcalls) ? c.initcalls.map((x) => x.fn).filter((f): f is string => typeof f === 'string') : [];
    if (typeof c.id !== 'string' || !fns.length) throw new InputError(`candidate ${i + 1} has no id or no initcalls`, file);
    return { id: c.id, initcalls: [...new Set(fns)], predictedMs: typeof c.saving?.medianMs === 'number' ? c.saving.medianMs : undefined };
  });
}

export const screenCommand: CommandModule<GlobalArgs, ScreenArgs> = {
  command: 'screen',
  describe: 'Test candidate removals without a rebuild: boot with initcall_blacklist= and measure the saving (needs CONFIG_KALLSYMS)',
  builder: (y) =>
    y
      .option('kernel', {
        type: 'string',
        demandOption: true,
        describe: 'bzImage to boot (the current kernel, built with CONFIG_KALLSYMS)',
      })
      .option('kernel-config', {
        type: 'string',
        describe: "The kernel's .config (default: the one beside the bzImage in its build directory, if any)",
      })
      .option('from', { type: 'string', describe: '`ktrim propose --format json` output: screen its top candidates' })
      .option('top', { type: 'number', default: 5, describe: 'How many candidates of --from to screen' })
      .option('initcall', { type: 'string', array: true, describe: 'A candidate by hand: fn or fn1,fn2 (repeatable)' })
      .option('runs', { type: 'number', default: 3, describe: 'Boots per variant (baseline and each candidate)' })
      .option('append', { type: 'string', describe: "Kernel parameters after ktrim's own (default loglevel=6)" })
      .option('memory', { type: 'number', default: 256, describe: 'Guest memory in MiB' })
      .option('keep-logs', { type: 'string', describe: 'Directory for each boot’s console and dmesg logs' })
      .options(bootOptions)
      .example(
        'ktrim propose --source linux --config .config boot-*.log --format json > p.json && ktrim screen --kernel bzImage --from p.json',
        '',
      ) as never,
  handler: async (argv) => {
    const { logger, stdout } = contextFrom(argv);
    if (!Number.isInteger(argv.runs) || argv.runs < 1) throw new InputError(`--runs must be a positive integer (got ${argv.runs})`);
    if (!Number.isInteger(argv.top) || argv.top < 1) throw new InputError(`--top must be a positive integer (got ${argv.top})`);
    const candidates: ScreenCandidate[] = [];
    if (argv.from)
      candidates.push(...candidatesFromPropose((await readInputFile(argv.from, 'propose JSON')).toString('utf8'), argv.from, argv.top));
    for (const spec of argv.initcall ?? []) {
      const fns = spec
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      candidates.push({ id: fns.join(','), initcalls: fns });
    }
    if (!candidates.length) throw new InputError('nothing to screen: give --from PROPOSE.json or --initcall FN');
    const cfgPath = argv['kernel-config'] ?? configBesideKernel(argv.kernel);
    if (cfgPath) logger.info(`kernel config: ${cfgPath}`);
    const kernelConfig = cfgPath
      ? parseDotConfig((await readInputFile(cfgPath, 'a .config')).toString('utf8'), cfgPath, { strict: false })
      : undefined;
    const deps = defaultBootDeps(logger);
    warnAccel(logger, chooseAccel({ accel: argv.accel }, deps.qemu));
    const logDir =
      argv['keep-logs'] ?? join(cacheRoot(), 'boots', `screen-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
    const res = await screenCandidates(
      {
        boot: { ...commonBootRequest(argv), kernel: argv.kernel, append: argv.append, memoryMb: argv.memory, logDir },
        candidates,
        runs: argv.runs,
        kernelConfig,
        onBoot: (label, r, i) => logger.info(`${label} boot ${i}: ${r.ending}${r.ending === 'marker' ? '' : ` (${r.endingDetail})`}`),
      },
      deps,
    );
    logger.info(`logs kept in ${logDir}`);
    stdout.write(argv.json ? JSON.stringify(res, null, 2) + '\n' : formatScreenText(res));
  },
};
