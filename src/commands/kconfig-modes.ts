/**
 * `ktrim kconfig <mode>`: conf's non-interactive modes with ktrim's engine
 * (allnoconfig, allyesconfig, allmodconfig, alldefconfig, randconfig,
 * tinyconfig, defconfig [FILE], savedefconfig, listnewconfig). Honours
 * KCONFIG_ALLCONFIG, KCONFIG_SEED and KCONFIG_PROBABILITY as conf does;
 * files are looked up as zconf_fopen does (as given, then under the source
 * tree). Writes only to -o.
 */
import type { Argv, CommandModule } from 'yargs';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { checkOutput, writeOutput } from '../output.js';
import { contextFrom, type GlobalArgs } from './context.js';
import { readDotConfigFile } from './diff.js';
import { commonKconfigOptions, loadKconfigTree, type KconfigArgs } from './kconfig.js';
import { allconfigDefaultName, ConfError, confMessages, runConfMode, tinyconfig, type ConfMode, type ConfResult } from '../kconfig/conf.js';
import { parseDotConfig, type DotConfig } from '../kconfig/dotconfig.js';
import { formatMergeMessage } from '../kconfig/merge.js';
import type { KconfigTree } from '../kconfig/symbol.js';

interface ModeArgs extends KconfigArgs {
  file?: string;
  seed?: string;
  probability?: string;
  allconfig?: string;
}

