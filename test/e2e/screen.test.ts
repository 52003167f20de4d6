// `ktrim screen` for real: the tiny serial kernel (CONFIG_KALLSYMS=y), real
// qemu and initramfs, through the built CLI. Three initcalls are screened:
// pty_init and i8042_init (the guest boots without them) and populate_rootfs
// (without it there is no initramfs: the boot must break). Asserts the
// report's fields from the real boots, never wall-clock comparisons.
import { describe, it, expect, beforeAll } from '@jest/globals';
import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyKernel, TINY_KERNEL_TIMEOUT_MS } from './helpers/tiny-kernel.js';

const ktrim = (args: string[]) => execa(process.execPath, ['bin/ktrim', ...args], { reject: false, env: { NO_COLOR: '1' } });
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('E:'));

let kernel: string;
let buildDir: string;
const work = mkdtempSync(join(tmpdir(), 'ktrim-e2e-screen-'));

beforeAll(async () => {
  const b = await tinyKernel();
  kernel = b.bzImage;
  buildDir = b.objDir;
}, TINY_KERNEL_TIMEOUT_MS);

describe('ktrim screen on the tiny kernel', () => {
  it('refuses a kernel whose config has no CONFIG_KALLSYMS before booting anything', async () => {
    const r = await ktrim(['screen', '--kernel', kernel, '--kernel-config', 'configs/tiny-nokallsyms.config', '--initcall', 'pty_init']);
    expect(r.exitCode).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      expect.stringMatching(/^E: .*bzImage is built without CONFIG_KALLSYMS \(configs\/tiny-nokallsyms\.config\): initcall_blacklist= /),
    ]);
    expect(r.stderr).not.toMatch(/qemu-system/);
  });

  it(
    'skips each candidate initcall, measures it, and finds the one that breaks the boot',
    async () => {
      const r = await ktrim([
        'screen',
        '--kernel',
        kernel,
        '--runs',
        '2',
        '--timeout',
        '60',
        '--memory',
        '128',
        '--keep-logs',
        join(work, 'logs'),
        '--json',
        '--initcall',
        'pty_init',
        '--initcall',
        'i8042_init',
        '--initcall',
        'populate_rootfs',
      ]);
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toContain(`I: kernel config: ${join(buildDir, '.config')}`);
      const res = JSON.parse(r.stdout);
      expect(res.baseline.boots).toBe(2);
      expect(res.baseline.totalInitcallMs.n).toBe(2);
      expect(res.candidates.map((c: { id: string }) => c.id)).toEqual(['pty_init', 'i8042_init', 'populate_rootfs']);
      const [pty, i8042, rootfs] = res.candidates;
      for (const c of [pty, i8042]) {
        expect(c.append).toBe(`loglevel=6 initcall_blacklist=${c.id}`);
        expect(c).toMatchObject({ skipped: true, stillCalled: [], notInBaseline: [], breaksBoot: false, ending: 'marker', boots: 2 });
        expect(c.totalInitcallMs.n).toBe(2);
        expect(c.baselineMs.n).toBe(2);
        expect(c.baselineMs.medianMs).toBeGreaterThan(0);
        expect(typeof c.screenedMs).toBe('number');
        expect(c.welch.nA).toBe(2);
      }
      // Without the initramfs unpacked the kernel finds no init and panics at once (panic=-1, -no-reboot).
      expect(rootfs).toMatchObject({ breaksBoot: true, ending: 'panic', screenedMs: null, totalInitcallMs: null, boots: 1 });
      expect(rootfs.endingDetail).toMatch(/Kernel panic/);
    },
    10 * 60 * 1000,
  );
});
