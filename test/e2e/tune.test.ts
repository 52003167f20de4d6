// `ktrim tune` for real: the tiny serial kernel, real qemu, through the built
// CLI. Knobs: qboot instead of SeaBIOS (helps), the PVH loader on a kernel
// without CONFIG_PVH (qemu refuses the vmlinux: breaks the boot) and
// tsc.reliable=1 on one vCPU (changes nothing). All three on deterministic
// clocks, one boot per side: firmware on icount-total (the guest's TSC at
// /init under -icount counts from machine start), the command line on icount.
// The wall clock saw qboot save 100-190 ms here, but in CI once nothing
// significant in 8+8 boots: a test must not hang on the host's load. The
// journal replays the decisions. microvm boots, and the runner must stop it
// at the marker although it ignores -no-reboot. Then the same kernel with its
// .config: knobs whose requirement is off are skipped, no boot. And every
// symbol the catalog requires exists in the real 6.1 tree.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadKernelKconfig } from '../../src/build/kconfig-host.js';
import { ensureDebianSource } from '../../src/build/source.js';
import { findSymbol } from '../../src/kconfig/symbol.js';
import { readKnobCatalog, requiredSymbols } from '../../src/tune/catalog.js';
import type { TuneResult } from '../../src/tune/tune.js';
import { createLogger } from '../../src/ui/log.js';
import { tinyKernel, TINY_KERNEL_TIMEOUT_MS } from './helpers/tiny-kernel.js';

const ktrim = (args: string[]) => execa(process.execPath, ['bin/ktrim', ...args], { reject: false, env: { NO_COLOR: '1' } });

let kernel: string;
const work = mkdtempSync(join(tmpdir(), 'ktrim-e2e-tune-'));

beforeAll(async () => {
  kernel = (await tinyKernel()).bzImage;
}, TINY_KERNEL_TIMEOUT_MS);

describe('ktrim tune on the tiny kernel', () => {
  const out = join(work, 'out');
  const args = [
    'tune',
    '--kernel',
    '', // set in the test: the kernel is built in beforeAll
    '--no-config', // requirements unchecked: the PVH knob is tried (and breaks)
    ...['--knob', 'firmware=qboot', '--knob', 'loader=pvh', '--knob', 'cmdline:tsc.reliable=1'],
    ...['--metric', 'icount', '--host-metric', 'icount-total', '--max-runs', '8', '--min-saving-ms', '5', '--out', out, '--json'],
  ];

  it(
    'keeps qboot, rejects the PVH loader as breaking the boot and tsc.reliable=1 as no saving',
    async () => {
      args[2] = kernel;
      const r = await ktrim(args);
      expect(r.stderr).not.toMatch(/^E:/m);
      expect(r.exitCode).toBe(0);
      const res = JSON.parse(r.stdout) as TuneResult;
      const by = Object.fromEntries(res.knobs.map((k) => [k.id, k]));
      expect(res.knobs.map((k) => k.id)).toEqual(['firmware=qboot', 'loader=pvh', 'cmdline:tsc.reliable=1']);

      // Helps: SeaBIOS's POST runs ~14 M guest instructions that qboot skips (965.1 -> 951.4 ms from machine start
      // to /init, 2+2 boots, ±8 µs); the instruction count weighs emulated devices less than the wall clock does.
      expect(by['firmware=qboot']).toMatchObject({ decision: 'kept', metric: 'icount-total', runs: { baseline: 1, trial: 1 } });
      expect(by['firmware=qboot'].savingMs).toBeGreaterThanOrEqual(5);
      expect(by['firmware=qboot'].savingMs).toBeLessThan(100);

      // Breaks: the tiny kernel's vmlinux has no PVH ELF note; qemu says so and exits.
      expect(by['loader=pvh']).toMatchObject({ decision: 'broke-boot', ending: 'exit', metric: 'icount-total' });
      expect(by['loader=pvh'].why).toMatch(/Error loading uncompressed kernel without PVH ELF Note/);

      // Changes nothing: one vCPU has no TSC to sync; icount is deterministic, one boot per side.
      expect(by['cmdline:tsc.reliable=1']).toMatchObject({ decision: 'no-saving', metric: 'icount', runs: { baseline: 1, trial: 1 } });
      expect(Math.abs(by['cmdline:tsc.reliable=1'].savingMs!)).toBeLessThan(5);

      expect(res.final).toMatchObject({ bios: '/usr/share/qemu/qboot.rom', loader: 'bzimage', kept: ['firmware=qboot'] });
      expect(res.recommended.kernelCmdline).toBe('console=ttyS0 panic=-1 loglevel=6');
      expect(res.recommended.qemuArgv).toEqual(expect.arrayContaining(['-bios', '/usr/share/qemu/qboot.rom', '-kernel', kernel]));
      const md = readFileSync(join(out, 'tune.md'), 'utf8');
      expect(md).toContain('| loader=pvh | `-kernel vmlinux (PVH entry)` | icount-total | rejected: broke the boot |');
      expect(md).toContain('| cmdline:tsc.reliable=1 | `tsc.reliable=1` | icount | rejected: no significant saving |');
      expect(JSON.parse(readFileSync(join(out, 'tune.json'), 'utf8'))).toEqual(res);
      process.stderr.write(
        `tune e2e: ${res.knobs.map((k) => `${k.id} ${k.decision} ${k.savingMs?.toFixed(1) ?? '-'} ms [${k.ci?.map((x) => x.toFixed(1)).join(', ') ?? '-'}] ${k.runs ? `${k.runs.baseline}+${k.runs.trial}` : ''}`).join('; ')}; ${res.boots} boots\n`,
      );
    },
    8 * 60 * 1000,
  );

  it('resumes from the journal: the same decisions, no boot', async () => {
    const first = JSON.parse(readFileSync(join(out, 'tune.json'), 'utf8')) as TuneResult;
    const again = await ktrim(args);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/^E: .*journal\.jsonl: holds the journal of this same run: pass --resume/m);
    const r = await ktrim([...args, '--resume']);
    expect(r.exitCode).toBe(0);
    const res = JSON.parse(r.stdout) as TuneResult;
    expect(res).toMatchObject({ boots: 0, replayed: 3 });
    expect(res.knobs).toEqual(first.knobs);
    expect(r.stderr).not.toMatch(/^I: \$ qemu-system/m); // no qemu started
  });

  it(
    'stops microvm at the marker although it ignores -no-reboot (`reboot -f` restarts the guest)',
    async () => {
      const out2 = join(work, 'microvm');
      const r = await ktrim(['tune', '--kernel', kernel, '--knob', 'machine=microvm', '--max-runs', '1', '--out', out2, '--json']);
      expect(r.exitCode).toBe(0);
      const res = JSON.parse(r.stdout) as TuneResult;
      // The initramfs needs no device, so a kernel without virtio-mmio boots on microvm; one boot per side decides nothing on the host clock.
      expect(res.knobs[0]).toMatchObject({ id: 'machine=microvm', decision: 'no-saving', runs: { baseline: 1, trial: 1 } });
      const log = readFileSync(join(out2, 'boots', 'machine=microvm-1.console.ts.log'), 'utf8');
      expect(log).toMatch(/^# qemu-start .*"-machine" "microvm"/m);
      expect(log).toMatch(/^# qemu-exit \S+ ending=marker /m);
      expect(log.match(/KTRIM-MARKER end/g)).toHaveLength(1);
    },
    4 * 60 * 1000,
  );

  it('with the .config beside the bzImage, skips the knobs whose requirement is off, naming the symbol, without booting', async () => {
    const r = await ktrim([
      'tune',
      '--kernel',
      kernel,
      ...['--knob', 'loader=pvh', '--knob', 'cmdline:cryptomgr.notests', '--knob', 'machine=microvm-legacy-free', '--json'],
    ]);
    expect(r.exitCode).toBe(0);
    const res = JSON.parse(r.stdout) as TuneResult;
    expect(res.boots).toBe(0);
    expect(res.configChecked).toBe(true);
    expect(res.knobs.map((k) => [k.decision, k.why.replace(/ in \/\S+\/\.config\)/, ' in .config)'), k.enable])).toEqual([
      [
        'skipped',
        'requirement off: needs CONFIG_PVH=y (not set in .config)',
        'CONFIG_HYPERVISOR_GUEST=y CONFIG_PVH=y (PVH sits under HYPERVISOR_GUEST)',
      ],
      [
        'skipped',
        'requirement off: needs CONFIG_CRYPTO_MANAGER=y (not set in .config)',
        'CONFIG_CRYPTO_MANAGER=y with its self-tests built (CONFIG_CRYPTO_MANAGER_DISABLE_TESTS off)',
      ],
      [
        'skipped',
        'requirement off: needs CONFIG_KVM_GUEST=y (not set in .config)',
        'CONFIG_HYPERVISOR_GUEST=y CONFIG_PARAVIRT=y CONFIG_KVM_GUEST=y, and a host with KVM',
      ],
    ]);
    expect(r.stderr).not.toMatch(/qemu-system/);
  });
});

