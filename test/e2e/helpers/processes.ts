/**
 * The process table from /proc (no procps needed), for end-to-end tests that
 * check a killed or interrupted ktrim left no make or qemu behind. A process
 * is named by pid and start time together, so a reused pid never matches.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  /** Field 22 of /proc/PID/stat: clock ticks since boot. */
  startTime: string;
  argv: string[];
  /** Working directory ('' when not ours to read). */
  cwd: string;
}

/** Live (non-zombie) processes. */
export function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      // Fields after the command, which may hold spaces and parentheses: state ppid pgrp ...
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (f[0] === 'Z' || f[0] === 'X') continue;
      const argv = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').slice(0, -1);
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${name}/cwd`);
      } catch {
        /* not ours to read */
      }
      out.push({ pid: Number(name), ppid: Number(f[1]), pgid: Number(f[2]), startTime: f[19]!, argv, cwd });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Every process below `root` (children, theirs, ...). */
export function descendants(root: number, table: Proc[] = processes()): Proc[] {
  const out: Proc[] = [];
  let parents = new Set([root]);
  while (parents.size) {
    const next = table.filter((p) => parents.has(p.ppid));
    out.push(...next);
    parents = new Set(next.map((p) => p.pid));
  }
  return out;
}

/**
 * What is still alive of `seen` (same pid and start time), or of their
 * process groups (make's compilers, started later in make's group), leaving
 * out the group `except` (the test runner's own).
 */
export function leftOf(seen: readonly Proc[], except: number): Proc[] {
  const ids = new Set(seen.map((p) => `${p.pid} ${p.startTime}`));
  const groups = new Set(seen.map((p) => p.pgid).filter((g) => g !== except));
  return processes().filter((p) => ids.has(`${p.pid} ${p.startTime}`) || groups.has(p.pgid));
}

/** Poll `probe` every 50 ms until it returns something other than undefined; throws at the deadline. */
export async function until<T>(probe: () => T | undefined, deadlineMs: number, what: () => string): Promise<T> {
  const end = performance.now() + deadlineMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error(`${what()}: not within ${deadlineMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
