import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBootLog } from '../../../src/initcall/parse.js';
import { parseSystemMap } from '../../../src/initcall/symbols.js';
import type { ParsedBoot } from '../../../src/initcall/types.js';

// Real serial captures of Debian kernels booted in qemu (test/fixtures/boots/README.md).
// Every number below was looked up in the file by hand (grep/awk on the dump
// between the KTRIM-DMESG markers), not copied from the parser's output.
const FIX = join(process.cwd(), 'test/fixtures/boots');
const text = (name: string) => readFileSync(join(FIX, name), 'latin1');
const cache = new Map<string, ParsedBoot>();
const boot = (name: string) => {
  if (!cache.has(name)) cache.set(name, parseBootLog(text(name), { source: name }));
  return cache.get(name)!;
};
const find = (b: ParsedBoot, fn: string) => b.initcalls.filter((r) => r.fn === fn);
const sync = (b: ParsedBoot) => b.initcalls.filter((r) => !r.async);
const nonZero = (b: ParsedBoot) => b.initcalls.filter((r) => r.ret !== undefined && r.ret !== 0).length;

const DEBIAN_61 =
  '6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)';
const BASE_CMDLINE = 'console=ttyS0 initcall_debug log_buf_len=4M panic=-1';

describe('real boots: counts and totals', () => {
  // [file, initcalls, async, sum of every sync `after N usecs` in the dump (awk), non-zero returns, probes]
  const table: Array<[string, number, number, number, number, number]> = [
    ['debian-6.1-qemu-1.log', 670, 0, 1229445, 49, 13],
    ['debian-6.1-qemu-2.log', 670, 0, 1250711, 49, 13],
    // + 15342 µs: its 4 console initcalls (PID 0) print 0 µs; their timestamps give 3156 + 22 + 27 + 12137
    ['debian-6.1-qemu-3.log', 670, 0, 943301, 49, 13],
    ['debian-6.1-smp2.log', 671, 1, 1125257, 49, 14],
    ['debian-6.1-dmesg-raw.log', 670, 0, 1088055, 49, 13],
    ['debian-6.1-journal.log', 670, 0, 1229445, 49, 13],
    ['debian-6.1-modules.log', 694, 4, 3574161, 53, 22],
    ['debian-6.12-qemu-1.log', 744, 0, 1464404, 51, 19],
  ];
  for (const [name, n, nAsync, total, nz, nProbes] of table) {
    it(`${name}: ${n} initcalls, all paired, total ${total} µs`, () => {
      const b = boot(name);
      expect(b.initcalls).toHaveLength(n);
      expect(b.initcalls.filter((r) => r.async)).toHaveLength(nAsync);
      expect(b.initcalls.every((r) => r.complete)).toBe(true);
      expect(b.totalInitcallUs).toBe(total);
      expect(nonZero(b)).toBe(nz);
      expect(b.probes).toHaveLength(nProbes);
      expect(b.warnings).toEqual([]);
    });
  }
});

describe('real boots: debian-6.1-qemu-1 by hand', () => {
  const b = boot('debian-6.1-qemu-1.log');

  it('version, command line, landmarks', () => {
    expect(b.kernelVersion).toBe(DEBIAN_61);
    expect(b.kernelRelease).toBe('6.1.0-56-amd64');
    expect(b.commandLine).toBe(BASE_CMDLINE);
    expect(b.hasTimestamps).toBe(true);
    expect(b.lineCount).toBe(2123);
    expect(b.landmarks).toEqual({
      kernelEntryUs: 0,
      firstInitcallUs: 1_129_387, // init_hw_perf_events, the first PID-1 initcall (console ones are PID 0)
      lastInitcallUs: 2_487_623, // genpd_power_off_unused returned
      freeingInitMemUs: 2_605_958, // Freeing unused kernel image (initmem) memory: 2824K
      runInitUs: 2_749_054,
    });
  });

  it('specific initcalls, at their dump line numbers', () => {
    const [con] = find(b, 'con_init');
    expect(con).toMatchObject({ pid: 0, callLine: 467, startTimeUs: 0, ret: 0, durationUs: 0 });
    expect(find(b, 'xen_pvh_gnttab_setup')).toMatchObject([
      { ret: -19, durationUs: 0, callLine: 594, returnLine: 595, startTimeUs: 1_245_698, endTimeUs: 1_245_730, pid: 1 },
    ]);
    expect(find(b, 'software_resume')).toMatchObject([{ ret: -2, durationUs: 102, callLine: 2060 }]);
    expect(find(b, 'ipc_ns_init')).toMatchObject([{ ret: 0, durationUs: 4000 }]); // a jiffy
    const [i8042] = find(b, 'i8042_init');
    expect(i8042).toMatchObject({ ret: 0, durationUs: 5067, callLine: 1746, returnLine: 1753 });
    expect(i8042.probes.map((p) => [p.device, p.ret, p.durationUs])).toEqual([
      ['00:00', 0, 366],
      ['00:01', 0, 313],
      ['i8042', 0, 3558],
    ]);
    // `probe of PNP0103:00 returned 19 after 1347 usecs`: a positive return is kept as printed
    expect(b.probes.find((p) => p.device === 'PNP0103:00')).toMatchObject({ ret: 19, durationUs: 1347 });
  });

  it('skips the 10 PCI quirk "calling" lines', () => {
    expect(find(b, 'quirk_igfx_skip_te_disable')).toEqual([]);
    expect(find(b, 'acpi_pm_check_blacklist')).toEqual([]);
  });

  it('levels: the 30 PID-1 initcalls before "smp: Bringing up secondary CPUs" are early', () => {
    const early = b.initcalls.filter((r) => r.level === 'early');
    expect(early).toHaveLength(30);
    expect(early[0].fn).toBe('init_hw_perf_events');
    expect(early.every((r) => r.pid === 1 && r.callLine < 577)).toBe(true);
    expect(find(b, 'con_init')[0].level).toBeUndefined(); // a console initcall, not early
  });

  it('time outside initcalls = window − union of [calling, returned] timestamps (checked in python)', () => {
    expect(b.outsideInitcallUs).toBe(108_491);
  });
});

