/**
 * `$(shell,...)` for the Kconfig preprocessor, cached on disk (part of the
 * Kconfig host adapter, src/build/kconfig-host.ts). Most of
 * `make olddefconfig`'s ~5 s is compiler probes (cc-option, as-instr, ...);
 * their results depend only on the command and the toolchain, so the cache
 * key is the command plus the toolchain identity (compiler and linker
 * version lines, which the caller passes in).
 *
 * Kconfig's $(shell) is synchronous, so this runs /bin/sh with spawnSync in
 * its own process group (detached) with a timeout; output is post-processed
 * exactly like preprocess.c do_shell() (4095 bytes max, trailing newlines
 * removed, inner newlines → spaces). A command that fails, is killed or
 * times out is not cached: a transient failure must not change every later
 * .config.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shellOutputToValue, type ShellRunner } from '../kconfig/preprocess.js';

export interface ShellCacheOptions {
  /** Environment for the commands (make's exports on top of process.env). */
  env: Record<string, string | undefined>;
  /** Working directory (Kconfig runs in the object tree; probes make .tmp_* dirs there). */
  cwd: string;
  /** Directory for cache files; no disk cache when absent. */
  cacheDir?: string;
  /** Toolchain identity that keys the cache (e.g. `gcc --version` + `ld --version` first lines). */
  toolchainKey: string;
  /** Per-command timeout, ms (default 60 s). */
  timeoutMs?: number;
}

export interface CachedShellRunner extends ShellRunner {
  hits: number;
  misses: number;
  /** Misses whose command failed, was killed or timed out (not cached). */
  uncached: number;
  /** Write new results to disk (atomic rename). */
  flush(): void;
}

export interface ShellOutcome {
  /** Output as do_shell() hands it to Kconfig. */
  value: string;
  /** Exited 0 by itself: not killed, not timed out, not failed to start. */
  ok: boolean;
  /** Why not ok, for messages. */
  failure?: string;
}

/** Run one command the way do_shell() does, without cache; also says whether it ended cleanly. */
export function runShellCommandOutcome(
  cmd: string,
  env: Record<string, string | undefined>,
  cwd: string,
  timeoutMs = 60_000,
): ShellOutcome {
  const r = spawnSync('/bin/sh', ['-c', cmd], {
    cwd,
    env: env as NodeJS.ProcessEnv,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  const value = shellOutputToValue(r.stdout ?? '');
  const failure = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : r.status !== 0 ? `exit ${r.status}` : undefined;
  return { value, ok: failure === undefined, failure };
}

/** Run one command the way do_shell() does, without cache. */
export function runShellCommand(cmd: string, env: Record<string, string | undefined>, cwd: string, timeoutMs = 60_000): string {
  return runShellCommandOutcome(cmd, env, cwd, timeoutMs).value;
}

export function createShellRunner(opts: ShellCacheOptions): CachedShellRunner {
  const keyHash = createHash('sha256').update(`v2\n${opts.toolchainKey}`).digest('hex').slice(0, 16);
  const file = opts.cacheDir ? join(opts.cacheDir, `shell-${keyHash}.json`) : undefined;
  let entries: Record<string, string> = {};
  if (file) {
    try {
      entries = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    } catch {
      entries = {};
    }
  }
  let dirty = false;
  mkdirSync(opts.cwd, { recursive: true });
  const runner: CachedShellRunner = {
    hits: 0,
    misses: 0,
    uncached: 0,
    run(cmd: string): string {
      if (Object.prototype.hasOwnProperty.call(entries, cmd)) {
        runner.hits++;
        return entries[cmd];
      }
      runner.misses++;
      const out = runShellCommandOutcome(cmd, opts.env, opts.cwd, opts.timeoutMs);
      // A failed, killed or timed-out probe says nothing about the toolchain: use it this once, never cache it.
      if (!out.ok) {
        runner.uncached++;
        return out.value;
      }
      entries[cmd] = out.value;
      dirty = true;
      return out.value;
    },
    flush(): void {
      if (!file || !dirty) return;
      mkdirSync(opts.cacheDir!, { recursive: true });
      // Merge with what another process may have written meanwhile.
      let onDisk: Record<string, string>;
      try {
        onDisk = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
      } catch {
        onDisk = {};
      }
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ ...onDisk, ...entries }));
      renameSync(tmp, file);
      dirty = false;
    },
  };
  return runner;
}
