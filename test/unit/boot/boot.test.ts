// bootKernel / benchmarkBoots against the fake qemu: figures, endings, logs,
// bad input.
import { describe, it, expect } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertBooted,
  benchmarkBoots,
  bootKernel,
  checkBzImage,
  checkKernelImage,
  composeAppend,
  vmlinuxBesideKernel,
} from '../../../src/boot/boot.js';
import { parseTimestampedConsole } from '../../../src/boot/analyze.js';
import { formatSummaryTable, parseAddFiles } from '../../../src/commands/boot.js';
import { createMemoryLogger } from '../../../src/ui/log.js';
import { fakeBootDeps, fakeBzImage, tempDir } from './fake.js';

describe('composeAppend', () => {
  it('puts ktrim’s parameters first and defaults to a quiet console that keeps the banner', () => {
    expect(composeAppend({})).toBe('console=ttyS0 panic=-1 loglevel=6');
    expect(composeAppend({ append: 'quiet' })).toBe('console=ttyS0 panic=-1 quiet');
    expect(composeAppend({ initcallDebug: true, append: '' })).toBe('console=ttyS0 panic=-1 initcall_debug log_buf_len=4M ktrim.dmesg=1');
    expect(composeAppend({ dmesg: true })).toBe('console=ttyS0 panic=-1 ktrim.dmesg=1 loglevel=6');
  });
});

describe('parseAddFiles', () => {
  it('maps GUEST=HOST specs and rejects the rest in one line', () => {
    expect(parseAddFiles(['/etc/a=./a', 'b=/x=y'])).toEqual({ '/etc/a': './a', b: '/x=y' });
    expect(parseAddFiles(undefined)).toBeUndefined();
    expect(() => parseAddFiles(['/etc/a'])).toThrow('--add-file "/etc/a": expected GUEST_PATH=HOST_FILE');
  });
});

describe('checkKernelImage', () => {
  it('tells a bzImage from an ELF vmlinux (the PVH loader) and rejects anything else', async () => {
    const dir = tempDir();
    await expect(checkKernelImage(fakeBzImage(dir))).resolves.toBe('bzimage');
    const elf = join(dir, 'vmlinux');
    writeFileSync(elf, Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.alloc(1020)]));
    await expect(checkKernelImage(elf)).resolves.toBe('pvh');
    const other = join(dir, 'other');
    writeFileSync(other, 'x'.repeat(2000));
    await expect(checkKernelImage(other)).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringContaining(`${other}: not a bzImage`),
    });
  });

  it('finds the vmlinux of a build beside its bzImage (O=dir/arch/x86/boot/bzImage)', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'arch/x86/boot'), { recursive: true });
    const bz = join(dir, 'arch/x86/boot/bzImage');
    writeFileSync(bz, 'x');
    expect(vmlinuxBesideKernel(bz)).toBeUndefined();
    writeFileSync(join(dir, 'vmlinux'), 'x');
    expect(vmlinuxBesideKernel(bz)).toBe(join(dir, 'vmlinux'));
  });
});

describe('checkBzImage', () => {
  it('accepts the HdrS magic at 0x202 and rejects anything else with the file name', async () => {
    const dir = tempDir();
    await expect(checkBzImage(fakeBzImage(dir))).resolves.toBeUndefined();
    const notKernel = join(dir, 'vmlinux.txt');
    writeFileSync(notKernel, 'x'.repeat(2000));
    await expect(checkBzImage(notKernel)).rejects.toMatchObject({
      exitCode: 1,
      message: `${notKernel}: not a bzImage (no "HdrS" boot header at offset 0x202); pass arch/x86/boot/bzImage`,
    });
    await expect(checkBzImage(join(dir, 'missing'))).rejects.toMatchObject({
      exitCode: 1,
      message: `${join(dir, 'missing')}: kernel image not found`,
    });
  });
});