describe('real boots: capture formats give the same initcalls', () => {
  const sig = (x: ParsedBoot) => x.initcalls.map((r) => `${r.fn} ${r.ret} ${r.durationUs}`);

  it('console copy (CRLF, ANSI, /init output mixed in) = dmesg dump; the markers stop double counting', () => {
    const whole = text('debian-6.1-console.log');
    const consolePart = parseBootLog(whole.slice(0, whole.indexOf('KTRIM-DMESG-BEGIN')));
    const b = boot('debian-6.1-console.log');
    expect(b.initcalls).toHaveLength(670); // not 1340
    expect(consolePart.initcalls).toHaveLength(670);
    expect(consolePart.warnings).toEqual([]);
    expect(consolePart.initcalls.map((r) => [r.fn, r.ret, r.durationUs, r.startTimeUs])).toEqual(
      b.initcalls.map((r) => [r.fn, r.ret, r.durationUs, r.startTimeUs]),
    );
    expect(b.initcalls[0].callLine).toBeGreaterThan(1729); // from the dump, after KTRIM-DMESG-BEGIN
    expect(b.commandLine).toBe(`${BASE_CMDLINE} ignore_loglevel`);
  });

  it('journalctl -k rendering of qemu-1: same initcalls, no kernel timestamps', () => {
    const j = boot('debian-6.1-journal.log');
    expect(sig(j)).toEqual(sig(boot('debian-6.1-qemu-1.log')));
    expect(j.hasTimestamps).toBe(false);
    expect(j.outsideInitcallUs).toBeUndefined();
    expect(j.kernelVersion).toBe(DEBIAN_61);
    expect(j.commandLine).toBe(BASE_CMDLINE);
  });

  it('dmesg -r (<N> prefixes)', () => {
    const r = boot('debian-6.1-dmesg-raw.log');
    expect(r.kernelVersion).toBe(DEBIAN_61);
    expect(r.hasTimestamps).toBe(true);
    expect(r.landmarks.runInitUs).toBe(2_016_184);
  });
});

