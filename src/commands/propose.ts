/** `ktrim propose`: initcalls → source files → CONFIG symbols, ranked removals (src/propose does the work). */
import type { CommandModule } from 'yargs';
import { InputError } from '../errors.js';
import { formatProposeJson, formatProposeMarkdown, formatProposeText } from '../propose/format.js';
import { runPropose } from '../propose/run.js';
import { contextFrom, type GlobalArgs } from './context.js';

const FORMATS = ['text', 'json', 'md'] as const;

interface ProposeArgs extends GlobalArgs {
  logs: string[];
  source: string;
  config: string;
  'system-map'?: string;
  catalog?: string;
  'min-ms': number;
  format?: string;
  json?: boolean;
  arch?: string;
}

export const proposeCommand: CommandModule<GlobalArgs, ProposeArgs> = {
  command: 'propose <logs..>',
  describe: 'Map initcalls to source files and CONFIG symbols; rank the removals by the milliseconds they save',
  builder: (y) =>
    y
      .positional('logs', { type: 'string', array: true, describe: 'initcall_debug boot logs of the kernel built from --config' })
      .option('source', { alias: 's', type: 'string', demandOption: true, describe: 'kernel source tree the kernel was built from' })
      .option('config', { type: 'string', demandOption: true, describe: 'the .config the logged kernel was built from' })
      .option('system-map', { type: 'string', describe: 'System.map of the logged kernel (exact attribution, bare addresses named)' })
      .option('catalog', { type: 'string', describe: 'catalog directory of known removals (default: configs/catalog)' })
      .option('min-ms', { type: 'number', default: 1, describe: 'consider initcalls whose median is at least N ms' })
      .option('format', { alias: 'f', type: 'string', describe: 'text (default), json or md' })
      .option('json', { type: 'boolean', describe: 'same as --format json' })
      .option('arch', { type: 'string', describe: 'kernel ARCH= (default: $ARCH, else what plain make uses on this host: x86 on x86_64)' })
      .example('ktrim propose --source linux-6.1 --config /boot/config-6.1.0-28-amd64 boot-*.log', 'ranked candidate removals') as never,
  handler: async (argv) => {
    const { logger, stdout } = contextFrom(argv);
    const format = argv.json ? 'json' : (argv.format ?? 'text');
    if (argv.json && argv.format && argv.format !== 'json') throw new InputError(`--json conflicts with --format ${argv.format}`);
    if (!(FORMATS as readonly string[]).includes(format))
      throw new InputError(`unknown --format "${format}": use one of ${FORMATS.join(', ')}`);
    if (!Number.isFinite(argv['min-ms']) || argv['min-ms'] < 0)
      throw new InputError(`--min-ms takes a number ≥ 0, not "${argv['min-ms']}"`);
    const res = await runPropose({
      source: argv.source,
      config: argv.config,
      logs: argv.logs,
      systemMap: argv['system-map'],
      catalogDir: argv.catalog,
      arch: argv.arch,
      minMs: argv['min-ms'],
      logger,
    });
    for (const w of res.warnings) logger.warn(w);
    stdout.write(format === 'json' ? formatProposeJson(res) : format === 'md' ? formatProposeMarkdown(res) : formatProposeText(res));
  },
};
