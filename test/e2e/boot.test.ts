// The boot lab for real: Debian's linux-source-6.1 built as the tiny serial
// kernel (test/e2e/helpers/tiny-kernel.ts), a real busybox initramfs, real
// qemu (TCG here), driven through the built CLI (bin/ktrim) like a user would.
import { describe, it, expect, beforeAll } from '@jest/globals';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyKernel, TINY_KERNEL_TIMEOUT_MS } from './helpers/tiny-kernel.js';

const ktrim = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, ['bin/ktrim', ...args], { reject: false, env: { NO_COLOR: '1', ...env } });

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('E:'));

let kernel: string;
const work = mkdtempSync(join(tmpdir(), 'ktrim-e2e-boot-'));
const MEMORY_MB = 128;

beforeAll(async () => {
  kernel = (await tinyKernel()).bzImage;
}, TINY_KERNEL_TIMEOUT_MS);

describe('ktrim boot on the tiny kernel', () => {
  it(
    'boots it 3 times to the marker and reports sane timings and memory',
    async () => {
      const logs = join(work, 'logs');
      const r = await ktrim([
        'boot',
        '--kernel',
        kernel,
        '--runs',
        '3',
        '--warmup',
        '0',
        '--memory',
        String(MEMORY_MB),
        '--dmesg',
        '--keep-logs',
        logs,
        '--json',
      ]);
      expect(r.stderr).toMatch(/^I: \$ qemu-system-x86_64 -nodefaults -no-reboot -nographic -accel (tcg|kvm) /m);
      expect(r.exitCode).toBe(0);
      const res = JSON.parse(r.stdout);
      expect(res.boots).toHaveLength(3);
      for (const b of res.boots) {
        expect(b.ending).toBe('marker');
        // host clock: banner, then /init, then the marker, then qemu is killed
        expect(b.host.kernelEntryMs).toBeGreaterThan(0);
        expect(b.host.initMs).toBeGreaterThan(b.host.kernelEntryMs);
        expect(b.host.markerMs).toBeGreaterThanOrEqual(b.host.initMs);
        expect(b.host.wallMs).toBeGreaterThan(b.host.markerMs);
        // guest clock: /proc/uptime at the markers; printk time of the banner is 0
        expect(b.guest.initUptimeUs).toBeGreaterThan(0);
        expect(b.guest.markerUptimeUs).toBeGreaterThanOrEqual(b.guest.initUptimeUs);
        expect(b.guest.kernelEntryUs).toBe(0);
        // qemu's VmHWM: more than the guest's touched memory, less than -m plus qemu itself
        expect(b.memory.qemuPeakRssKb / 1024).toBeGreaterThan(10);
        expect(b.memory.qemuPeakRssKb / 1024).toBeLessThan(MEMORY_MB + 400);
        // free -m in the guest: -m minus the kernel's own reservations
        expect(b.memory.guest.totalMb).toBeGreaterThan(MEMORY_MB * 0.75);
        expect(b.memory.guest.totalMb).toBeLessThan(MEMORY_MB);
        expect(b.memory.guest.usedMb).toBeGreaterThan(0);
        expect(b.memory.guest.usedMb).toBeLessThan(b.memory.guest.totalMb);
        expect(existsSync(b.logs.dmesg)).toBe(true);
        expect(readFileSync(b.logs.dmesg, 'utf8')).toMatch(/^\[\s+0\.000000\] Linux version 6\.1\./m);
      }
      expect(res.summary.markerMs.n).toBe(3);
      expect(res.summary.markerMs.min).toBeLessThanOrEqual(res.summary.markerMs.median);
      expect(res.summary.markerMs.median).toBeLessThanOrEqual(res.summary.markerMs.max);
      expect(res.summary.guestTotalMb.sd).toBe(0);
    },
    10 * 60 * 1000,
  );

  it(
    'reports a kernel panic (init exits) as a boot failure: exit 2, one line',
    async () => {
      const r = await ktrim([
        'boot',
        '--kernel',
        kernel,
        '--runs',
        '1',
        '--warmup',
        '0',
        '--append',
        'loglevel=6 rdinit=/bin/false',
        '--timeout',
        '60',
      ]);
      expect(r.exitCode).toBe(2);
      expect(errorLines(r.stderr)).toEqual([
        expect.stringMatching(/^E: kernel panic booting .*bzImage: Kernel panic - not syncing: Attempted to kill init!/),
      ]);
    },
    3 * 60 * 1000,
  );

  it(
    'kills a boot that hangs (a test script that never returns) at the timeout: exit 2',
    async () => {
      const script = join(work, 'hang.sh');
      writeFileSync(script, 'echo about to hang\nwhile :; do sleep 3600; done\n');
      const tag = `hang-${process.pid}-${Date.now()}`;
      const r = await ktrim([
        'boot',
        '--kernel',
        kernel,
        '--runs',
        '1',
        '--warmup',
        '0',
        '--test',
        script,
        '--timeout',
        '20',
        '--append',
        `loglevel=6 ktrim.tag=${tag}`,
      ]);
      expect(r.exitCode).toBe(2);
      expect(errorLines(r.stderr)).toEqual([
        expect.stringMatching(/^E: boot of .*bzImage timed out: no end marker within 20 s \(last console line: ".*"\)$/),
      ]);
      // no qemu of ours left: a /proc scan for the tag on its command line (no procps needed)
      const left = readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((pid) => {
          try {
            const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
            return /qemu-system-x86_64$/.test(argv[0]) && argv.some((a) => a.includes(`ktrim.tag=${tag}`));
          } catch {
            return false;
          }
        });
      expect(left).toEqual([]);
    },
    3 * 60 * 1000,
  );

  it(
    'runs a test script that prints PASS inside the guest',
    async () => {
      const script = join(work, 'pass.sh');
      writeFileSync(script, 'grep -q " / " /proc/mounts && test -c /dev/console && echo PASS\n');
      const r = await ktrim(['boot', '--kernel', kernel, '--runs', '1', '--warmup', '0', '--test', script, '--json']);
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout).boots[0].test).toEqual({ rc: 0, passed: true, output: ['PASS'] });
    },
    3 * 60 * 1000,
  );
});

