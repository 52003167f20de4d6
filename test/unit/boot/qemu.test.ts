// The qemu runner against the fake qemu script: endings, host timestamps,
// peak RSS, and that no fake qemu is left running.
import { describe, it, expect } from '@jest/globals';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveChildren } from '../../../src/process.js';
import {
  chooseAccel,
  cleanConsoleLine,
  kvmUsable,
  parseProcStatCpuMs,
  qemuArgv,
  readProcessCpuMs,
  runQemu,
  type QemuRequest,
} from '../../../src/boot/qemu.js';
import { fakeQemuDeps, tempDir } from './fake.js';

function request(dir: string, append: string, timeoutMs = 10000): QemuRequest {
  const kernel = join(dir, 'k');
  const initrd = join(dir, 'i');
  writeFileSync(kernel, 'k');
  writeFileSync(initrd, 'i');
  return { kernel, initrd, append, smp: 2, memoryMb: 192, timeoutMs };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Members of process group `pgid` that still run. Zombies don't count: a
 * killed grandchild is reparented to this sandbox's init, which may reap it
 * late, and `kill(-pgid, 0)` would still succeed on it.
 */
function liveGroupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') out.push(Number(entry));
  }
  return out;
}

describe('runQemu with the fake qemu', () => {
  it('ends at the marker, kills qemu after KTRIM-DONE, and timestamps lines in order', async () => {
    const dir = tempDir();
    const r = await runQemu(request(dir, 'console=ttyS0 panic=-1'), fakeQemuDeps());
    expect(r.ending).toBe('marker');
    expect(r.accel).toBe('tcg');
    // The fake sleeps 1000 s after KTRIM-DONE: we must have killed it.
    expect(r.signal).toBe('SIGTERM'); // killed by us, not ended by the fake's 1000 s sleep
    const texts = r.console.map((l) => l.text);
    expect(texts[0]).toBe('SeaBIOS (version fake)'); // escape codes and CR gone
    expect(texts).toContain('KTRIM-MARKER end uptime=0.55');
    expect(texts[texts.length - 1]).toBe('KTRIM-DONE');
    const ms = r.console.map((l) => l.ms);
    expect([...ms].sort((a, b) => a - b)).toEqual(ms);
    // The fake sleeps 50 ms before the kernel banner, 100 ms more before /init
    // and 50 ms more before the end marker: lower bounds on arrival times
    // (a busy host can only delay lines, and batch them).
    const at = (prefix: string) => r.console.find((l) => l.text.includes(prefix))!.ms;
    expect(at('Linux version')).toBeGreaterThanOrEqual(50);
    expect(at('KTRIM-MARKER start')).toBeGreaterThanOrEqual(150);
    expect(at('KTRIM-MARKER end')).toBeGreaterThanOrEqual(200);
    // VmHWM of a bash process: a few MiB.
    expect(r.peakRssKb).toBeGreaterThan(500);
    expect(r.peakRssKb).toBeLessThan(200_000);
    expect(r.argv).toEqual(expect.arrayContaining(['-nodefaults', '-no-reboot', '-nographic', '-m', '192', '-smp', '2']));
    expect(liveChildren().size).toBe(0);
  });

  it('reports a panic with the panic line, and qemu exits by itself', async () => {
    const r = await runQemu(request(tempDir(), 'fake.scenario=panic'), fakeQemuDeps());
    expect(r.ending).toBe('panic');
    expect(r.endingDetail).toBe('Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100');
    expect(r.exitCode).toBe(0);
    expect(r.signal).toBeUndefined();
  });

  it('kills a qemu that does not exit after a panic', async () => {
    const r = await runQemu(request(tempDir(), 'fake.scenario=panic-stuck'), fakeQemuDeps({ panicGraceMs: 200 }));
    expect(r.ending).toBe('panic');
    expect(r.signal).toBe('SIGTERM'); // killed by us, not ended by the fake's 1000 s sleep
  });

  it('times out a hung boot and kills the whole process group', async () => {
    let pid = 0;
    const deps = fakeQemuDeps({
      readPeakRssKb: (p) => {
        pid = p;
        return undefined;
      },
    });
    const r = await runQemu(request(tempDir(), 'fake.scenario=hang', 800), deps);
    expect(r.ending).toBe('timeout');
    expect(r.endingDetail).toMatch(/^no end marker within 0.8 s \(last console line: "\[ {4}0.010000\] smp: Brought up/);
    expect(r.wallMs).toBeGreaterThanOrEqual(800);
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
    // The fake's `sleep 1000` child was in the same group: gone too.
    expect(liveGroupMembers(pid)).toEqual([]);
  });

  it("reports qemu's own exit with its stderr", async () => {
    const r = await runQemu(request(tempDir(), 'fake.scenario=exit'), fakeQemuDeps());
    expect(r.ending).toBe('exit');
    expect(r.exitCode).toBe(3);
    expect(r.endingDetail).toBe('qemu exited (3) before the end marker: qemu-system-x86_64: fake: guest requested an exit');
  });

  it('ends at the marker on microvm, whose `reboot -f` restarts the guest instead of exiting', async () => {
    const r = await runQemu({ ...request(tempDir(), 'console=ttyS0'), machine: 'microvm' }, fakeQemuDeps());
    expect(r.ending).toBe('marker');
    expect(r.endingDetail).toBe('end marker reached');
    expect(r.signal).toBe('SIGTERM'); // killed at KTRIM-DONE, not by the timeout
    expect(r.argv.slice(r.argv.indexOf('-machine'), r.argv.indexOf('-machine') + 2)).toEqual(['-machine', 'microvm']);
  });

  it('ends at the marker when the guest restarts after it without KTRIM-DONE', async () => {
    const r = await runQemu({ ...request(tempDir(), 'fake.scenario=nodone', 8000), machine: 'microvm' }, fakeQemuDeps());
    expect(r.ending).toBe('marker');
    expect(r.endingDetail).toBe('end marker reached (then the guest restarted)');
    expect(r.wallMs).toBeLessThan(8000); // not the timeout
  });

  it('reports a guest that restarts before the marker instead of waiting for the timeout', async () => {
    const r = await runQemu(request(tempDir(), 'fake.scenario=restart', 8000), fakeQemuDeps());
    expect(r.ending).toBe('exit');
    expect(r.endingDetail).toBe(
      'the guest restarted before the end marker (a second "Linux version" banner; this machine ignores -no-reboot)',
    );
    expect(r.wallMs).toBeLessThan(8000);
    expect(r.signal).toBe('SIGTERM');
  });

  it("samples qemu's CPU time when /init starts", async () => {
    const r = await runQemu(request(tempDir(), 'console=ttyS0'), fakeQemuDeps({ readCpuMs: readProcessCpuMs }));
    expect(r.ending).toBe('marker');
    expect(r.cpuMsAtInit).toBeGreaterThanOrEqual(0); // a bash script: little CPU, but a figure
    const none = await runQemu(request(tempDir(), 'fake.scenario=hang', 500), fakeQemuDeps({ readCpuMs: readProcessCpuMs }));
    expect(none.cpuMsAtInit).toBeUndefined(); // never reached /init
  });

  it('throws a BootError (exit 2) when qemu is missing', async () => {
    await expect(runQemu(request(tempDir(), ''), fakeQemuDeps({ qemuBinary: '/nonexistent/qemu-system-x86_64' }))).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^\/nonexistent\/qemu-system-x86_64 not found: install Debian's qemu-system-x86/),
    });
  });
});

