import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBootLog } from '../../../src/initcall/parse.js';
import { parseSystemMap } from '../../../src/initcall/symbols.js';
import type { InitcallRecord, ParsedBoot } from '../../../src/initcall/types.js';

// Hand-written cases, one file per thing that can go wrong (test/fixtures/malformed/).
const FIX = join(process.cwd(), 'test/fixtures/malformed');
const read = (name: string) => readFileSync(join(FIX, name), 'latin1');
const parse = (name: string, symbols?: string) =>
  parseBootLog(read(name), { source: name, symbols: symbols ? parseSystemMap(read(symbols), symbols) : undefined });

/** The fields that matter, compactly: fn, ret, duration, call line, return line. */
const brief = (r: InitcallRecord) => [r.fn, r.ret, r.durationUs, r.callLine, r.returnLine];
const byFn = (b: ParsedBoot, fn: string) => b.initcalls.filter((r) => r.fn === fn);

describe('parseBootLog: formats', () => {
  it('pairs calling/returned lines and extracts version, command line and landmarks', () => {
    const b = parse('basic-usecs.log');
    expect(b.source).toBe('basic-usecs.log');
    expect(b.initcalls.map(brief)).toEqual([
      ['con_init', 0, 7, 4, 5],
      ['init_hw_perf_events', 0, 480, 6, 7],
      ['pci_subsys_init', 0, 2950, 10, 11],
      ['xenbus_init', -19, 15, 12, 13],
      ['serial8250_init', 0, 1950, 14, 16],
    ]);
    expect(b.initcalls.every((r) => r.complete && !r.async)).toBe(true);
    expect(b.initcalls[2]).toMatchObject({ pid: 1, startTimeUs: 1_200_000, endTimeUs: 1_203_000 });
    expect(b.kernelRelease).toBe('6.1.0-56-amd64');
    expect(b.kernelVersion).toBe(
      '6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)',
    );
    // `Kernel command line:` (what the kernel parsed) wins over x86's `Command line:`.
    expect(b.commandLine).toBe('console=ttyS0 initcall_debug quiet');
    expect(b.hasTimestamps).toBe(true);
    expect(b.lineCount).toBe(19);
    expect(b.warnings).toEqual([]);
    // con_init (PID 0, start_kernel) is in the total but does not open the window.
    expect(b.totalInitcallUs).toBe(7 + 480 + 2950 + 15 + 1950);
    expect(b.landmarks).toEqual({
      kernelEntryUs: 0,
      firstInitcallUs: 1_000_000,
      lastInitcallUs: 1_302_000,
      freeingInitMemUs: 1_400_000,
      runInitUs: 1_500_000,
    });
    // window 1.000000..1.302000 minus the union of [start, end] intervals (500+3000+20+2000)
    expect(b.outsideInitcallUs).toBe(302_000 - 5_520);
  });

  it('infers the early level only for PID 1 before "smp: Bringing up secondary CPUs"', () => {
    const b = parse('basic-usecs.log');
    expect(b.initcalls.map((r) => r.level)).toEqual([undefined, 'early', undefined, undefined, undefined]);
  });

  it('converts msecs (2.6.3x kernels) to microseconds', () => {
    const b = parse('msecs.log');
    expect(b.initcalls.map(brief)).toEqual([
      ['pci_init', 0, 17_000, 1, 2],
      ['acpi_init', -19, 0, 3, 4],
    ]);
    expect(b.totalInitcallUs).toBe(17_000);
  });

  it('keeps [module] tags apart: same function in two modules, a module loaded twice', () => {
    const b = parse('module-tags.log');
    expect(b.initcalls.map((r) => [r.fn, r.module, r.pid, r.ret, r.durationUs, r.level])).toEqual([
      ['virtio_net_driver_init', 'virtio_net', 94, 0, 13091, 'module'],
      ['init_module', 'foo', 100, -22, 790, 'module'],
      ['init_module', 'bar', 101, 0, 180, 'module'],
      ['coretemp_init', 'coretemp', 97, -19, 64, 'module'],
      ['coretemp_init', 'coretemp', 99, -19, 61, 'module'],
    ]);
    // [foo] returned after [bar] started and returned: matched by module, not by order.
    expect(byFn(b, 'init_module').map((r) => [r.callLine, r.returnLine])).toEqual([
      [4, 7],
      [5, 6],
    ]);
    expect(b.warnings).toEqual([]);
  });

  it('without a System.map, keeps bare addresses (CONFIG_KALLSYMS=n) and warns once', () => {
    const b = parse('bare-addresses.log');
    expect(b.initcalls.map((r) => [r.fn, r.address, r.ret, r.durationUs])).toEqual([
      ['0xffffffff818c2a38', '0xffffffff818c2a38', 0, 390],
      ['0xffffffff818c3000', '0xffffffff818c3000', -19, 40],
      ['0xffffffff818c3100', '0xffffffff818c3100', 0, 3],
    ]);
    expect(b.warnings).toHaveLength(1);
    expect(b.warnings[0].line).toBe(1);
    expect(b.warnings[0].message).toMatch(/CONFIG_KALLSYMS.*--system-map/);
  });

  it('resolves bare addresses and levels through the System.map', () => {
    const b = parse('bare-addresses.log', 'bare-addresses.System.map');
    expect(b.initcalls.map((r) => [r.fn, r.address, r.level, r.durationUs])).toEqual([
      ['pci_subsys_init', '0xffffffff818c2a38', 'subsys', 390],
      ['xenbus_init', '0xffffffff818c3000', 'device', 40],
      ['net_dev_init', '0xffffffff818c3100', 'subsys', 3], // 4s: subsys_initcall_sync
    ]);
    expect(b.warnings).toEqual([]);
  });

  it('attaches probes to the initcall that ran them and never adds them to the total', () => {
    const b = parse('probes.log');
    expect(b.probes.map((p) => [p.device, p.driver, p.ret, p.durationUs, p.line, p.initcallIndex])).toEqual([
      ['00:00', undefined, 0, 366, 2, 0],
      ['00:01', undefined, 0, 313, 3, 0],
      ['i8042', undefined, 0, 3558, 4, 0],
      ['serio1', undefined, 19, 486, 6, undefined], // between initcalls: not nested
      ['rtc_cmos', 'platform', -517, 700, 8, 1], // `bus: 'platform': really_probe: probe of …`
      ['00:04', 'rtc_cmos', 0, 850, 9, 1], // `rtc_cmos 00:04: probe with driver rtc_cmos …`
    ]);
    expect(b.initcalls[0].probes.map((p) => p.device)).toEqual(['00:00', '00:01', 'i8042']);
    expect(b.initcalls[1].probes.map((p) => p.device)).toEqual(['rtc_cmos', '00:04']);
    expect(b.totalInitcallUs).toBe(5067 + 2400);
  });

  it('flags async work, keeps it out of the total and of outside time, pairs async waits', () => {
    const b = parse('async.log');
    expect(b.initcalls.map((r) => [r.fn, r.module, r.async, r.asyncCookie, r.pid, r.ret, r.durationUs])).toEqual([
      ['rootfs_init', undefined, false, undefined, 1, 0, 690],
      ['do_populate_rootfs', undefined, true, 1, 9, undefined, 157142],
      ['late_init', undefined, false, undefined, 1, 0, 160990],
      ['async_port_probe', 'libata', true, 2, 24, undefined, 220185],
      ['async_port_probe', 'libata', true, 3, 9, undefined, 219918],
    ]);
    expect(b.totalInitcallUs).toBe(690 + 160990);
    // window 2.196000..2.358000 minus [2.196000,2.196700] and [2.197000,2.358000]
    expect(b.outsideInitcallUs).toBe(300);
    expect(b.landmarks.lastInitcallUs).toBe(2_358_000);
    expect(b.asyncWaits).toEqual([
      { pid: 1, line: 5, startTimeUs: 2_268_664, durationUs: 89108 },
      { pid: 77, line: 13, startTimeUs: 6_300_000 - 12, durationUs: 12 },
    ]);
  });

  it('takes levels from "entering initcall level" lines; module for [module] ones; warns on unknown names', () => {
    const b = parse('initcall-levels.log');
    expect(b.initcalls.map((r) => [r.fn, r.level])).toEqual([
      ['init_hw_perf_events', 'early'],
      ['cpuidle_init', 'core'],
      ['pci_subsys_init', 'subsys'],
      ['populate_rootfs', 'rootfs'],
      ['serial8250_init', 'device'],
      ['clk_disable_unused', 'late'],
      ['virtio_init', 'module'],
    ]);
    expect(b.warnings).toEqual([{ line: 20, message: 'unknown initcall level "bogus"' }]);
  });

  it('parses logs without timestamps (PRINTK_TIME off): durations yes, times no', () => {
    const b = parse('no-timestamps.log');
    expect(b.hasTimestamps).toBe(false);
    expect(b.initcalls.map(brief)).toEqual([
      ['init_hw_perf_events', 0, 480, 3, 4],
      ['pci_subsys_init', 0, 2950, 6, 7],
    ]);
    expect(b.initcalls[0].level).toBe('early');
    expect(b.initcalls[0].startTimeUs).toBeUndefined();
    expect(b.totalInitcallUs).toBe(3430);
    expect(b.outsideInitcallUs).toBeUndefined();
    expect(b.landmarks).toEqual({});
    expect(b.kernelRelease).toBe('6.1.0-56-amd64');
    expect(b.commandLine).toBe('console=ttyS0 initcall_debug printk.time=0');
  });

  it('uses PRINTK_CALLER [T<pid>] to match returns and probes to their task; [C<cpu>] probes are in no initcall', () => {
    const b = parse('printk-caller.log');
    expect(b.initcalls.map((r) => [r.pid, r.ret, r.durationUs, r.callLine, r.returnLine])).toEqual([
      [100, 0, 300, 2, 5],
      [101, -19, 400, 3, 7],
    ]);
    expect(b.probes.map((p) => [p.device, p.initcallIndex])).toEqual([
      ['foo1', 1],
      ['bar0', undefined],
    ]);
    expect(b.kernelRelease).toBe('6.1.0-56-amd64');
  });

  const twoCalls = [
    ['bpf_jit_charge_init', 0, 0, 3, 4],
    ['ipc_ns_init', 0, 4000, 5, 6],
  ];
  it('reads dmesg -r syslog prefixes (<7>)', () => {
    const b = parse('syslog-prefix.log');
    expect(b.initcalls.map(brief)).toEqual(twoCalls);
    expect(b.initcalls[1]).toMatchObject({ startTimeUs: 1_241_471, endTimeUs: 1_245_453 });
    expect(b.commandLine).toBe('console=ttyS0 initcall_debug');
    expect(b.landmarks.runInitUs).toBe(2_749_054);
  });

  it('reads /dev/kmsg records (µs timestamps, caller field, dictionary lines)', () => {
    const b = parse('kmsg.log');
    expect(b.initcalls.map(brief)).toEqual(twoCalls);
    expect(b.initcalls[1]).toMatchObject({ startTimeUs: 1_241_471, endTimeUs: 1_245_453 });
    expect(b.probes).toEqual([{ device: 'reg-dummy', ret: 0, durationUs: 8000, timeUs: 1_262_899, line: 7 }]);
    expect(b.kernelRelease).toBe('6.1.0-56-amd64');
    expect(b.landmarks.runInitUs).toBe(2_749_054);
  });

  it('reads journalctl -k (wall-clock prefix, no kernel timestamps) and -o short-monotonic', () => {
    const j = parse('journalctl.log');
    expect(j.hasTimestamps).toBe(false);
    expect(j.initcalls.map(brief)).toEqual([
      ['pci_subsys_init', 0, 2950, 3, 4],
      ['xenbus_init', -19, 15, 6, 7],
    ]);
    expect(j.kernelRelease).toBe('6.1.0-56-amd64');
    expect(j.commandLine).toBe('console=ttyS0 initcall_debug');
    const m = parse('journalctl-monotonic.log');
    expect(m.initcalls.map(brief)).toEqual([['pci_subsys_init', 0, 2950, 2, 3]]);
    expect(m.initcalls[0]).toMatchObject({ startTimeUs: 1_200_000, endTimeUs: 1_203_000 });
    expect(m.kernelRelease).toBe('6.1.0-56-amd64');
    expect(m.landmarks.runInitUs).toBe(2_749_054);
  });
});