describe('ktrim analyze and bench-range on the tiny kernel', () => {
  it(
    'breaks two boots into phases, estimates the console cost and writes an SVG',
    async () => {
      const svg = join(work, 'phases.svg');
      const r = await ktrim(['analyze', '--kernel', kernel, '--runs', '2', '--initcall-debug', '--svg', svg, '--json']);
      expect(r.exitCode).toBe(0);
      const a = JSON.parse(r.stdout);
      expect(a.boots).toBe(2);
      const keys = a.landmarks.map((l: { key: string }) => l.key);
      expect(keys).toEqual([
        'start',
        'firstOutput',
        'kernelEntry',
        'firstInitcall',
        'lastInitcall',
        'freeingInitMem',
        'runInit',
        'marker',
        'exit',
      ]);
      const total = a.phases.reduce((s: number, p: { ms: { mean: number } }) => s + p.ms.mean, 0);
      expect(total).toBeCloseTo(a.totalMs.mean, 3);
      // a 16550 under qemu: a few µs per character (the seed measured ~4 under TCG)
      expect(a.consoleCost.usPerChar).toBeGreaterThan(0.5);
      expect(a.consoleCost.usPerChar).toBeLessThan(100);
      expect(readFileSync(svg, 'utf8')).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    },
    5 * 60 * 1000,
  );

  it(
    'compares two command lines with a t-test and prints the table',
    async () => {
      const r = await ktrim([
        'bench-range',
        '--kernel',
        kernel,
        '--append-variant',
        'loglevel=6',
        '--append-variant',
        'loglevel=6 mitigations=off',
        '--runs',
        '2',
        '--warmup',
        '0',
        '--json',
      ]);
      expect(r.exitCode).toBe(0);
      const res = JSON.parse(r.stdout);
      expect(res.columns).toBe('append');
      expect(res.columnLabels).toEqual(['loglevel=6', 'loglevel=6 mitigations=off']);
      const [base, other] = res.rows[0].cells;
      expect(base.verdict).toBe('baseline');
      expect(base.samples).toHaveLength(2);
      expect(['improves', 'degrades', 'no significant difference']).toContain(other.verdict);
      expect(other.vsBaseline.nA).toBe(2);
      expect(other.vsBaseline.p).toBeGreaterThanOrEqual(0);
    },
    5 * 60 * 1000,
  );
});

describe('ktrim analyze on kept logs', () => {
  const fixture = 'test/unit/boot/fixtures/debian-6.1-tcg-initcall-debug.console.ts.log';
  it('prints the timeline of a real kept boot log', async () => {
    const r = await ktrim(['analyze', fixture]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      /^1 boot\(s\); host clock, ms since qemu was spawned \(mean ± sd\); total qemu start → exit 18068 \(sd n\/a\) ms$/m,
    );
    // The first initcall is the first one after the console initcalls (con_init runs at PID 0 in
    // start_kernel): 12836 ms, as `report` finds it; the window to the last one is 2741 ms.
    expect(r.stdout).toMatch(/^first initcall +12836 \(sd n\/a\) +printk time mapped to host$/m);
    expect(r.stdout).toMatch(/^first initcall → last initcall +2741 \(sd n\/a\) +15\.2/m);
    expect(r.stdout).not.toMatch(/± \d/); // one boot: no '± 0' values (headings may say 'mean ± sd')
  });

  it('names the file and line of a log it cannot read', async () => {
    const r = await ktrim(['analyze', 'package.json']);
    expect(r.exitCode).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      'E: package.json:1: expected "SECONDS TEXT" (a *.console.ts.log kept by ktrim boot --keep-logs)',
    ]);
  });
});

describe('bad input', () => {
  it('names a missing kernel image and a file that is not a bzImage (exit 1)', async () => {
    const missing = await ktrim(['boot', '--kernel', join(work, 'no-such-bzImage')]);
    expect(missing.exitCode).toBe(1);
    expect(errorLines(missing.stderr)).toEqual([`E: ${join(work, 'no-such-bzImage')}: kernel image not found`]);
    const notKernel = await ktrim(['boot', '--kernel', 'package.json']);
    expect(notKernel.exitCode).toBe(1);
    expect(errorLines(notKernel.stderr)).toEqual([
      expect.stringMatching(/^E: \/.*\/package\.json: not a bzImage \(no "HdrS" boot header at offset 0x202\)/),
    ]);
  });

  it('says qemu is missing in one line (exit 2)', async () => {
    const r = await ktrim(['boot', '--kernel', kernel, '--runs', '1', '--warmup', '0'], { PATH: '/nonexistent' });
    expect(r.exitCode).toBe(2);
    expect(errorLines(r.stderr)).toEqual(["E: qemu-system-x86_64 not found: install Debian's qemu-system-x86 (run `make debs`)"]);
  });
});