describe('qemu argv and accelerator', () => {
  it('builds the documented command line, with -cpu host only under kvm', () => {
    const req = {
      kernel: '/k',
      initrd: '/i',
      append: 'console=ttyS0 quiet',
      smp: 4,
      memoryMb: 512,
      timeoutMs: 1,
      extraArgs: ['-device', 'x'],
    };
    expect(qemuArgv(req, 'tcg', 'qemu-system-x86_64')).toEqual([
      'qemu-system-x86_64',
      '-nodefaults',
      '-no-reboot',
      '-nographic',
      '-accel',
      'tcg',
      '-m',
      '512',
      '-smp',
      '4',
      '-serial',
      'stdio',
      '-kernel',
      '/k',
      '-initrd',
      '/i',
      '-append',
      'console=ttyS0 quiet',
      '-device',
      'x',
    ]);
    expect(qemuArgv(req, 'kvm', 'q').slice(4, 8)).toEqual(['-accel', 'kvm', '-cpu', 'host']);
    // Machine type and firmware (ktrim tune's knobs) only when asked for.
    expect(qemuArgv({ ...req, machine: 'q35', bios: '/usr/share/qemu/qboot.rom' }, 'tcg', 'q').slice(0, 9)).toEqual([
      'q',
      '-nodefaults',
      '-no-reboot',
      '-nographic',
      '-machine',
      'q35',
      '-accel',
      'tcg',
      '-bios',
    ]);
  });

  it('picks kvm only when usable, unless forced', () => {
    expect(chooseAccel({}, fakeQemuDeps({ kvmUsable: () => true }))).toBe('kvm');
    expect(chooseAccel({ accel: 'auto' }, fakeQemuDeps({ kvmUsable: () => false }))).toBe('tcg');
    expect(chooseAccel({ accel: 'tcg' }, fakeQemuDeps({ kvmUsable: () => true }))).toBe('tcg');
  });

  it('does not trust /dev/kvm on a CPU without vmx/svm', () => {
    const dir = tempDir();
    const cpuinfo = join(dir, 'cpuinfo');
    writeFileSync(cpuinfo, 'processor\t: 0\nflags\t\t: fpu vme de pse tsc msr hypervisor\n');
    expect(kvmUsable(cpuinfo)).toBe(false);
  });

  it('reads utime + stime from /proc/PID/stat in ms, whatever the command name holds', () => {
    const stat = '4242 (qemu-system-x86) (x)) S 1 4242 4242 0 -1 4194560 9000 0 0 0 151 23 0 0 20 0 4 0 123 0 0';
    expect(parseProcStatCpuMs(stat)).toBe(1740);
    expect(parseProcStatCpuMs('garbage')).toBeUndefined();
  });

  it('strips terminal escapes and CRs from console lines', () => {
    expect(cleanConsoleLine('Probing EDD (edd=off to disable)... ok\x1bc\x1b[?7l\x1b[2J[    0.000000] Linux version 6.1.0\r')).toBe(
      'Probing EDD (edd=off to disable)... ok[    0.000000] Linux version 6.1.0',
    );
  });
});