/** zconf_fopen: the name as given, else (relative names) under the source tree. */
function confFind(name: string, srctree: string): string | undefined {
  if (existsSync(name) && statSync(name).isFile()) return name;
  if (!isAbsolute(name)) {
    const p = join(srctree, name);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return undefined;
}

/** conf reads these leniently (a bad line is a warning): so do we. */
function readConf(path: string): DotConfig {
  return parseDotConfig(readFileSync(path, 'utf8'), path, { strict: false });
}

/** KCONFIG_ALLCONFIG as conf.c main() resolves it. */
function readAllconfig(mode: ConfMode, value: string | undefined, srctree: string): DotConfig | null {
  if (value === undefined) return null;
  if (value !== '' && value !== '1') {
    const p = confFind(value, srctree);
    if (!p) throw new ConfError(confMessages.noSeedConfig(value));
    return readConf(p);
  }
  const name = allconfigDefaultName(mode);
  const p = confFind(name, srctree) ?? confFind('all.config', srctree);
  if (!p) throw new ConfError(confMessages.noAllconfig(name));
  return readConf(p);
}

/** arch/$SRCARCH/configs/$KBUILD_DEFCONFIG, as arch/x86/Makefile picks it. */
function archDefconfig(tree: KconfigTree): string {
  const arch = tree.env.ARCH ?? 'x86_64';
  const srcarch = tree.env.SRCARCH ?? 'x86';
  if (srcarch !== 'x86') return join('arch', srcarch, 'configs', 'defconfig');
  return join(
    'arch/x86/configs',
    arch === 'i386' || (arch === 'x86' && tree.env.SUBARCH === 'i386') ? 'i386_defconfig' : 'x86_64_defconfig',
  );
}

function modeCommand(mode: ConfMode | 'tinyconfig', describe: string): CommandModule<GlobalArgs, ModeArgs> {
  const takesConfig = mode === 'savedefconfig' || mode === 'listnewconfig';
  return {
    command: mode === 'defconfig' ? 'defconfig [file]' : mode,
    describe,
    builder: (y) => {
      let b = commonKconfigOptions(y).option('output', {
        alias: 'o',
        type: 'string',
        demandOption: mode !== 'listnewconfig',
        describe:
          mode === 'savedefconfig'
            ? 'where to write the minimal defconfig'
            : mode === 'listnewconfig'
              ? 'also write the list here'
              : 'where to write the new .config',
      });
      if (takesConfig) b = b.demandOption('config');
      if (mode === 'defconfig')
        b = b.positional('file', { type: 'string', describe: 'the defconfig (default: arch/$SRCARCH/configs/$KBUILD_DEFCONFIG)' });
      if (mode === 'randconfig') {
        b = b
          .option('seed', { type: 'string', describe: 'KCONFIG_SEED (default: $KCONFIG_SEED, else from the clock, as conf)' })
          .option('probability', { type: 'string', describe: 'KCONFIG_PROBABILITY: y% for bool, or y:m or bool:y:m for tristate' });
      }
      if (mode.startsWith('all') || mode === 'randconfig') {
        b = b.option('allconfig', { type: 'string', describe: 'KCONFIG_ALLCONFIG: values to keep (default: $KCONFIG_ALLCONFIG)' });
      }
      return b as unknown as Argv<ModeArgs>;
    },
    handler: async (argv) => {
      const ctx = contextFrom(argv);
      const env = process.env;
      const outReal = argv.output
        ? await checkOutput(argv.output, { inputs: [argv.config, argv.file], trees: [argv.source], flag: '-o' })
        : undefined;
      const input = takesConfig ? await readDotConfigFile(argv.config!) : undefined;
      const tree = await loadKconfigTree(ctx, argv);
      const srctree = tree.srctree;
      let res: ConfResult;
      if (mode === 'tinyconfig') {
        const frags = ['kernel/configs/tiny.config', join('arch', tree.env.SRCARCH ?? 'x86', 'configs/tiny.config')]
          .map((f) => join(srctree, f))
          .filter((f) => existsSync(f));
        res = tinyconfig(tree, readConf(join(srctree, 'kernel/configs/tiny-base.config')), frags.map(readConf));
        for (const m of res.merge ?? []) ctx.logger.info(formatMergeMessage(m).trim().replace(/\n/g, ' | '));
      } else if (mode === 'defconfig') {
        const name = argv.file ?? archDefconfig(tree);
        const p = confFind(name, srctree);
        if (!p) throw new ConfError(confMessages.noDefconfig(name));
        res = runConfMode(tree, mode, { input: readConf(p) });
      } else {
        res = runConfMode(tree, mode, {
          input,
          allconfig:
            mode.startsWith('all') || mode === 'randconfig'
              ? readAllconfig(mode, argv.allconfig ?? env.KCONFIG_ALLCONFIG, srctree)
              : undefined,
          seed: argv.seed ?? env.KCONFIG_SEED,
          probability: argv.probability ?? env.KCONFIG_PROBABILITY,
        });
      }
      for (const w of res.warnings) ctx.logger.warn(w);
      if (outReal) await writeOutput(outReal, res.text, argv.output);
      if (argv.json) {
        ctx.stdout.write(
          JSON.stringify(
            { mode, output: argv.output ?? null, lines: res.text.split('\n').length - 1, seed: res.seed, warnings: res.warnings },
            null,
            2,
          ) + '\n',
        );
        return;
      }
      if (res.stdout) ctx.stdout.write(res.stdout);
      if (mode === 'listnewconfig') ctx.stdout.write(res.text);
      else ctx.logger.info(`${argv.output}: ${res.text.split('\n').filter((l) => l.startsWith('CONFIG_')).length} symbols set`);
    },
  };
}

export const modeCommands: CommandModule<GlobalArgs, ModeArgs>[] = [
  modeCommand('allnoconfig', 'conf --allnoconfig: every visible bool/tristate answered n'),
  modeCommand('allyesconfig', 'conf --allyesconfig: every visible bool/tristate answered y'),
  modeCommand('allmodconfig', 'conf --allmodconfig: every visible tristate answered m (bools y)'),
  modeCommand('alldefconfig', 'conf --alldefconfig: every symbol at its default'),
  modeCommand('randconfig', 'conf --randconfig: random answers, the same as the C tool for the same KCONFIG_SEED'),
  modeCommand('tinyconfig', 'make tinyconfig: allnoconfig with tiny-base.config, then the tiny.config fragments'),
  modeCommand('defconfig', 'conf --defconfig FILE: the defconfig, every other symbol at its default'),
  modeCommand('savedefconfig', 'conf --savedefconfig: the minimal defconfig that gives the --config back'),
  modeCommand('listnewconfig', 'conf --listnewconfig: the visible symbols the --config does not set, with their defaults'),
];