describe('bootKernel with the fake qemu', () => {
  it('reports host and guest landmarks, memory, dmesg, and keeps logs that analyze can re-read', async () => {
    const dir = tempDir();
    const logDir = join(dir, 'logs');
    const r = await bootKernel(
      { kernel: fakeBzImage(dir), memoryMb: 300, dmesg: true, append: 'fake.scenario=ok', logDir, logName: 'b1' },
      fakeBootDeps(dir),
    );
    expect(r.ending).toBe('marker');
    expect(r.append).toBe('console=ttyS0 panic=-1 ktrim.dmesg=1 fake.scenario=ok');
    expect(r.initrd).toMatch(/\/cache\/ktrim-[0-9a-f]{16}\.cpio\.gz$/);
    // host clock: banner after 50 ms of "firmware", /init 100 ms later, marker 50 ms after that
    // (lower bounds: a busy host can only delay lines)
    expect(r.host.firstOutputMs).toBeLessThanOrEqual(r.host.kernelEntryMs!);
    expect(r.host.kernelEntryMs).toBeGreaterThanOrEqual(50);
    expect(r.host.initMs).toBeGreaterThanOrEqual(150);
    expect(r.host.markerMs).toBeGreaterThanOrEqual(200);
    expect(r.host.markerMs!).toBeGreaterThanOrEqual(r.host.initMs!);
    expect(r.host.wallMs).toBeGreaterThan(r.host.markerMs!);
    // guest clock: /proc/uptime at the markers and printk times from the dmesg dump
    expect(r.guest).toEqual({
      initUptimeUs: 500000,
      markerUptimeUs: 550000,
      kernelEntryUs: 0,
      firstInitcallUs: 100000,
      lastInitcallUs: 350000,
      freeingInitMemUs: 400000,
      runInitUs: 410000,
    });
    expect(r.memory.guest).toEqual({ totalMb: 300, usedMb: 17, freeMb: 178, availableMb: 181 });
    expect(r.memory.qemuPeakRssKb).toBeGreaterThan(500);
    expect(r.dmesg?.split('\n')[1]).toBe('[    0.100000] calling  pci_subsys_init+0x0/0x80 @ 1');
    expect(readFileSync(r.logs!.dmesg!, 'utf8')).toBe(r.dmesg);
    expect(readFileSync(r.logs!.console, 'latin1')).toContain('KTRIM-MARKER end uptime=0.55\r\n'); // raw, CRs kept
    const reread = parseTimestampedConsole(readFileSync(r.logs!.timestamped, 'utf8'), r.logs!.timestamped);
    expect(reread.guest).toEqual(r.guest);
    expect(reread.host.markerMs).toBeCloseTo(r.host.markerMs!, 2);
    expect(reread.host.wallMs).toBeCloseTo(r.host.wallMs, 2);
  });

  it('returns a panic, and assertBooted turns it into a one-line BootError (exit 2)', async () => {
    const dir = tempDir();
    const r = await bootKernel({ kernel: fakeBzImage(dir), append: 'fake.scenario=panic' }, fakeBootDeps(dir));
    expect(r.ending).toBe('panic');
    expect(() => assertBooted(r)).toThrow(
      expect.objectContaining({
        exitCode: 2,
        message: `kernel panic booting ${r.kernel}: Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100`,
      }),
    );
  });

  it('checks the test script’s PASS line and exit code', async () => {
    const dir = tempDir();
    const script = join(dir, 't.sh');
    writeFileSync(script, 'echo PASS\n');
    const ok = await bootKernel({ kernel: fakeBzImage(dir), append: 'fake.scenario=test-pass', testScript: script }, fakeBootDeps(dir));
    expect(ok.test).toEqual({ rc: 0, passed: true, output: ['checking /proc', 'PASS'] });
    expect(() => assertBooted(ok)).not.toThrow();
    const bad = await bootKernel({ kernel: fakeBzImage(dir), append: 'fake.scenario=test-fail', testScript: script }, fakeBootDeps(dir));
    expect(bad.test).toEqual({ rc: 1, passed: false, output: ['no PASS here'] });
    expect(() => assertBooted(bad)).toThrow(/^test script failed on .* \(rc=1, no PASS line\): no PASS here$/);
  });

  it('rejects bad input before starting qemu', async () => {
    const dir = tempDir();
    const k = fakeBzImage(dir);
    await expect(bootKernel({ kernel: join(dir, 'nope') }, fakeBootDeps(dir))).rejects.toMatchObject({ exitCode: 1 });
    await expect(bootKernel({ kernel: k, initrd: join(dir, 'no-initrd') }, fakeBootDeps(dir))).rejects.toMatchObject({
      message: `${join(dir, 'no-initrd')}: initrd not found`,
    });
    await expect(bootKernel({ kernel: k, initrd: k, testScript: k }, fakeBootDeps(dir))).rejects.toMatchObject({
      message: `${k}: a test script, modules and extra files go into the boot lab initramfs: drop --initrd to use them`,
    });
    await expect(bootKernel({ kernel: k, smp: 0 }, fakeBootDeps(dir))).rejects.toMatchObject({
      exitCode: 1,
      message: '--smp must be a positive number (got 0)',
    });
  });
});

