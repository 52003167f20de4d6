/** What every verb gets from the CLI: a logger and where to print results. */
import { createLogger, type Logger } from '../ui/log.js';

export interface GlobalArgs {
  debug?: boolean;
  quiet?: boolean;
}

export interface CommandContext {
  logger: Logger;
  /** Results (reports, tables, JSON) go to stdout; progress goes to stderr. */
  stdout: NodeJS.WritableStream;
}

export function contextFrom(argv: GlobalArgs): CommandContext {
  return { logger: createLogger({ debug: argv.debug, quiet: argv.quiet }), stdout: process.stdout };
}
