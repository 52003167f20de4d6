/**
 * `ktrim diff A B`: the kernel's scripts/diffconfig, without a source tree.
 * With no files, compares .config.old and .config (in $KBUILD_OUTPUT if set),
 * as diffconfig does.
 */
import type { CommandModule } from 'yargs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { contextFrom, type GlobalArgs } from './context.js';
import { InputError } from '../errors.js';
import { parseDotConfig, type DotConfig } from '../kconfig/dotconfig.js';
import { diffConfigs, formatDiffconfig, formatDiffconfigMerge, summarizeDiff } from '../kconfig/diffconfig.js';

interface DiffArgs extends GlobalArgs {
  a?: string;
  b?: string;
  merge?: boolean;
  json?: boolean;
}

/** Read and parse a .config; a missing file or a bad line is a one-line InputError. */
export async function readDotConfigFile(path: string): Promise<DotConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a .config' : `cannot read (${code})`,
      path,
    );
  }
  return parseDotConfig(text, path);
}

export const diffCommand: CommandModule<GlobalArgs, DiffArgs> = {
  command: 'diff [a] [b]',
  describe: 'Compare two .config files in scripts/diffconfig format (-SYM, +SYM, SYM old -> new)',
  builder: (y) =>
    y
      .positional('a', { type: 'string', describe: 'old .config (default: .config.old)' })
      .positional('b', { type: 'string', describe: 'new .config (default: .config)' })
      .option('merge', { alias: 'm', type: 'boolean', describe: 'print changed and new values as a config fragment (diffconfig -m)' })
      .option('json', { type: 'boolean', describe: 'print the differences as JSON' }),
  handler: async (argv) => {
    const ctx = contextFrom(argv);
    let { a, b } = argv;
    if ((a === undefined) !== (b === undefined)) throw new InputError('give two .config files, or none for .config.old and .config');
    if (a === undefined || b === undefined) {
      const dir = process.env.KBUILD_OUTPUT ?? '';
      a = dir ? join(dir, '.config.old') : '.config.old';
      b = dir ? join(dir, '.config') : '.config';
    }
    const [ca, cb] = await Promise.all([readDotConfigFile(a), readDotConfigFile(b)]);
    const entries = diffConfigs(ca, cb);
    if (argv.json) {
      ctx.stdout.write(JSON.stringify({ a, b, summary: summarizeDiff(entries), entries }, null, 2) + '\n');
      return;
    }
    ctx.stdout.write(argv.merge ? formatDiffconfigMerge(entries) : formatDiffconfig(entries));
  },
};

export default diffCommand;