describe('benchmarkBoots', () => {
  it('runs warm-ups then counted boots and summarizes them', async () => {
    const dir = tempDir();
    const seen: string[] = [];
    const deps = fakeBootDeps(dir);
    let initramfsBuilds = 0;
    const list = deps.initramfs.listApplets;
    deps.initramfs.listApplets = (b) => (initramfsBuilds++, list(b));
    const res = await benchmarkBoots(
      { kernel: fakeBzImage(dir), memoryMb: 128, append: 'fake.scenario=ok' },
      { runs: 3, warmup: 1, onBoot: (_r, i, w) => seen.push(`${w ? 'w' : 'b'}${i}`) },
      deps,
    );
    expect(seen).toEqual(['w1', 'b1', 'b2', 'b3']);
    expect(initramfsBuilds).toBe(1); // once for the series, not per boot
    expect(res.boots).toHaveLength(3);
    expect(res.warmups).toHaveLength(1);
    expect(res.summary.guestTotalMb).toEqual({ n: 3, mean: 128, sd: 0, median: 128, min: 128, max: 128, ci95: { low: 128, high: 128 } });
    expect(res.summary.guestMarkerUptimeMs?.mean).toBe(550);
    const markers = res.boots.map((b) => b.host.markerMs!);
    expect(res.summary.markerMs?.min).toBe(Math.min(...markers));
    expect(res.summary.markerMs?.max).toBe(Math.max(...markers));
  });

  it('checks the test script of every boot', async () => {
    const dir = tempDir();
    const script = join(dir, 't.sh');
    writeFileSync(script, 'echo PASS\n');
    const ok = await benchmarkBoots(
      { kernel: fakeBzImage(dir), append: 'fake.scenario=test-pass', testScript: script },
      { runs: 2 },
      fakeBootDeps(dir),
    );
    expect(ok.boots.map((b) => b.test?.passed)).toEqual([true, true]);
    // the fake prints no test markers in the "ok" scenario: a boot without the test's outcome fails
    await expect(
      benchmarkBoots({ kernel: fakeBzImage(dir), append: 'fake.scenario=ok', testScript: script }, { runs: 1 }, fakeBootDeps(dir)),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^test script failed on .*bzImage \(rc=\?, no PASS line\)/),
    });
  });

  it('stops at the first failed boot with a BootError', async () => {
    const dir = tempDir();
    const logger = createMemoryLogger();
    await expect(
      benchmarkBoots(
        { kernel: fakeBzImage(dir), append: 'fake.scenario=hang', timeoutS: 0.5 },
        { runs: 3 },
        { ...fakeBootDeps(dir), logger },
      ),
    ).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/^boot of .*bzImage timed out: no end marker within 0.5 s/) });
    // the console tail tells why
    expect(logger.lines[0]).toBe('I: last console lines of the failed boot (timeout):');
    expect(logger.lines[logger.lines.length - 1]).toMatch(/^I: {3}\d\.\d{3} \| \[ {4}0\.010000\] smp: Brought up 1 node, 1 CPU$/);
  });
});

describe('one boot (--runs 1)', () => {
  it('has no sd, and the table prints the single value with "sd n/a", never "± 0"', async () => {
    const dir = tempDir();
    const res = await benchmarkBoots(
      { kernel: fakeBzImage(dir), memoryMb: 128, append: 'fake.scenario=ok' },
      { runs: 1 },
      fakeBootDeps(dir),
    );
    expect(res.summary.guestTotalMb).toEqual({ n: 1, mean: 128, sd: null, median: 128, min: 128, max: 128, ci95: null });
    const table = formatSummaryTable(res);
    expect(table.split('\n').slice(1).join('\n')).not.toContain('±'); // only the header says "mean ± sd"
    expect(table).toMatch(/^guest total \(free -m\) +- +128\.0 \(sd n\/a\) +128\.0 +128\.0 +128\.0 +MiB$/m);
    const three = await benchmarkBoots(
      { kernel: fakeBzImage(dir), memoryMb: 128, append: 'fake.scenario=ok' },
      { runs: 3 },
      fakeBootDeps(dir),
    );
    expect(formatSummaryTable(three)).toMatch(/^guest total \(free -m\) +- +128\.0 ± 0\.0 +128\.0/m);
  });
});
