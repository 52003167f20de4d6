/**
 * Console output. On a TTY progress is shown with ora; elsewhere (CI, pipes)
 * plain `I:` / `W:` / `E:` lines, so logs stay greppable. NO_COLOR is honoured
 * by picocolors itself.
 */
import pc from 'picocolors';
import ora, { type Ora } from 'ora';

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** Print the exact command line of a child process (make, qemu, ...). */
  command(argv: readonly string[], env?: Record<string, string>): void;
  /** A long step; returns a function to call when it ends. */
  step(msg: string): { succeed(msg?: string): void; fail(msg?: string): void; update(msg: string): void };
  debug(msg: string): void;
}

export interface LoggerOptions {
  stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  tty?: boolean;
  debug?: boolean;
  quiet?: boolean;
}

/** Quote an argv element the way a shell user would type it. */
export function shellQuote(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatCommand(argv: readonly string[], env?: Record<string, string>): string {
  const envPart = env ? Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`) : [];
  return [...envPart, ...argv.map(shellQuote)].join(' ');
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const stream = (opts.stream ?? process.stderr) as NodeJS.WriteStream;
  const tty = opts.tty ?? (Boolean(stream.isTTY) && !process.env.CI);
  const write = (s: string) => void stream.write(s + '\n');
  let spinner: Ora | undefined;
  const out = (s: string) => {
    if (spinner?.isSpinning) spinner.clear();
    write(s);
    if (spinner?.isSpinning) spinner.render();
  };
  return {
    info: (m) => !opts.quiet && out(`${pc.cyan('I:')} ${m}`),
    warn: (m) => out(`${pc.yellow('W:')} ${m}`),
    error: (m) => out(`${pc.red('E:')} ${m}`),
    debug: (m) => opts.debug && out(`${pc.dim('D:')} ${m}`),
    command: (argv, env) => !opts.quiet && out(`${pc.cyan('I:')} $ ${formatCommand(argv, env)}`),
    step(msg) {
      if (tty && !opts.quiet) {
        spinner = ora({ text: msg, stream, discardStdin: false }).start();
        const s = spinner;
        return {
          succeed: (m) => s.succeed(m ?? msg),
          fail: (m) => s.fail(m ?? msg),
          update: (m) => void (s.text = m),
        };
      }
      if (!opts.quiet) write(`${pc.cyan('I:')} ${msg}`);
      return {
        succeed: (m) => !opts.quiet && m !== undefined && write(`${pc.cyan('I:')} ${m}`),
        fail: (m) => write(`${pc.red('E:')} ${m ?? msg}`),
        update: () => {},
      };
    },
  };
}

/** A logger that records lines; for tests. */
export function createMemoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => void lines.push(`I: ${m}`),
    warn: (m) => void lines.push(`W: ${m}`),
    error: (m) => void lines.push(`E: ${m}`),
    debug: (m) => void lines.push(`D: ${m}`),
    command: (argv, env) => void lines.push(`I: $ ${formatCommand(argv, env)}`),
    step: (m) => {
      lines.push(`I: ${m}`);
      return { succeed: (s) => void (s && lines.push(`I: ${s}`)), fail: (s) => void lines.push(`E: ${s ?? m}`), update: () => {} };
    },
  };
}
