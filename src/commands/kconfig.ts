/**
 * `ktrim kconfig why|off|olddefconfig`: ktrim's own Kconfig engine on a
 * kernel source tree. Never writes to the source tree or the input .config.
 */
import type { Argv, CommandModule } from 'yargs';
import { existsSync, statSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { checkOutput, writeOutput } from '../output.js';
import { contextFrom, type CommandContext, type GlobalArgs } from './context.js';
import { readDotConfigFile } from './diff.js';
import { InputError } from '../errors.js';
import type { DotConfig } from '../kconfig/dotconfig.js';
import { parseDotConfig } from '../kconfig/dotconfig.js';
import { olddefconfig } from '../kconfig/confdata.js';
import { type KconfigState } from '../kconfig/value.js';
import { explainSymbol, formatOffPlan, formatWhy, lookupSymbol, offFragment, planOff } from '../kconfig/explain.js';
import { checkRequested, formatMergeMessage, mergeFragments } from '../kconfig/merge.js';
import type { KconfigTree } from '../kconfig/tree.js';
import { loadKernelKconfig } from '../build/kconfig-host.js';
import { kernelVersionOf } from '../build/source-id.js';
import { writeConfig } from '../kconfig/write.js';
import { modeCommands } from './kconfig-modes.js';

export interface KconfigArgs extends GlobalArgs {
  source: string;
  config?: string;
  arch?: string;
  kernelVersion?: string;
  json?: boolean;
  symbols?: string[];
  symbol?: string;
  output?: string;
  fragment?: string[];
}

/**
 * The source tree must look like a kernel tree before we parse anything; a
 * bare Kconfig directory (scripts/kconfig/tests cases) is accepted when the
 * kernel version is given, since there is no Makefile to read it from.
 */
export function checkSourceTree(dir: string, kernelVersion?: string): string {
  const abs = resolve(dir);
  if (kernelVersion === undefined) {
    kernelVersionOf(abs);
    return abs;
  }
  if (!/^\d+\.\d+/.test(kernelVersion)) throw new InputError(`--kernel-version ${kernelVersion}: expected e.g. 6.1 or 6.12.0`);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new InputError('no such directory', dir);
  if (!existsSync(join(abs, 'Kconfig'))) throw new InputError('no Kconfig file at its top', dir);
  return abs;
}

async function loadTree(ctx: CommandContext, argv: KconfigArgs): Promise<KconfigTree> {
  const src = checkSourceTree(argv.source, argv.kernelVersion);
  const t0 = Date.now();
  const tree = loadKernelKconfig({
    srctree: src,
    arch: argv.arch,
    kernelVersion: argv.kernelVersion,
    onWarning: (w) => ctx.logger.warn(w),
  });
  ctx.logger.debug(
    `parsed ${tree.files.length} Kconfig files, ${tree.byName.size} symbols in ${Date.now() - t0} ms (ARCH=${tree.env.ARCH ?? '?'})`,
  );
  return tree;
}

/**
 * Warnings the C tool prints while reading a .config, plus what ktrim adds:
 * unknown symbols (as KCONFIG_WARN_UNKNOWN_SYMBOLS), and for values that
 * were rejected or clamped, the value used instead.
 */
export function readWarnings(state: KconfigState, config: DotConfig, fileOf?: (name: string) => string | undefined): string[] {
  const out: string[] = [];
  const file0 = config.file ?? '.config';
  const fileFor = (name: string) => fileOf?.(name) ?? file0;
  for (const w of state.read.warnings) {
    const m = /invalid for (\w+)/.exec(w);
    const sym = m ? state.tree.byName.get(m[1]) : undefined;
    out.push(sym ? `${w}; ${sym.name}=${state.value(sym) || '""'} used instead` : w);
  }
  for (const name of state.read.unknown) {
    const e = config.values.get(name);
    out.push(`${fileFor(name)}:${e?.line ?? 0}:warning: unknown symbol: ${name}`);
  }
  for (const e of config.values.values()) {
    const sym = state.tree.byName.get(e.name);
    if (!sym || (sym.type !== 'int' && sym.type !== 'hex')) continue;
    if (state.visibility(sym) === 0) continue;
    if (e.raw && !state.stringWithinRange(sym, e.raw) && state.read.warnings.every((w) => !w.includes(`invalid for ${e.name}`))) {
      out.push(`${fileFor(e.name)}:${e.line}:warning: CONFIG_${e.name}=${e.raw} is out of range; ${state.value(sym)} used instead`);
    }
  }
  return out;
}

const common = (y: Argv<GlobalArgs>) =>
  y
    .option('source', { alias: 's', type: 'string', demandOption: true, describe: 'kernel source tree' })
    .option('config', { alias: 'c', type: 'string', describe: 'input .config' })
    .option('arch', {
      type: 'string',
      describe: 'ARCH= as given to make (default: $ARCH, else what plain make uses on this host: x86 on x86_64)',
    })
    .option('kernel-version', { type: 'string', describe: 'KERNELVERSION, for a bare Kconfig directory without a Makefile (e.g. 6.1)' })
    .option('json', { type: 'boolean', describe: 'print the result as JSON' });

const why: CommandModule<GlobalArgs, KconfigArgs> = {
  command: 'why <symbol>',
  describe: "Explain a symbol's value: user, default (which, under what condition), select, imply, depends on",
  builder: (y) =>
    common(y).positional('symbol', { type: 'string', demandOption: true }).demandOption('config') as unknown as Argv<KconfigArgs>,
  handler: async (argv) => {
    const ctx = contextFrom(argv);
    const config = await readDotConfigFile(argv.config!);
    const tree = await loadTree(ctx, argv);
    const sym = lookupSymbol(tree, argv.symbol!);
    const state = olddefconfig(tree, config);
    const report = explainSymbol(state, sym, config);
    ctx.stdout.write(argv.json ? JSON.stringify(report, null, 2) + '\n' : formatWhy(report));
  },
};

const off: CommandModule<GlobalArgs, KconfigArgs> = {
  command: 'off <symbols..>',
  describe: 'What it takes to turn symbols off: the user-settable symbols to change, and the blast radius',
  builder: (y) =>
    common(y)
      .positional('symbols', { type: 'string', array: true, demandOption: true })
      .option('output', { alias: 'o', type: 'string', describe: 'write the changes as a config fragment here' })
      .demandOption('config') as unknown as Argv<KconfigArgs>,
  handler: async (argv) => {
    const ctx = contextFrom(argv);
    checkSourceTree(argv.source, argv.kernelVersion); // a wrong --source is the first thing to say
    const outReal = argv.output ? await checkOutput(argv.output, { inputs: [argv.config], trees: [argv.source], flag: '-o' }) : undefined;
    const config = await readDotConfigFile(argv.config!);
    const tree = await loadTree(ctx, argv);
    const plan = planOff(tree, config, argv.symbols ?? []);
    if (argv.output && outReal) {
      await writeOutput(outReal, offFragment(plan), argv.output);
      ctx.logger.info(`fragment with ${plan.changes.length} change(s) written to ${argv.output}`);
    }
    if (argv.json) {
      const { newConfig: _omit, ...rest } = plan;
      void _omit;
      ctx.stdout.write(JSON.stringify(rest, null, 2) + '\n');
    } else ctx.stdout.write(formatOffPlan(plan));
    if (plan.stuck.length) process.exitCode = 1;
  },
};

const olddef: CommandModule<GlobalArgs, KconfigArgs> = {
  command: 'olddefconfig',
  describe: "conf --olddefconfig with ktrim's engine: fill in every new symbol with its default (merge fragments first with --fragment)",
  builder: (y) =>
    common(y)
      .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'where to write the new .config' })
      .option('fragment', { alias: 'f', type: 'string', array: true, describe: 'config fragments merged on top, as merge_config.sh does' })
      .demandOption('config') as unknown as Argv<KconfigArgs>,
  handler: async (argv) => {
    const ctx = contextFrom(argv);
    const frags = argv.fragment ?? [];
    checkSourceTree(argv.source, argv.kernelVersion); // a wrong --source is the first thing to say
    const outReal = await checkOutput(argv.output!, { inputs: [argv.config, ...frags], trees: [argv.source], flag: '-o' });
    const base = await readDotConfigFile(argv.config!);
    let config: DotConfig = base;
    let requested: DotConfig | undefined;
    const origin = new Map<string, string>();
    if (frags.length) {
      const fragments = await Promise.all(frags.map(readDotConfigFile));
      const merged = mergeFragments(base, fragments);
      for (const m of merged.messages) ctx.logger.warn(formatMergeMessage(m).trim().replace(/\n/g, ' | '));
      // Entries keep their own line numbers; origin maps each symbol to the file that set it last.
      config = { file: `${argv.config} + ${frags.join(' + ')}`, entries: merged.entries, values: merged.values, warnings: [] };
      for (const [i, f] of fragments.entries()) for (const n of f.values.keys()) origin.set(n, frags[i]);
      requested = {
        file: config.file,
        entries: fragments.flatMap((f) => f.entries),
        values: new Map(fragments.flatMap((f) => [...f.values])),
        warnings: [],
      };
    }
    const tree = await loadTree(ctx, argv);
    const state = olddefconfig(tree, config);
    for (const w of readWarnings(state, config, (n) => origin.get(n) ?? argv.config)) ctx.logger.warn(w);
    const text = writeConfig(state);
    await writeOutput(outReal, text, argv.output);
    const out = parseDotConfig(text, argv.output);
    if (requested) {
      for (const m of checkRequested(requested, out)) {
        ctx.logger.warn(
          `value requested for CONFIG_${m.name} not in final .config: requested ${m.requested}, actual ${m.actual || '(not written)'}`,
        );
      }
    }
    if (argv.json) {
      ctx.stdout.write(
        JSON.stringify(
          { output: argv.output, symbols: out.values.size, unknown: state.read.unknown, warnings: state.read.warnings },
          null,
          2,
        ) + '\n',
      );
    } else ctx.logger.info(`${argv.output}: ${out.values.size} symbols written`);
  },
};

export const kconfigCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'kconfig <command>',
  describe: "ktrim's Kconfig engine: why, off, olddefconfig, and conf's other modes (allnoconfig, randconfig, savedefconfig, ...)",
  builder: (y) =>
    y
      .command(why)
      .command(off)
      .command(olddef)
      .command(modeCommands as unknown as CommandModule<GlobalArgs, KconfigArgs>[])
      .demandCommand(1),
  handler: () => {},
};

/** For the conf modes (kconfig-modes.ts). */
export { common as commonKconfigOptions, loadTree as loadKconfigTree };

export default kconfigCommand;