describe('parseBootLog: util-linux dmesg variants', () => {
  it('reads dmesg -x (facility:level), --time-format iso and -T (wall clock: no kernel time)', () => {
    const b = parse('dmesg-variants.log');
    expect(b.kernelRelease).toBe('6.1.0-56-amd64');
    expect(b.initcalls.map((r) => [...brief(r), r.startTimeUs])).toEqual([
      ['bpf_jit_charge_init', 0, 0, 2, 3, 1_240_462],
      ['ipc_ns_init', 0, 4000, 4, 5, undefined],
      ['xenbus_init', -19, 15, 6, 7, undefined],
    ]);
    expect(b.warnings).toEqual([]);
  });
});

describe('parseBootLog: noise', () => {
  it('strips ANSI escapes, also in front of and inside kernel lines', () => {
    const b = parse('ansi.log');
    expect(b.kernelRelease).toBe('6.1.0-56-amd64');
    expect(b.landmarks.kernelEntryUs).toBe(0);
    expect(b.initcalls.map(brief)).toEqual([['pci_subsys_init', 0, 2950, 3, 4]]);
    expect(b.warnings).toEqual([]);
  });

  it('handles CRLF, a bare CR between two records, and stray CRs', () => {
    const b = parse('crlf.log');
    expect(b.initcalls.map(brief)).toEqual([
      ['pci_subsys_init', 0, 2950, 1, 2],
      ['xenbus_init', -19, 15, 3, 3],
      ['serial8250_init', 0, 1950, 4, 5],
    ]);
    expect(b.lineCount).toBe(5);
    expect(b.warnings).toEqual([]);
  });

  it('joins a returned line split by a bare CR or by CRLF', () => {
    const b = parse('cr-split.log');
    expect(b.initcalls.map(brief)).toEqual([
      ['foo_init', -5, 15, 1, 2],
      ['bar_init', 0, 7, 3, 4],
    ]);
    expect(b.warnings).toEqual([]);
    expect(b.lineCount).toBe(5);
  });

  it('recovers records broken by other console output or a newline, warns with the line otherwise', () => {
    const b = parse('interleaved.log');
    expect(b.initcalls.map((r) => [r.fn, r.ret, r.durationUs, r.callLine, r.returnLine, r.complete])).toEqual([
      ['pci_subsys_init', 0, 2950, 1, 2, true], // `… @ 1[    1.200050] random: crng init done`
      ['xenbus_init', -19, 15, 3, 4, true], // `… returned -19 af` / `ter 15 usecs`
      ['serial8250_init', 0, 1950, 6, 7, true], // `… ret` / another message / `urned 0 after …`
      ['i8042_init', 0, 5067, 10, 11, true], // `user space says hello[ …] calling …`, `initc` / `all …`
      ['rtc_init', undefined, undefined, 13, undefined, false], // rest never came
      ['mousedev_init', 0, 936, 20, 21, true],
    ]);
    expect(b.warnings.map((w) => w.line)).toEqual([13, 14]);
    expect(b.warnings[0].message).toBe('calling rtc_init never returned (hang or truncated log)');
    expect(b.warnings[1].message).toContain('initcall rtc_init+0x0/0x40 returned 0 af');
  });

  it('reports a returned line cut at the end of the capture', () => {
    const b = parse('truncated-last-line.log');
    expect(b.initcalls.map((r) => [r.fn, r.complete, r.durationUs])).toEqual([
      ['pci_subsys_init', true, 2950],
      ['serial8250_init', false, undefined],
    ]);
    expect(b.warnings.map((w) => w.line)).toEqual([3, 4]);
    expect(b.lineCount).toBe(4);
  });

  it('keeps a calling line cut before its PID: the call is reported as never returned', () => {
    const b = parse('truncated-calling.log');
    expect(b.initcalls[1]).toMatchObject({ fn: 'serial8250_init', complete: false, callLine: 3, startTimeUs: 1_300_000 });
    expect(b.initcalls[1].pid).toBeUndefined();
    expect(b.warnings.map((w) => w.line)).toEqual([3, 3]);
    expect(b.warnings.map((w) => w.message).join('\n')).toMatch(/truncated calling line[\s\S]*never returned/);
  });

  it('reports a calling without returned (a hang) and a returned without calling', () => {
    const b = parse('missing-pairs.log');
    expect(b.initcalls.map((r) => [r.fn, r.complete, r.callLine])).toEqual([
      ['serial8250_init', true, 2],
      ['stuck_driver_init', false, 4],
    ]);
    expect(b.warnings).toEqual([
      { line: 1, message: 'initcall pci_subsys_init+0x0/0x64 returned without a matching calling line' },
      { line: 4, message: 'calling stuck_driver_init never returned (hang or truncated log)' },
    ]);
    expect(b.totalInitcallUs).toBe(1950);
  });

  it('survives binary garbage', () => {
    const b = parse('binary-garbage.log');
    expect(b.initcalls.map(brief)).toEqual([
      ['pci_subsys_init', 0, 2950, 2, 4],
      ['serial8250_init', 0, 1950, 6, 7],
    ]);
    expect(b.lineCount).toBe(7);
  });

  it('skips PCI fixups ("pci …: calling  quirk_…"): they run inside an initcall', () => {
    const b = parse('pci-quirks.log');
    expect(b.initcalls.map(brief)).toEqual([['pci_subsys_init', 0, 19950, 1, 6]]);
    expect(b.warnings).toEqual([]);
  });
});