describe('ktrim tune: bad input is one E: line, before any boot', () => {
  const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('E:'));

  it('names an unknown --knob and the catalog', async () => {
    const r = await ktrim(['tune', '--kernel', kernel, '--knob', 'firmware=ovmf']);
    expect(r.exitCode).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      expect.stringMatching(/^E: \/\S+\/configs\/knobs\.json: --knob firmware=ovmf: no such knob \(known: firmware=qboot, /),
    ]);
    expect(r.stderr).not.toMatch(/qemu-system/);
  });

  it('names the file and line of a broken knobs file, and refuses the vmlinux as --kernel', async () => {
    const bad = join(work, 'knobs.json');
    writeFileSync(
      bad,
      '{\n  "knobs": [\n    { "id": "m", "kind": "machine", "set": { "machine": "q35" }, "clock": "wall", "saves": "s", "risks": "r" }\n  ]\n}\n',
    );
    const r = await ktrim(['tune', '--kernel', kernel, '--knobs', bad]);
    expect(r.exitCode).toBe(1);
    expect(errorLines(r.stderr)).toEqual([`E: ${bad}:3: knob "m": "clock" must be "host" or "guest"`]);
    const vmlinux = join(dirname(kernel), '..', '..', '..', 'vmlinux');
    const v = await ktrim(['tune', '--kernel', vmlinux]);
    expect(v.exitCode).toBe(1);
    expect(errorLines(v.stderr)).toEqual([
      `E: ${vmlinux}: pass the bzImage (arch/x86/boot/bzImage): the PVH loader is a knob, tried with the vmlinux beside it`,
    ]);
  });
});

describe('configs/knobs.json against Debian linux-source-6.1', () => {
  it('names only real bool/tristate symbols in its requirements', async () => {
    const source = await ensureDebianSource('6.1', { logger: createLogger({ quiet: !process.env.KTRIM_TEST_VERBOSE }) });
    const tree = loadKernelKconfig({ srctree: source, arch: 'x86_64' });
    const required = requiredSymbols(readKnobCatalog());
    const missing = required.filter((r) => {
      const sym = findSymbol(tree, r.symbol);
      return !sym || sym.isConst || !['bool', 'tristate'].includes(sym.type);
    });
    expect(missing).toEqual([]);
    expect(required).toHaveLength(8);
  }, 120_000);
});
