/**
 * Typed errors. Every failure that reaches the user is a KtrimError with an
 * exit code; cli.ts catches them once and prints a single `E:` line.
 *
 * Exit codes: 0 ok, 1 usage/input error, 2 build/boot failure,
 * 130/143 interrupted by SIGINT/SIGTERM.
 */
export const ExitCode = {
  ok: 0,
  input: 1,
  failure: 2,
  sigint: 130,
  sigterm: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class KtrimError extends Error {
  readonly exitCode: number;
  /**
   * Text the kernel's own tool prints for this failure (several lines, e.g.
   * Kconfig's recursive-dependency blocks), written verbatim before the E: line.
   */
  readonly report?: string;
  constructor(message: string, exitCode: number = ExitCode.input, options?: { cause?: unknown; report?: string }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
    if (options?.report !== undefined) this.report = options.report;
  }
}

/** Bad input from the user: a file, a flag, a config line. Exit 1. */
export class InputError extends KtrimError {
  /** `file` and `line` (1-based) name where the problem is, when known. */
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    options?: { cause?: unknown; report?: string },
  ) {
    super(formatLocation(file, line) + message, ExitCode.input, options);
  }
}

/** A kernel build failed. Exit 2. */
export class BuildError extends KtrimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.failure, options);
  }
}

/** A boot failed: panic, timeout, qemu error. Exit 2. */
export class BootError extends KtrimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.failure, options);
  }
}

/** The run was interrupted by a signal; exit 128 + signal number. */
export class InterruptedError extends KtrimError {
  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(`interrupted by ${signal}`, signal === 'SIGINT' ? ExitCode.sigint : ExitCode.sigterm);
  }
}

export function formatLocation(file?: string, line?: number): string {
  if (!file) return '';
  return line !== undefined ? `${file}:${line}: ` : `${file}: `;
}
