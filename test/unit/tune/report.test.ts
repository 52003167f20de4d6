// The tune printers on a result made by tuneKernel with a fake boot adapter.
import { describe, expect, it } from '@jest/globals';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';
import { readKnobCatalog } from '../../../src/tune/catalog.js';
import { formatSaving, formatTuneMarkdown, formatTuneText, tuneJson } from '../../../src/tune/report.js';
import { tuneKernel, type TuneBootRequest } from '../../../src/tune/tune.js';

const catalog = readKnobCatalog();
const pick = (...ids: string[]) => ids.map((id) => catalog.knobs.find((k) => k.id === id)!);

async function result() {
  let n = 0;
  return tuneKernel(
    {
      kernel: '/b/arch/x86/boot/bzImage',
      knobs: pick('firmware=qboot', 'loader=pvh', 'cmdline:tsc.reliable=1', 'cmdline:quiet'),
      config: parseDotConfig('CONFIG_X86_TSC=y\nCONFIG_PRINTK=y\n', '/b/.config'),
      metric: 'icount',
      hostMetric: 'host-cpu',
      minSavingMs: 5,
      maxRuns: 4,
    },
    {
      accel: 'tcg',
      fileExists: () => true,
      vmlinuxFor: () => '/b/vmlinux',
      boot: async (r: TuneBootRequest) =>
        r.metric === 'host-cpu'
          ? { ok: true, valueMs: 1200 + (r.bios ? 0 : 150) + (n++ % 2 ? 10 : -10), wallMs: 1500, accel: 'tcg' }
          : { ok: true, valueMs: r.append.includes('quiet') ? 320 : 340, wallMs: 9000, accel: 'tcg' },
    },
  );
}

describe('tune printers', () => {
  it('prints each decision, the recommended command lines and why each clock', async () => {
    const r = await result();
    const text = formatTuneText(r);
    expect(text).toContain('config requirements checked against the kernel config');
    expect(text).toMatch(/^firmware=qboot +host-cpu +kept +150\.0 ms \[\d+\.\d, \d+\.\d\] +2\+2$/m);
    expect(text).toMatch(/^loader=pvh +- +skipped +- +-$/m);
    expect(text).toContain(
      'loader=pvh (-kernel vmlinux (PVH entry)): requirement off: needs CONFIG_PVH=y (not set in /b/.config); would be enabled by CONFIG_HYPERVISOR_GUEST=y CONFIG_PVH=y',
    );
    expect(text).toMatch(/^cmdline:tsc\.reliable=1 +icount +rejected: no significant saving +0\.0 ms +1\+1$/m);
    expect(text).toContain('recommended kernel command line:\n  console=ttyS0 panic=-1 loglevel=6 quiet\n');
    expect(text).toContain(
      "  qemu-system-x86_64 -nodefaults -no-reboot -nographic -accel tcg -bios /usr/share/qemu/qboot.rom -m 256 -smp 1 -serial stdio -kernel /b/arch/x86/boot/bzImage -initrd INITRD -append 'console=ttyS0 panic=-1 loglevel=6 quiet'\n",
    );
    expect(text).toContain('command-line knobs on icount');
    expect(text).toContain('kept knobs save about 150.0 ms on host-cpu, 20.0 ms on icount (the sum of their savings');
    const md = formatTuneMarkdown(r);
    expect(md).toContain('| cmdline:quiet | `quiet` | icount | kept | 20.0 ms | 1+1 | deterministic metric: saves 20.0 ms ≥ 5.0 ms |');
    expect(md).toContain('- **firmware=qboot** (kept). Saves: SeaBIOS');
    expect(JSON.parse(tuneJson(r))).toEqual(JSON.parse(JSON.stringify(r)));
  });

  it('formats a saving with and without bounds', () => {
    expect(formatSaving({ savingMs: 150, ci: [120.04, 179.96] })).toBe('150.0 ms [120.0, 180.0]');
    expect(formatSaving({ savingMs: -0.25, ci: null })).toBe('-0.3 ms');
    expect(formatSaving({})).toBe('-');
  });
});
