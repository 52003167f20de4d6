/**
 * Child processes (make, qemu, ...). Each child runs in its own process group
 * so that an interrupt can kill the whole tree (make's compilers, qemu's
 * helpers) and leave no orphans. Output is streamed, never buffered whole:
 * raw bytes go verbatim to an optional log, and each line is handed to the
 * caller with the host monotonic time at which it arrived.
 */
import { execa, type ResultPromise } from 'execa';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { InterruptedError } from './errors.js';
import type { Logger } from './ui/log.js';

export interface ChildLine {
  /** Host monotonic time (ms, performance.now()) when the line was complete. */
  hostMs: number;
  stream: 'stdout' | 'stderr';
  /** The line without its trailing newline; CRs and escapes left in place. */
  text: string;
}

export interface StartOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Extend (default) or replace process.env. */
  extendEnv?: boolean;
  onLine?: (line: ChildLine) => void;
  /** Raw output, byte for byte, both streams interleaved as they arrive. */
  rawLog?: Writable;
  /** Kill the process group after this many ms. */
  timeoutMs?: number;
  logger?: Logger;
}

export interface ChildResult {
  argv: readonly string[];
  pid: number | undefined;
  exitCode: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  /** True when we killed it (kill() or timeout), not when it exited itself. */
  killed: boolean;
  startMs: number;
  endMs: number;
}

export interface Child {
  readonly pid: number | undefined;
  readonly startMs: number;
  /** Write to the child's stdin (kept open as a pipe). */
  readonly stdin: Writable | null;
  readonly done: Promise<ChildResult>;
  /** SIGTERM the group, SIGKILL after graceMs; resolves when it has exited. */
  kill(graceMs?: number): Promise<ChildResult>;
}

const live = new Set<Child>();

/** Children still running; for signal handling and tests. */
export function liveChildren(): ReadonlySet<Child> {
  return live;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

export function startChild(argv: readonly string[], opts: StartOptions = {}): Child {
  const [file, ...args] = argv;
  if (!file) throw new Error('startChild: empty argv');
  opts.logger?.command(argv);
  const startMs = performance.now();
  const sub: ResultPromise = execa(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: opts.extendEnv ?? true,
    detached: true, // own process group
    buffer: false,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    reject: false,
    cleanup: false, // we kill the whole group ourselves
    encoding: 'buffer',
  });
  let killed = false;
  let timedOut = false;

  const pending: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  const feed = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    opts.rawLog?.write(chunk);
    if (!opts.onLine) return;
    const now = performance.now();
    const text = pending[stream] + chunk.toString('latin1');
    const parts = text.split('\n');
    pending[stream] = parts.pop() ?? '';
    for (const p of parts) opts.onLine({ hostMs: now, stream, text: p });
  };
  sub.stdout?.on('data', feed('stdout'));
  sub.stderr?.on('data', feed('stderr'));
  // A child that exits before reading stdin must not crash us with EPIPE.
  sub.stdin?.on('error', () => {});

  let timer: NodeJS.Timeout | undefined;
  const child: Child = {
    pid: sub.pid,
    startMs,
    stdin: sub.stdin ?? null,
    done: undefined as unknown as Promise<ChildResult>,
    async kill(graceMs = 5000) {
      if (!live.has(child)) return child.done;
      killed = true;
      killGroup(sub.pid, 'SIGTERM');
      const hard = setTimeout(() => killGroup(sub.pid, 'SIGKILL'), graceMs);
      try {
        return await child.done;
      } finally {
        clearTimeout(hard);
      }
    },
  };
  (child as { done: Promise<ChildResult> }).done = sub.then(
    (r) => {
      if (timer) clearTimeout(timer);
      live.delete(child);
      for (const s of ['stdout', 'stderr'] as const) {
        if (pending[s] && opts.onLine) opts.onLine({ hostMs: performance.now(), stream: s, text: pending[s] });
        pending[s] = '';
      }
      // The leader is gone; make sure nothing it started lingers.
      killGroup(sub.pid, 'SIGKILL');
      return {
        argv,
        pid: sub.pid,
        exitCode: r.exitCode,
        signal: r.signal ?? undefined,
        timedOut,
        killed,
        startMs,
        endMs: performance.now(),
      };
    },
  );
  live.add(child);
  if (opts.timeoutMs !== undefined) {
    timer = setTimeout(() => {
      timedOut = true;
      void child.kill();
    }, opts.timeoutMs);
  }
  return child;
}

/** Kill every live child group: SIGTERM, then SIGKILL after graceMs. */
export async function killAllChildren(graceMs = 5000): Promise<void> {
  await Promise.all([...live].map((c) => c.kill(graceMs)));
}

let interrupted: InterruptedError | undefined;
/** Set once a SIGINT/SIGTERM arrived; long loops check it between steps. */
export function interruption(): InterruptedError | undefined {
  return interrupted;
}

/**
 * On SIGINT/SIGTERM: kill all children's groups, restore the terminal and
 * exit 130/143. `onExit` runs after the children are gone (flush journals).
 */
export function installSignalHandlers(onExit?: (err: InterruptedError) => void): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (interrupted) return; // second Ctrl-C while cleaning up: keep going
      interrupted = new InterruptedError(sig);
      const err = interrupted;
      void killAllChildren().finally(() => {
        restoreTerminal();
        onExit?.(err);
        process.stderr.write(`E: ${err.message}\n`);
        process.exit(err.exitCode);
      });
    });
  }
}

export function restoreTerminal(): void {
  if (process.stdin.isTTY && typeof process.stdin.setRawMode === 'function') {
    try {
      process.stdin.setRawMode(false);
    } catch {
      /* not ours */
    }
  }
  if (process.stderr.isTTY) process.stderr.write('\x1b[?25h'); // show the cursor ora hid
}
