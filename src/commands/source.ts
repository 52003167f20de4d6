/**
 * `ktrim source debian [--series 6.1]`: unpack Debian's linux-source-X into
 * the cache (once) and print its path. `ktrim source id DIR`: the identity
 * that keys a tree's builds in the cache.
 */
import type { CommandModule } from 'yargs';
import { contextFrom, type GlobalArgs } from './context.js';
import { InputError } from '../errors.js';
import { ensureDebianSource } from '../build/source.js';
import { sourceIdentity } from '../build/source-id.js';

interface SourceArgs extends GlobalArgs {
  what: string;
  dir?: string;
  series: string;
  json?: boolean;
}

export const sourceCommand: CommandModule<GlobalArgs, SourceArgs> = {
  command: 'source <what> [dir]',
  describe: "Kernel sources: `source debian` unpacks Debian's linux-source into the cache; `source id DIR` prints a tree's cache identity",
  builder: (y) =>
    y
      .positional('what', { type: 'string', choices: ['debian', 'id'], demandOption: true })
      .positional('dir', { type: 'string', describe: 'kernel tree (for `id`)' })
      .option('series', { type: 'string', default: '6.1', describe: 'Debian linux-source series (6.1, 6.12)' })
      .option('json', { type: 'boolean', describe: 'print JSON' }),
  handler: async (argv) => {
    const ctx = contextFrom(argv);
    if (argv.what === 'debian') {
      const path = await ensureDebianSource(argv.series, { logger: ctx.logger });
      ctx.stdout.write(argv.json ? JSON.stringify({ series: argv.series, path }) + '\n' : path + '\n');
      return;
    }
    if (!argv.dir) throw new InputError('source id: name a kernel tree (ktrim source id DIR)');
    const id = await sourceIdentity(argv.dir);
    ctx.stdout.write(argv.json ? JSON.stringify(id) + '\n' : `${id.id}\t${id.kind}\t${id.path}\n`);
  },
};
