/**
 * A registry of the children ktrim started, one small JSON file per live
 * child under `<cache>/children/`, so that a later ktrim run can reap what a
 * killed one (kill -9, OOM killer) left behind. The parent-death signal
 * (src/process.ts) takes the direct child down with ktrim, but not make's
 * sub-makes and compilers: those stay in the child's process group, which
 * this registry names.
 *
 * A pid is only trusted together with its start time (field 22 of
 * /proc/PID/stat, clock ticks since boot): a pid that was reused by another
 * process never matches, so nothing unrelated is ever signalled.
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the registry needs from the process table; tests pass a fake. */
export interface ProcTable {
  /** Start time of a live (non-zombie) process, or undefined when there is none. */
  startTime(pid: number): string | undefined;
  /** Live processes whose process group is `pgid`, with their start times. */
  groupMembers(pgid: number): { pid: number; startTime: string }[];
  /** Send a signal; a negative pid names a process group. Never throws. */
  kill(pid: number, signal: NodeJS.Signals): void;
}

export interface ChildEntry {
  pid: number;
  pgid: number;
  startTime: string;
  argv: readonly string[];
  owner: { pid: number; startTime: string };
}

export interface ReapedChild {
  entry: ChildEntry;
  /** Pids signalled (group members); empty when everything had exited already. */
  killed: number[];
}

/** Fields of /proc/PID/stat after the command (which may hold spaces and parentheses). */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The real process table, read from /proc. */
export const procTable: ProcTable = {
  startTime(pid) {
    try {
      const f = statFields(readFileSync(`/proc/${pid}/stat`, 'latin1'));
      // f[0] is field 3 (state); field 22 (starttime) is f[19].
      return f[0] === 'Z' || f[0] === 'X' ? undefined : f[19];
    } catch {
      return undefined;
    }
  },
  groupMembers(pgid) {
    const out: { pid: number; startTime: string }[] = [];
    let names: string[];
    try {
      names = readdirSync('/proc');
    } catch {
      return out;
    }
    for (const name of names) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const f = statFields(readFileSync(`/proc/${name}/stat`, 'latin1'));
        // field 5 (pgrp) is f[2]
        if (Number(f[2]) === pgid && f[0] !== 'Z' && f[0] !== 'X') out.push({ pid: Number(name), startTime: f[19] });
      } catch {
        /* gone meanwhile */
      }
    }
    return out;
  },
  kill(pid, signal) {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  },
};

export class ChildRegistry {
  private ownerStart: string | undefined;

  constructor(
    readonly dir: string,
    private readonly proc: ProcTable = procTable,
    private readonly ownerPid: number = process.pid,
  ) {}

  private owner(): ChildEntry['owner'] {
    this.ownerStart ??= this.proc.startTime(this.ownerPid) ?? '?';
    return { pid: this.ownerPid, startTime: this.ownerStart };
  }

  /**
   * Record a child that was just started (its own process group leader);
   * returns the entry's file, or undefined when the child is already gone.
   * Throws when the directory cannot be written.
   */
  register(pid: number, argv: readonly string[], pgid: number = pid): string | undefined {
    const startTime = this.proc.startTime(pid);
    if (startTime === undefined) return undefined;
    const entry: ChildEntry = { pid, pgid, startTime, argv, owner: this.owner() };
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, `${pid}-${startTime}.json`);
    writeFileSync(file, JSON.stringify(entry) + '\n');
    return file;
  }

  /** The child was reaped: forget it. */
  unregister(file: string): void {
    try {
      unlinkSync(file);
    } catch {
      /* reaped by a concurrent run, or never written */
    }
  }

  /** Entries whose owning ktrim is gone (a pid that is dead or now another process). */
  stale(): { file: string; entry: ChildEntry }[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return []; // no registry yet: nothing ever ran
    }
    const out: { file: string; entry: ChildEntry }[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const file = join(this.dir, name);
      let entry: ChildEntry;
      try {
        entry = JSON.parse(readFileSync(file, 'utf8')) as ChildEntry;
        if (!Number.isInteger(entry.pid) || !Number.isInteger(entry.pgid) || !entry.owner) throw new Error('bad entry');
      } catch {
        // Half-written by a run killed mid-write, or garbage: nothing to trust in it.
        this.unregister(file);
        continue;
      }
      if (this.proc.startTime(entry.owner.pid) === entry.owner.startTime) continue; // owner still running
      out.push({ file, entry });
    }
    return out;
  }

  /**
   * Kill what dead ktrim runs left behind and forget them. The group is
   * killed when its leader is still the recorded process (same start time),
   * or when the leader is gone (the parent-death signal took it) and the
   * group lives on: while a group has members its id cannot be handed out as
   * a new pid, so its members are the leader's descendants. Members that
   * started before the leader cannot be of its group and are never touched.
   */
  reapStale(): ReapedChild[] {
    const reaped: ReapedChild[] = [];
    for (const { file, entry } of this.stale()) {
      const leader = this.proc.startTime(entry.pid);
      const killed: number[] = [];
      if (leader === entry.startTime || leader === undefined) {
        const members = this.proc.groupMembers(entry.pgid);
        const ours = members.filter((m) => Number(m.startTime) >= Number(entry.startTime));
        if (ours.length > 0 && ours.length === members.length) {
          this.proc.kill(-entry.pgid, 'SIGKILL');
          killed.push(...ours.map((m) => m.pid));
        }
      }
      // A reused leader pid (another start time) is someone else's: leave it.
      this.unregister(file);
      reaped.push({ entry, killed });
    }
    return reaped;
  }
}
