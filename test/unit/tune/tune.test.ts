// tuneKernel with a fake boot adapter: the decisions (kept, broke the boot,
// no significant saving, skipped with the requirement), the greedy set-up,
// the clock per knob, the journal and its replay.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';
import { Journal } from '../../../src/minimize/journal.js';
import { readKnobCatalog, type Knob } from '../../../src/tune/catalog.js';
import {
  applyKnob,
  tuneKernel,
  tuneRunKey,
  type TuneBootRequest,
  type TuneBootOutcome,
  type TuneDeps,
  type TuneRequest,
} from '../../../src/tune/tune.js';

const catalog = readKnobCatalog();
const knob = (id: string): Knob => {
  const k = catalog.knobs.find((x) => x.id === id);
  if (!k) throw new Error(`no knob ${id} in configs/knobs.json`);
  return k;
};

/**
 * A fake qemu in numbers: host ms to /init is 1200 plus SeaBIOS's 150 (not
 * with qboot), plus a little alternating noise; the guest (icount) figure is
 * 340 ms, 20 ms less with quiet. PVH on this kernel fails as qemu does
 * without the PVH note; microvm,pit=off hangs.
 */
function fakeBoot(log: TuneBootRequest[]) {
  let n = 0;
  return async (r: TuneBootRequest): Promise<TuneBootOutcome> => {
    log.push(r);
    n++;
    if (r.loader === 'pvh')
      return {
        ok: false,
        ending: 'exit',
        detail: 'qemu exited (1) before the end marker: Error loading uncompressed kernel without PVH ELF Note',
      };
    if (r.machine?.includes('pit=off')) return { ok: false, ending: 'timeout', detail: 'no end marker within 30 s' };
    if (r.metric === 'host-cpu') {
      const noise = n % 2 ? 12 : -12;
      return { ok: true, valueMs: 1200 + (r.bios?.endsWith('qboot.rom') ? 0 : 150) + noise, wallMs: 1500, accel: 'tcg' };
    }
    return { ok: true, valueMs: 340 - (r.append.split(' ').includes('quiet') ? 20 : 0), wallMs: 9000, accel: 'tcg' };
  };
}

function deps(log: TuneBootRequest[], extra: Partial<TuneDeps> = {}): TuneDeps {
  return { boot: fakeBoot(log), accel: 'tcg', fileExists: () => true, vmlinuxFor: () => '/b/vmlinux', ...extra };
}

const base: Omit<TuneRequest, 'knobs'> = {
  kernel: '/b/arch/x86/boot/bzImage',
  metric: 'icount',
  hostMetric: 'host-cpu',
  minSavingMs: 5,
  maxRuns: 4,
};

