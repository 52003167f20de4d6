import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildRegistry, procTable, type ProcTable } from '../../../src/children.js';

/** A process table in memory: pid → start time and process group; kill() records and removes. */
class FakeProcs implements ProcTable {
  procs = new Map<number, { startTime: string; pgid: number }>();
  signals: [number, string][] = [];
  add(pid: number, startTime: string, pgid = pid): this {
    this.procs.set(pid, { startTime, pgid });
    return this;
  }
  startTime(pid: number) {
    return this.procs.get(pid)?.startTime;
  }
  groupMembers(pgid: number) {
    return [...this.procs].filter(([, p]) => p.pgid === pgid).map(([pid, p]) => ({ pid, startTime: p.startTime }));
  }
  kill(pid: number, signal: NodeJS.Signals) {
    this.signals.push([pid, signal]);
    for (const [p, info] of this.procs) if ((pid < 0 && info.pgid === -pid) || p === pid) this.procs.delete(p);
  }
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ktrim-children-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const OWNER = 1000;

describe('ChildRegistry', () => {
  it('records a child with its start time and owner, and forgets it when reaped', () => {
    const procs = new FakeProcs().add(OWNER, '500').add(2000, '900');
    const reg = new ChildRegistry(dir, procs, OWNER);
    const file = reg.register(2000, ['make', '-C', '/src'])!;
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      pid: 2000,
      pgid: 2000,
      startTime: '900',
      argv: ['make', '-C', '/src'],
      owner: { pid: OWNER, startTime: '500' },
    });
    reg.unregister(file);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('records nothing for a child that already exited', () => {
    const reg = new ChildRegistry(dir, new FakeProcs().add(OWNER, '500'), OWNER);
    expect(reg.register(2000, ['true'])).toBeUndefined();
  });

  it('leaves the children of a live owner alone', () => {
    const procs = new FakeProcs().add(OWNER, '500').add(2000, '900');
    new ChildRegistry(dir, procs, OWNER).register(2000, ['qemu-system-x86_64']);
    const other = new ChildRegistry(dir, procs, 1001);
    expect(other.reapStale()).toEqual([]);
    expect(procs.signals).toEqual([]);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('kills the whole group of a dead owner whose leader still runs', () => {
    const procs = new FakeProcs().add(OWNER, '500').add(2000, '900').add(2001, '950', 2000).add(2002, '960', 2000);
    new ChildRegistry(dir, procs, OWNER).register(2000, ['make']);
    procs.procs.delete(OWNER); // kill -9
    const reaped = new ChildRegistry(dir, procs, 3000).reapStale();
    expect(reaped.map((r) => r.killed.sort())).toEqual([[2000, 2001, 2002]]);
    expect(procs.signals).toEqual([[-2000, 'SIGKILL']]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('kills the compilers left in the group when the leader died with its owner', () => {
    const procs = new FakeProcs().add(OWNER, '500').add(2000, '900').add(2001, '950', 2000);
    new ChildRegistry(dir, procs, OWNER).register(2000, ['make']);
    procs.procs.delete(OWNER);
    procs.procs.delete(2000); // the parent-death signal took make
    const reaped = new ChildRegistry(dir, procs, 3000).reapStale();
    expect(reaped[0].killed).toEqual([2001]);
    expect(procs.signals).toEqual([[-2000, 'SIGKILL']]);
  });

  it('never signals a reused pid: same pid, another start time', () => {
    const procs = new FakeProcs().add(OWNER, '500').add(2000, '900');
    new ChildRegistry(dir, procs, OWNER).register(2000, ['qemu-system-x86_64']);
    procs.procs.clear();
    procs.add(2000, '7777'); // a new, unrelated process got pid 2000
    const reaped = new ChildRegistry(dir, procs, 3000).reapStale();
    expect(reaped[0].killed).toEqual([]);
    expect(procs.signals).toEqual([]);
    expect(procs.startTime(2000)).toBe('7777');
    expect(readdirSync(dir)).toEqual([]); // the stale entry is forgotten
  });

  it('treats an owner pid now held by another process as dead', () => {
    const procs = new FakeProcs().add(OWNER, '500').add(2000, '900');
    new ChildRegistry(dir, procs, OWNER).register(2000, ['qemu-system-x86_64']);
    procs.procs.set(OWNER, { startTime: '8888', pgid: OWNER }); // pid reused for the owner
    const reaped = new ChildRegistry(dir, procs, 3000).reapStale();
    expect(reaped[0].killed).toEqual([2000]);
  });

  it('leaves a group alone when a member is older than the recorded leader', () => {
    const procs = new FakeProcs().add(OWNER, '500').add(2000, '900').add(2001, '100', 2000);
    new ChildRegistry(dir, procs, OWNER).register(2000, ['make']);
    procs.procs.delete(OWNER);
    procs.procs.delete(2000);
    expect(new ChildRegistry(dir, procs, 3000).reapStale()[0].killed).toEqual([]);
    expect(procs.signals).toEqual([]);
  });

  it('drops a half-written entry', () => {
    writeFileSync(join(dir, '2000-900.json'), '{"pid": 20');
    const procs = new FakeProcs();
    expect(new ChildRegistry(dir, procs, 3000).reapStale()).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reads start times and process groups from the real /proc', () => {
    const me = procTable.startTime(process.pid);
    expect(me).toMatch(/^\d+$/);
    expect(procTable.startTime(2 ** 22 + 12345)).toBeUndefined(); // above pid_max
    const pgid = Number(readFileSync('/proc/self/stat', 'latin1').split(') ')[1].split(' ')[2]);
    expect(procTable.groupMembers(pgid).map((m) => m.pid)).toContain(process.pid);
  });
});