describe('real boots: async, SMP, modules, 6.12', () => {
  it('smp2: the async do_populate_rootfs is flagged and left out of the total', () => {
    const b = boot('debian-6.1-smp2.log');
    expect(b.initcalls.filter((r) => r.async)).toMatchObject([
      { fn: 'do_populate_rootfs', asyncCookie: 1, pid: 9, durationUs: 117_243, callLine: 1418, returnLine: 1528 },
    ]);
    expect(b.initcalls.filter((r) => r.async)[0].ret).toBeUndefined();
    expect(sync(b).reduce((s, r) => s + r.durationUs!, 0)).toBe(b.totalInitcallUs);
    // kseriod's serio0 probe ran on the other CPU: it ended inside ledtrig_cpu_init (line 1808) but
    // began (1.302492 s − 17765 µs = 1.284727 s) long before it: not nested, not attributed.
    const serio0 = b.probes.find((p) => p.device === 'serio0')!;
    expect([serio0.line, serio0.durationUs, serio0.initcallIndex]).toEqual([1808, 17_765, undefined]);
    expect(find(b, 'ledtrig_cpu_init')[0].probes).toEqual([]);
    expect(find(b, 'cmos_init')[0].probes.map((p) => p.device)).toEqual(['alarmtimer.0.auto', '00:04']);
    expect(b.asyncWaits.slice(0, 2)).toEqual([
      { pid: 45, line: 1590, startTimeUs: 1_172_202, durationUs: 53 },
      { pid: 46, line: 1592, startTimeUs: 1_191_517, durationUs: 2 },
    ]);
  });

  it('modules: [module] tags, probes nested in module init, coretemp failing twice, async module work', () => {
    const b = boot('debian-6.1-modules.log');
    expect(b.initcalls.filter((r) => r.level === 'module')).toHaveLength(20);
    expect(find(b, 'coretemp_init').map((r) => [r.module, r.ret, r.durationUs, r.callLine])).toEqual([
      ['coretemp', -19, 64, 2312],
      ['coretemp', -19, 61, 2314],
    ]);
    const [e1000] = find(b, 'e1000_init_module');
    expect(e1000).toMatchObject({ module: 'e1000', pid: 98, durationUs: 623_045, level: 'module' });
    expect(e1000.probes).toMatchObject([{ device: '0000:00:03.0', durationUs: 622_549, line: 2302 }]);
    // sd's probe ran in the async helper (PID 24), after init_sd returned: in no initcall
    const sdProbe = b.probes.find((p) => p.device === '0:0:0:0')!;
    expect(sdProbe.line).toBe(2388);
    expect(sdProbe.initcallIndex).toBeUndefined();
    expect(b.initcalls.filter((r) => r.async).map((r) => [r.asyncCookie, r.fn, r.module, r.durationUs])).toEqual([
      [1, 'do_populate_rootfs', undefined, 157_142],
      [2, 'async_port_probe', 'libata', 220_185],
      [3, 'async_port_probe', 'libata', 219_918],
      [4, '__driver_attach_async_helper', undefined, 14_698],
    ]);
    expect(b.asyncWaits).toHaveLength(37);
    expect(b.commandLine).toBe(`${BASE_CMDLINE} dyndbg="file kernel/async.c +p"`);
  });

  it('6.12: version, a positive return value, landmarks, 39 early initcalls', () => {
    const b = boot('debian-6.12-qemu-1.log');
    expect(b.kernelRelease).toBe('6.12.117+deb12-amd64');
    expect(find(b, 'crash_hotplug_init')).toMatchObject([{ ret: 65, durationUs: 0, callLine: 902 }]);
    expect(b.landmarks).toMatchObject({ firstInitcallUs: 590_609, freeingInitMemUs: 2_285_365, runInitUs: 2_547_193 });
    expect(b.initcalls.filter((r) => r.level === 'early')).toHaveLength(39);
  });
});

describe('real boots: tiny 6.1 without CONFIG_KALLSYMS, PRINTK_TIME or SMP (PRINTK_CALLER on)', () => {
  const NAME = 'tiny-6.1-nokallsyms.log';
  const map = parseSystemMap(text('tiny-6.1-nokallsyms.System.map'), 'tiny-6.1-nokallsyms.System.map');
  const b = parseBootLog(text(NAME), { source: NAME, symbols: map });

  it('resolves all 142 bare addresses through System.map and gets every level from it', () => {
    expect(b.initcalls).toHaveLength(142);
    expect(b.initcalls.every((r) => r.complete && r.address?.startsWith('0xffffffff8'))).toBe(true);
    expect(b.initcalls.every((r) => !r.fn.startsWith('0x'))).toBe(true);
    expect(b.initcalls.every((r) => r.level !== undefined)).toBe(true);
    expect(b.totalInitcallUs).toBe(480_025); // awk over the dump
    expect(nonZero(b)).toBe(5);
    expect(b.hasTimestamps).toBe(false);
    expect(b.outsideInitcallUs).toBeUndefined();
    expect(b.kernelRelease).toBe('6.1.192');
    expect(b.commandLine).toBe(BASE_CMDLINE);
    expect(b.warnings).toEqual([]);
  });

  it('specific initcalls (System.map lines looked up by hand)', () => {
    expect(b.initcalls[0]).toMatchObject({ fn: 'init_hw_perf_events', address: '0xffffffff818c2a38', level: 'early', callLine: 157 });
    expect(find(b, 'init_mmap_min_addr')[0].level).toBe('pure');
    expect(find(b, 'pty_init')).toMatchObject([{ durationUs: 264_016, level: 'device', callLine: 383 }]);
    expect(find(b, 'i8042_init')[0].probes).toMatchObject([{ device: 'i8042', durationUs: 20_001, line: 399 }]);
    expect(find(b, 'deferred_probe_initcall')).toMatchObject([{ address: '0xffffffff8111396b', level: 'late', durationUs: 48_003 }]);
  });

  it('PRINTK_CALLER keeps kworker probes ([T3]) out of the PID 1 initcall that was open', () => {
    const serio0 = b.probes.find((p) => p.device === 'serio0')!;
    expect(serio0.line).toBe(457);
    expect(serio0.initcallIndex).toBeUndefined();
    expect(find(b, 'deferred_probe_initcall')[0].probes).toEqual([]);
  });

  it('without the System.map: addresses as names, one warning; the console part finds `[    T0] Linux version` after ANSI noise', () => {
    const bare = parseBootLog(text(NAME));
    expect(bare.initcalls[0].fn).toBe('0xffffffff818c2a38');
    expect(bare.warnings).toHaveLength(1);
    expect(bare.warnings[0].line).toBe(157);
    const consolePart = text(NAME).slice(0, text(NAME).indexOf('KTRIM-DMESG-BEGIN'));
    expect(parseBootLog(consolePart).kernelRelease).toBe('6.1.192');
  });
});
