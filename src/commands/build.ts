/**
 * `ktrim build --source DIR --config FILE [--base tinyconfig|defconfig|allnoconfig|FILE]`:
 * an out-of-tree kernel build under the cache (src/build/build.ts), printing
 * the exact make command lines; a cache hit runs no make.
 */
import type { CommandModule } from 'yargs';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { contextFrom, type GlobalArgs } from './context.js';
import { InputError } from '../errors.js';
import { checkOutput, checkOutputDir, copyOutput, makeOutputDir, type OutputRules } from '../output.js';
import { buildKernel } from '../build/build.js';
import { realMakeRunner } from '../build/make.js';
import type { BuildResult } from '../build/types.js';

interface BuildArgs extends GlobalArgs {
  source: string;
  config: string;
  base?: string;
  out?: string;
  arch?: string;
  jobs?: number;
  cc?: string;
  makeVar?: string[];
  target?: string;
  strict?: boolean;
  ccache?: boolean;
  json?: boolean;
}

/** Check --out before building: a directory outside the kernel tree whose files are no input. */
async function checkOut(out: string, names: string[], rules: OutputRules): Promise<string> {
  const dir = await checkOutputDir(out, rules);
  if (existsSync(dir)) for (const name of names) await checkOutput(join(dir, name), rules);
  return dir;
}

/** Copy the outputs to `out` (a new or existing directory), each through the output guard. */
async function copyOutputs(r: BuildResult, out: string, rules: OutputRules): Promise<BuildResult> {
  await makeOutputDir(out);
  const copies: [string, string][] = [
    [r.bzImage, basename(r.bzImage)],
    [r.systemMap, 'System.map'],
    [r.config, '.config'],
    [r.buildLog, 'build.log'],
  ];
  for (const [from, name] of copies) await copyOutput(from, await checkOutput(join(out, name), rules));
  return {
    ...r,
    bzImage: join(out, basename(r.bzImage)),
    systemMap: join(out, 'System.map'),
    config: join(out, '.config'),
    buildLog: join(out, 'build.log'),
  };
}

export const buildCommand: CommandModule<GlobalArgs, BuildArgs> = {
  command: 'build',
  describe: 'Build a kernel out of tree (O=) under the cache; a cached config builds nothing',
  builder: (y) =>
    y
      .option('source', {
        type: 'string',
        demandOption: true,
        describe: 'kernel source: a git tree or an unpacked tarball (never written to)',
      })
      .option('config', { type: 'string', demandOption: true, describe: 'a full .config, or with --base a merge_config.sh-style fragment' })
      .option('base', { type: 'string', describe: 'base for a fragment: tinyconfig, defconfig, allnoconfig or a .config file' })
      .option('out', { type: 'string', describe: 'also copy bzImage, System.map, .config and build.log here' })
      .option('arch', { type: 'string', describe: 'kernel ARCH= (default: $ARCH, else what plain make uses on this host: x86 on x86_64)' })
      .option('jobs', { alias: 'j', type: 'number', describe: 'make -j (default: CPUs, or the distcc host slots)' })
      .option('cc', { type: 'string', describe: 'CC= for make, e.g. "distcc gcc" (default: "ccache gcc" when ccache is installed)' })
      .option('ccache', { type: 'boolean', default: true, describe: 'wrap gcc in ccache when installed (--no-ccache: never)' })
      .option('make-var', {
        type: 'string',
        array: true,
        describe: 'extra make variable K=V (repeatable): LLVM=1, CROSS_COMPILE=..., KCFLAGS=...',
      })
      .option('target', { type: 'string', describe: 'make target (default bzImage on x86)' })
      .option('strict', { type: 'boolean', describe: 'fail if olddefconfig changes a requested symbol' })
      .option('json', { type: 'boolean', describe: 'print the build result as JSON' }),
  handler: async (argv) => {
    const ctx = contextFrom(argv);
    if (argv.jobs !== undefined && (!Number.isInteger(argv.jobs) || argv.jobs < 1))
      throw new InputError(`--jobs ${argv.jobs}: expected a positive integer`);
    const outRules: OutputRules = { inputs: [argv.config, argv.base], trees: [argv.source], flag: '--out' };
    const outDir = argv.out
      ? await checkOut(argv.out, [argv.target ?? 'bzImage', 'System.map', '.config', 'build.log'], outRules)
      : undefined;
    let result = await buildKernel(
      {
        source: argv.source,
        config: argv.config,
        base: argv.base,
        arch: argv.arch,
        jobs: argv.jobs,
        cc: argv.cc,
        ccache: argv.ccache,
        makeVars: argv.makeVar,
        target: argv.target,
        strict: argv.strict,
      },
      { make: realMakeRunner, logger: ctx.logger },
    );
    if (outDir) result = await copyOutputs(result, outDir, outRules);
    if (argv.json) {
      ctx.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return;
    }
    const mib = (result.imageBytes / 1048576).toFixed(2);
    const lines = [
      `${basename(result.bzImage).padEnd(11)} ${result.bzImage} (${result.imageBytes} bytes, ${mib} MiB)`,
      `${'System.map'.padEnd(11)} ${result.systemMap}`,
      `${'.config'.padEnd(11)} ${result.config}`,
      `${'build log'.padEnd(11)} ${result.buildLog}`,
      `${'build dir'.padEnd(11)} ${result.buildDir}`,
      result.cacheHit
        ? `${'build time'.padEnd(11)} ${result.buildSeconds.toFixed(1)} s when built; cache hit now (${result.seconds.toFixed(2)} s, no make)`
        : `${'build time'.padEnd(11)} ${result.buildSeconds.toFixed(1)} s (make ${result.target}), ${result.seconds.toFixed(1)} s in all` +
          (result.reusedFrom ? `; reused ${result.reusedFrom} (${result.reusedDistance} symbols differ)` : ''),
    ];
    if (result.drift.length) lines.push(`drift       ${result.drift.length} requested symbol(s) changed by olddefconfig (see warnings)`);
    ctx.stdout.write(lines.join('\n') + '\n');
  },
};
