/**
 * The command line: parse arguments, dispatch to src/commands/<verb>.ts, and
 * turn every error into one `E:` line and an exit code (see errors.ts).
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands/index.js';
import { ExitCode, KtrimError } from './errors.js';
import { installSignalHandlers, restoreTerminal } from './process.js';

function knownVerbs(): Set<string> {
  const names = new Set<string>();
  for (const c of commands) {
    for (const spec of [c.command, c.aliases].flat()) {
      if (typeof spec === 'string') names.add(spec.split(' ')[0]!);
    }
  }
  return names;
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  installSignalHandlers();
  let cli = yargs(argv)
    .scriptName('ktrim')
    .usage('$0 <command> [options]\n\nMake Linux kernels boot faster by minimizing their configuration.')
    .option('debug', { type: 'boolean', describe: 'Show stack traces and debug output', global: true })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Only print results and errors', global: true })
    .demandCommand(1, 'Name a command: see ktrim --help')
    .recommendCommands()
    .strict()
    .strictCommands()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      // yargs' own argument errors (YError: a missing option value, a failed
      // coerce) are the user's input, not ktrim's bug.
      if (err && !(err.name === 'YError')) throw err;
      throw new KtrimError(msg ?? err?.message ?? 'bad arguments', ExitCode.input);
    })
    .help()
    .version();
  for (const c of commands) cli = cli.command(c);
  try {
    const verb = argv.find((a) => !a.startsWith('-'));
    if (verb !== undefined && !knownVerbs().has(verb)) {
      throw new KtrimError(`unknown command: ${verb} (see ktrim --help)`, ExitCode.input);
    }
    await cli.parseAsync();
    return process.exitCode !== undefined ? Number(process.exitCode) : ExitCode.ok;
  } catch (err) {
    restoreTerminal();
    if (err instanceof KtrimError) {
      if (err.report) process.stderr.write(err.report);
      process.stderr.write(`E: ${err.message}\n`);
      if (debug && err.stack) process.stderr.write(err.stack + '\n');
      return err.exitCode;
    }
    const e = err as Error;
    process.stderr.write(`E: internal error: ${e?.message ?? String(err)}\n`);
    if (debug && e?.stack) process.stderr.write(e.stack + '\n');
    else process.stderr.write('E: (run with --debug for a stack trace)\n');
    return ExitCode.failure;
  }
}

/** Entry point used by bin/ktrim. */
export async function run(): Promise<void> {
  process.exitCode = await main(hideBin(process.argv));
}