describe('parseBootLog: which part of the capture', () => {
  it('parses only the dmesg dump between KTRIM-DMESG-BEGIN/END markers, not the console copy', () => {
    const b = parse('dmesg-markers.log');
    expect(b.initcalls.map(brief)).toEqual([
      ['early_fn', 0, 4, 9, 10],
      ['pci_subsys_init', 0, 2950, 11, 12],
    ]);
    expect(b.lineCount).toBe(16);
    expect(b.warnings).toEqual([]);
  });

  it('warns when the dump has no end marker and parses what is there', () => {
    const b = parse('dmesg-markers-no-end.log');
    expect(b.initcalls.map((r) => [r.fn, r.complete, r.callLine])).toEqual([
      ['pci_subsys_init', true, 5],
      ['serial8250_init', false, 7],
    ]);
    expect(b.warnings[0]).toEqual({
      line: 3,
      message: 'KTRIM-DMESG-BEGIN without KTRIM-DMESG-END: the dmesg dump is truncated',
    });
  });

  it('picks one boot out of a capture that holds two, and says so', () => {
    const b = parse('two-boots.log');
    expect(b.kernelRelease).toBe('6.1.0-56-amd64');
    expect(b.initcalls.map(brief)).toEqual([
      ['early_fn', 0, 4, 6, 7],
      ['pci_subsys_init', 0, 3450, 8, 9],
    ]);
    expect(b.warnings).toEqual([{ line: 5, message: 'input holds 2 boots (Linux version at lines 1, 5); parsed only the one at line 5' }]);
  });

  it('returns an empty boot for empty input', () => {
    const b = parseBootLog('');
    expect(b).toMatchObject({ initcalls: [], probes: [], warnings: [], lineCount: 0, totalInitcallUs: 0, hasTimestamps: false });
    expect(b.source).toBe('<log>');
  });
});
