/**
 * Child processes (make, qemu, ...). Each child runs in its own process group
 * so that an interrupt can kill the whole tree (make's compilers, qemu's
 * helpers) and leave no orphans. Output is streamed, never buffered whole:
 * raw bytes go verbatim to an optional log, and each line is handed to the
 * caller with the host monotonic time at which it arrived.
 *
 * Even kill -9 of ktrim leaves no child running: each child is started
 * through util-linux `setpriv --pdeathsig KILL`, so the kernel kills it when
 * ktrim dies, and each is recorded in the registry (src/children.ts) until
 * reaped, so that the next run kills what is left of its process group
 * (make's compilers).
 */
import { execa, type ResultPromise } from 'execa';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { cacheRoot } from './cache.js';
import { ChildRegistry } from './children.js';
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

/**
 * Signal the child's group; `orLeader` falls back to the pid alone, which is
 * only safe while the child is not yet reaped (its pid cannot be reused).
 */
function killGroup(pid: number | undefined, signal: NodeJS.Signals, orLeader = true): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    if (!orLeader) return;
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** An executable file named `name` (searched on `path` when it has no slash), or undefined. */
export function findExecutable(name: string, path: string | undefined = process.env.PATH): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : (path ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, name));
  return candidates.find((c) => {
    try {
      accessSync(c, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const warned = new Set<string>();
function warnOnce(key: string, msg: string, logger?: Logger): void {
  if (warned.has(key)) return;
  warned.add(key);
  if (logger) logger.warn(msg);
  else process.stderr.write(`W: ${msg}\n`);
}

let setpriv: string | null | undefined;
/**
 * The prefix that makes the kernel SIGKILL the child when ktrim dies
 * (PR_SET_PDEATHSIG; it fires when the forking thread exits, and libuv forks
 * from the main thread). setpriv execs the command in place: same pid.
 */
function deathSignalPrefix(logger?: Logger): string[] {
  if (setpriv === undefined) setpriv = findExecutable('setpriv') ?? findExecutable('/usr/bin/setpriv') ?? null;
  if (setpriv) return [setpriv, '--pdeathsig', 'KILL', '--'];
  warnOnce(
    'setpriv',
    "setpriv not found (Debian's util-linux): children started now may outlive ktrim if it is killed with SIGKILL",
    logger,
  );
  return [];
}

let registry: ChildRegistry | null | undefined;
/** The registry of live children (null: none, e.g. in tests). */
export function childRegistry(): ChildRegistry | null {
  if (registry === undefined) {
    registry = new ChildRegistry(join(cacheRoot(), 'children'));
    reapLeftovers(registry);
  }
  return registry;
}
/** Replace the registry (tests); undefined goes back to the one under the cache. */
export function setChildRegistry(r: ChildRegistry | null | undefined): void {
  registry = r;
}

/** Kill what an earlier, killed ktrim run left running (cheap: one readdir when nothing is left). */
function reapLeftovers(r: ChildRegistry, logger?: Logger): void {
  try {
    for (const { entry, killed } of r.reapStale()) {
      if (killed.length === 0) continue;
      const msg = `killed ${killed.length} process(es) left by ktrim pid ${entry.owner.pid}, which died without cleaning up: ${entry.argv.join(' ').slice(0, 200)}`;
      if (logger) logger.warn(msg);
      else process.stderr.write(`W: ${msg}\n`);
    }
  } catch {
    /* a registry we cannot read holds nothing we could trust */
  }
}

function register(pid: number | undefined, argv: readonly string[], logger?: Logger): string | undefined {
  const r = childRegistry();
  if (!r || !pid) return undefined;
  try {
    return r.register(pid, argv);
  } catch (err) {
    warnOnce(
      'registry',
      `cannot record children under ${r.dir} (${(err as Error).message}): a later run could not reap them after a kill -9`,
      logger,
    );
    return undefined;
  }
}

export function startChild(argv: readonly string[], opts: StartOptions = {}): Child {
  const [file, ...args] = argv;
  if (!file) throw new Error('startChild: empty argv');
  opts.logger?.command(argv);
  childRegistry(); // first child of this run: reap what a killed run left behind
  // Wrap only a command that exists, so a missing one still fails as ENOENT, not as setpriv's exit 127.
  const env = opts.extendEnv === false ? opts.env : { ...process.env, ...opts.env };
  const prefix = findExecutable(file, env?.PATH) ? deathSignalPrefix(opts.logger) : [];
  const [execFile, ...execArgs] = [...prefix, file, ...args];
  const startMs = performance.now();
  const sub: ResultPromise = execa(execFile, execArgs, {
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
  const entry = register(sub.pid, argv, opts.logger);
  (child as { done: Promise<ChildResult> }).done = sub.then((r) => {
    if (timer) clearTimeout(timer);
    live.delete(child);
    for (const s of ['stdout', 'stderr'] as const) {
      if (pending[s] && opts.onLine) opts.onLine({ hostMs: performance.now(), stream: s, text: pending[s] });
      pending[s] = '';
    }
    // The leader is gone; make sure nothing it started lingers. Group only:
    // the leader's pid is free for reuse now, its group id is not while members live.
    killGroup(sub.pid, 'SIGKILL', false);
    if (entry) childRegistry()?.unregister(entry);
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
  });
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