describe('tuneKernel', () => {
  it('keeps a knob that helps, rejects one that breaks the boot and one that changes nothing', async () => {
    const log: TuneBootRequest[] = [];
    const r = await tuneKernel(
      { ...base, knobs: [knob('firmware=qboot'), knob('loader=pvh'), knob('cmdline:tsc.reliable=1'), knob('cmdline:quiet')] },
      deps(log),
    );
    expect(r.knobs.map((k) => [k.id, k.decision, k.metric])).toEqual([
      ['firmware=qboot', 'kept', 'host-cpu'],
      ['loader=pvh', 'broke-boot', 'host-cpu'],
      ['cmdline:tsc.reliable=1', 'no-saving', 'icount'],
      ['cmdline:quiet', 'kept', 'icount'],
    ]);
    const qboot = r.knobs[0];
    expect(qboot.savingMs).toBeCloseTo(150, 0);
    expect(qboot.ci![0]).toBeGreaterThan(0);
    expect(r.knobs[1].why).toBe(
      'broke the boot (exit): qemu exited (1) before the end marker: Error loading uncompressed kernel without PVH ELF Note',
    );
    expect(r.knobs[2].savingMs).toBe(0);
    expect(r.knobs[3].savingMs).toBe(20);
    // Host knobs: 2 baseline + 2 trial boots decide 150 ms against ±12 ms; icount: one boot per side.
    expect(r.knobs[0].runs).toEqual({ baseline: 2, trial: 2 });
    expect(r.knobs[2].runs).toEqual({ baseline: 1, trial: 1 });
    // The PVH trial ran on top of qboot (greedy), with the vmlinux.
    const pvh = log.find((b) => b.loader === 'pvh')!;
    expect(pvh).toMatchObject({ kernel: '/b/vmlinux', bios: '/usr/share/qemu/qboot.rom', metric: 'host-cpu' });
    expect(r.final).toMatchObject({
      bios: '/usr/share/qemu/qboot.rom',
      loader: 'bzimage',
      append: 'loglevel=6 quiet',
      kept: ['firmware=qboot', 'cmdline:quiet'],
    });
    expect(r.recommended.kernelCmdline).toBe('console=ttyS0 panic=-1 loglevel=6 quiet');
    expect(r.recommended.qemuArgv).toEqual(expect.arrayContaining(['-bios', '/usr/share/qemu/qboot.rom', '-initrd', 'INITRD']));
    expect(r.boots).toBe(log.length);
    // The kept qboot trial boots became the next host baseline: no extra baseline boot before PVH.
    expect(log.filter((b) => b.label.startsWith('baseline-host-cpu'))).toHaveLength(2);
  });

  it('skips a knob whose config requirement is off, naming the symbol that would enable it, without booting', async () => {
    const log: TuneBootRequest[] = [];
    const config = parseDotConfig('CONFIG_X86_TSC=y\n# CONFIG_PVH is not set\n', 'tiny/.config');
    const r = await tuneKernel({ ...base, config, knobs: [knob('loader=pvh'), knob('cmdline:cryptomgr.notests')] }, deps(log));
    expect(log).toEqual([]);
    expect(r.knobs.map((k) => [k.decision, k.why, k.enable])).toEqual([
      [
        'skipped',
        'requirement off: needs CONFIG_PVH=y (not set in tiny/.config)',
        'CONFIG_HYPERVISOR_GUEST=y CONFIG_PVH=y (PVH sits under HYPERVISOR_GUEST)',
      ],
      [
        'skipped',
        'requirement off: needs CONFIG_CRYPTO_MANAGER=y (not set in tiny/.config)',
        'CONFIG_CRYPTO_MANAGER=y with its self-tests built (CONFIG_CRYPTO_MANAGER_DISABLE_TESTS off)',
      ],
    ]);
    const off = parseDotConfig('CONFIG_CRYPTO_MANAGER=y\nCONFIG_CRYPTO_MANAGER_DISABLE_TESTS=y\n', 'd/.config');
    const r2 = await tuneKernel({ ...base, config: off, knobs: [knob('cmdline:cryptomgr.notests')] }, deps(log));
    expect(r2.knobs[0].why).toBe('requirement off: has nothing to do with CONFIG_CRYPTO_MANAGER_DISABLE_TESTS=y (d/.config)');
    expect(log).toEqual([]);
  });

  it('skips for the host: no KVM, another machine type, a missing firmware file, no vmlinux, already set', async () => {
    const log: TuneBootRequest[] = [];
    const r = await tuneKernel(
      {
        ...base,
        append: 'quiet',
        knobs: [
          knob('machine=microvm-legacy-free'),
          knob('firmware=bios-microvm'),
          knob('firmware=qboot'),
          knob('loader=pvh'),
          knob('cmdline:quiet'),
          knob('smp=1'),
        ],
      },
      deps(log, { fileExists: (p) => !p.endsWith('qboot.rom'), vmlinuxFor: () => undefined }),
    );
    expect(r.knobs.map((k) => k.why)).toEqual([
      'needs KVM (qemu runs under TCG here)',
      'needs machine microvm (the set-up has pc)',
      '/usr/share/qemu/qboot.rom not found (Debian: qemu-system-data)',
      'no vmlinux beside the bzImage (PVH boots the ELF vmlinux of the same O= build)',
      'already on the command line (quiet)',
      'already the set-up (-smp 1)',
    ]);
    expect(log).toEqual([]);
  });

  it('judges a hanging trial as broken, with a timeout from the baseline instead of the full one', async () => {
    const log: TuneBootRequest[] = [];
    const r = await tuneKernel(
      { ...base, timeoutS: 120, knobs: [knob('firmware=qboot'), knob('machine=microvm-legacy-free')] },
      deps(log, { accel: 'kvm' }),
    );
    expect(r.knobs[1]).toMatchObject({ decision: 'broke-boot', ending: 'timeout', note: 'drops firmware=qboot (for pc/q35 only)' });
    const trial = log.find((b) => b.machine?.includes('pit=off'))!;
    expect(trial.timeoutS).toBe(30);
    expect(trial.bios).toBeUndefined(); // qboot.rom is not microvm's firmware
    expect(log[0].timeoutS).toBe(120);
  });

  it('retries a boot that fails once (a busy host: the timer check panics) and counts it as a flake', async () => {
    const log: TuneBootRequest[] = [];
    const inner = fakeBoot(log);
    let panicked = false;
    const flaky = async (r: TuneBootRequest): Promise<TuneBootOutcome> => {
      if (r.bios && !panicked) {
        panicked = true;
        log.push(r);
        return { ok: false, ending: 'panic', detail: "Kernel panic - not syncing: IO-APIC + timer doesn't work!" };
      }
      return inner(r);
    };
    const r = await tuneKernel({ ...base, knobs: [knob('firmware=qboot'), knob('loader=pvh')] }, deps(log, { boot: flaky }));
    expect(r.knobs.map((k) => k.decision)).toEqual(['kept', 'broke-boot']);
    expect(r.knobs[0].note).toBe(
      "a trial boot failed once (panic: Kernel panic - not syncing: IO-APIC + timer doesn't work!) and its retry booted: counted as the host's flake",
    );
    expect(r.flakes).toEqual(["firmware=qboot: panic: Kernel panic - not syncing: IO-APIC + timer doesn't work!"]);
    expect(log.map((b) => b.label)).toContain('firmware=qboot-1-retry');
    // qemu refusing the image is not the host's doing: no retry.
    expect(log.filter((b) => b.loader === 'pvh')).toHaveLength(1);
  });

  it('judges host-clock knobs on --host-metric (wall time on request), never on a guest clock', async () => {
    const log: TuneBootRequest[] = [];
    const r = await tuneKernel({ ...base, hostMetric: 'host', knobs: [knob('memory=128')] }, deps(log));
    expect(r.knobs[0].metric).toBe('host');
    expect(new Set(log.map((b) => b.metric))).toEqual(new Set(['host']));
    await expect(tuneKernel({ ...base, hostMetric: 'icount', knobs: [knob('memory=128')] }, deps(log))).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringContaining('--host-metric icount is a guest clock'),
    });
  });

  it('throws a BootError when the starting set-up does not boot', async () => {
    await expect(
      tuneKernel(
        { ...base, knobs: [knob('firmware=qboot')] },
        deps([], { boot: async () => ({ ok: false, ending: 'panic', detail: 'Kernel panic' }) }),
      ),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('the starting set-up (no knob) did not boot (panic: Kernel panic)'),
    });
  });

  it('stops a noisy knob at --max-runs as no significant saving', async () => {
    const log: TuneBootRequest[] = [];
    let n = 0;
    const noisy = async (r: TuneBootRequest): Promise<TuneBootOutcome> => {
      log.push(r);
      return { ok: true, valueMs: 1200 + [0, 300, 40, 250, 100, 280][n++ % 6], wallMs: 1500, accel: 'tcg' };
    };
    const r = await tuneKernel({ ...base, maxRuns: 3, knobs: [knob('memory=128')] }, deps(log, { boot: noisy }));
    expect(r.knobs[0].decision).toBe('no-saving');
    expect(r.knobs[0].runs).toEqual({ baseline: 3, trial: 3 });
    expect(log).toHaveLength(6);
  });

  it('journals boots and decisions, and a resumed run replays the decisions without booting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ktrim-tune-'));
    const req: TuneRequest = { ...base, knobs: [knob('firmware=qboot'), knob('cmdline:quiet')] };
    const j = await Journal.open(dir, { runKey: tuneRunKey(req), resume: false });
    const log: TuneBootRequest[] = [];
    const first = await tuneKernel(req, deps(log, { journal: j }));
    const types = j.records().map((x) => x.type);
    expect(types.filter((t) => t === 'tune-decision')).toHaveLength(2);
    expect(types.filter((t) => t === 'tune-boot')).toHaveLength(log.length);
    const again = await Journal.open(dir, { runKey: tuneRunKey(req), resume: true });
    const log2: TuneBootRequest[] = [];
    const second = await tuneKernel(req, deps(log2, { journal: again }));
    expect(log2).toEqual([]);
    expect(second.replayed).toBe(2);
    expect(second.knobs).toEqual(first.knobs);
    expect(second.final).toEqual(first.final);
  });
});

describe('applyKnob', () => {
  it('appends parameters, and microvm drops a pc-only firmware', () => {
    const s = { kernel: '/k', loader: 'bzimage' as const, smp: 1, memoryMb: 256, append: 'loglevel=6', kept: [] };
    const withQboot = applyKnob(s, knob('firmware=qboot'), { knobs: catalog.knobs }).setup;
    expect(applyKnob(withQboot, knob('cmdline:quiet'), { knobs: catalog.knobs }).setup.append).toBe('loglevel=6 quiet');
    const micro = applyKnob(withQboot, knob('machine=microvm'), { knobs: catalog.knobs });
    expect(micro.setup).toMatchObject({ machine: 'microvm', kept: ['machine=microvm'] });
    expect(micro.setup.bios).toBeUndefined();
    expect(micro.note).toBe('drops firmware=qboot (for pc/q35 only)');
  });
});
