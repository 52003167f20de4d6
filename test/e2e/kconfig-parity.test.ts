// ktrim's Kconfig engine against the kernel's own C tool, side by side on the
// same inputs: for Debian's linux-source-6.1 and 6.12, `make olddefconfig`
// (the real conf) and ktrim's olddefconfig + writeConfig run on allnoconfig,
// tinyconfig, defconfig, defconfig + kvm_guest.config, Debian's distro config
// of the version and of the other version, and 24 seeded randconfigs. The
// inputs come from the C tool and are cached; both sides run every time,
// except in the ARCH checks, whose C outputs are cached per source id, input,
// ARCH and toolchain (helpers/parity.ts cachedCOlddefconfig).
// Also: `ktrim diff` against the kernel's python3 scripts/diffconfig on real
// config pairs.
import { describe, it, expect, beforeAll } from '@jest/globals';
import { execa } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDebianSource } from '../../src/build/source.js';
import { parseDotConfig } from '../../src/kconfig/dotconfig.js';
import { diffConfigs, formatDiffconfig, formatDiffconfigMerge } from '../../src/kconfig/diffconfig.js';
import { offFragment, planOff } from '../../src/kconfig/explain.js';
import {
  cachedCOlddefconfig,
  cOlddefconfig,
  formatParityLine,
  parityTree,
  prepareArchInputs,
  prepareParityInputs,
  ktrimConfWarnings,
  runParity,
  sameWarnings,
  type ParityInput,
  type ParityResult,
} from './helpers/parity.js';
import { loadKernelKconfig } from '../../src/build/kconfig-host.js';
import { olddefconfig } from '../../src/kconfig/confdata.js';
import { writeConfig } from '../../src/kconfig/write.js';
import { createLogger } from '../../src/ui/log.js';

const logger = createLogger({ quiet: !process.env.KTRIM_TEST_VERBOSE });
const SERIES = [
  ['6.1', '6.12'],
  ['6.12', '6.1'],
] as const;

const inputsBySeries = new Map<string, { src: string; inputs: ParityInput[] }>();

beforeAll(async () => {
  for (const [series, other] of SERIES) {
    const src = await ensureDebianSource(series, { logger });
    const tree = parityTree(series, src);
    inputsBySeries.set(series, { src, inputs: await prepareParityInputs(tree, other, { logger }) });
  }
}, 30 * 60_000);

describe('olddefconfig parity with scripts/kconfig/conf', () => {
  for (const [series] of SERIES) {
    it(
      `${series}: ktrim writes the same .config as the C tool on every input`,
      async () => {
        const { src, inputs } = inputsBySeries.get(series)!;
        expect(inputs.length).toBeGreaterThanOrEqual(30);
        expect(inputs.filter((i) => i.kind === 'randconfig').length).toBeGreaterThanOrEqual(20);
        const tree = parityTree(series, src);
        const t0 = Date.now();
        const ktree = loadKernelKconfig({ srctree: src, arch: 'x86_64' });
        const parseMs = Date.now() - t0;
        const results: ParityResult[] = await runParity(tree, inputs, (text, input) => {
          const config = parseDotConfig(text, input.path, { strict: false });
          const state = olddefconfig(ktree, config);
          return { text: writeConfig(state), warnings: ktrimConfWarnings(state, config) };
        });
        const lines = results.map(formatParityLine);
        const compared = results.reduce((s, r) => s + r.compared, 0);
        const differing = results.reduce((s, r) => s + r.differing.length, 0);
        const bytesDiffer = results.filter((r) => !r.bytesIdentical).length;
        process.stdout.write(
          `kconfig parity ${series} (ktrim parse ${parseMs} ms):\n  ${lines.join('\n  ')}\n` +
            `  total: ${results.length} inputs, ${compared} symbols compared, ${differing} differing, ${bytesDiffer} files not byte-identical\n`,
        );
        // Real outputs: thousands of symbols each (allnoconfig ~1400 lines, distro ~10000).
        expect(results.find((r) => r.input.startsWith('debian-'))!.compared).toBeGreaterThan(5000);
        expect(compared).toBeGreaterThan(100_000);
        expect(results.filter((r) => r.differing.length > 0).map(formatParityLine)).toEqual([]);
        expect(results.filter((r) => !r.bytesIdentical).map(formatParityLine)).toEqual([]);
        // The same warnings as conf with KCONFIG_WARN_UNKNOWN_SYMBOLS=1 (unknown symbols, bad values, overrides).
        expect(results.find((r) => r.input === 'derived-defconfig-bad-values')!.cWarnings.length).toBeGreaterThan(5);
        expect(results.filter((r) => !sameWarnings(r)).map((r) => ({ input: r.input, c: r.cWarnings, ktrim: r.ktrimWarnings }))).toEqual(
          [],
        );
      },
      20 * 60_000,
    );
  }
});

describe('ARCH as make sets it: plain make (SUBARCH x86) and ARCH=x86_64 on 32-bit and 64-bit inputs', () => {
  for (const [series] of SERIES) {
    it(
      `${series}: plain make randconfigs and i386 defconfig, evaluated with ARCH unset and with ARCH=x86_64`,
      async () => {
        const { src } = inputsBySeries.get(series)!;
        const inputs = await prepareArchInputs(parityTree(series, src), { logger });
        // 32-bit as written under ARCH=x86 (64BIT's prompt visible, answered n). ARCH=i386 defconfig has no 64BIT
        // line at all (no prompt there), so under plain make it goes 64-bit by default: make does that too.
        const bits = async (i: ParityInput) => (/^# CONFIG_64BIT is not set$/m.test(await readFile(i.path, 'utf8')) ? 32 : 64);
        const widths = await Promise.all(inputs.map(bits));
        // Plain make randconfig on x86 picks 64BIT at random: both widths must be among the inputs.
        expect(widths).toContain(32);
        expect(widths).toContain(64);
        const noArchEnv = { ...process.env, ARCH: undefined, SRCARCH: undefined, CROSS_COMPILE: undefined, LLVM: undefined };
        for (const arch of ['', 'x86_64']) {
          const tree = parityTree(series, src, { arch });
          const ktree = loadKernelKconfig({ srctree: src, ...(arch ? { arch } : {}), env: noArchEnv });
          expect(ktree.env.ARCH).toBe(arch || 'x86');
          const written = new Map<string, string>();
          const results = await runParity(
            tree,
            inputs,
            (text, input) => {
              const config = parseDotConfig(text, input.path, { strict: false });
              const state = olddefconfig(ktree, config);
              written.set(input.name, writeConfig(state));
              return { text: written.get(input.name)!, warnings: ktrimConfWarnings(state, config) };
            },
            { cacheC: true },
          );
          const is32 = (text: string) => /^# CONFIG_64BIT is not set$/m.test(text) && /^CONFIG_X86_32=y$/m.test(text);
          const kept32 = inputs.filter((inp, i) => widths[i] === 32 && is32(written.get(inp.name)!)).length;
          process.stdout.write(
            `kconfig ARCH parity ${series} ${arch ? `ARCH=${arch}` : 'ARCH unset (SUBARCH x86)'}: ${widths.filter((w) => w === 32).length} of ${inputs.length} inputs 32-bit, ` +
              `${kept32} stay 32-bit\n  ${results.map(formatParityLine).join('\n  ')}\n`,
          );
          expect(results.filter((r) => r.differing.length > 0 || !r.bytesIdentical).map(formatParityLine)).toEqual([]);
          expect(results.filter((r) => !sameWarnings(r)).map((r) => ({ input: r.input, c: r.cWarnings, ktrim: r.ktrimWarnings }))).toEqual(
            [],
          );
          // ARCH=x86 keeps a 32-bit config 32-bit; ARCH=x86_64 forces 64BIT=y, as make does.
          expect(kept32).toBe(arch ? 0 : widths.filter((w) => w === 32).length);
        }
      },
      40 * 60_000,
    );
  }

  it(
    'a 32-bit config survives `ktrim kconfig olddefconfig` (ARCH unset) exactly as it survives `make olddefconfig`',
    async () => {
      const { src } = inputsBySeries.get('6.1')!;
      const tree = parityTree('6.1', src, { arch: '' });
      const inputs = await prepareArchInputs(tree, { logger });
      const texts = await Promise.all(inputs.map((i) => readFile(i.path, 'utf8')));
      const input32 = inputs[texts.findIndex((t) => /^# CONFIG_64BIT is not set$/m.test(t))];
      const out = join(process.env.TMPDIR ?? '/tmp', `ktrim-arch-e2e-${process.pid}.config`);
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(ARCH|SRCARCH|CROSS_COMPILE|LLVM)$/.test(k)) env[k] = v;
      const r = await execa('node', ['bin/ktrim', 'kconfig', 'olddefconfig', '--source', src, '--config', input32.path, '-o', out], {
        env,
        extendEnv: false,
        reject: false,
      });
      expect(r.exitCode).toBe(0);
      const ours = await readFile(out, 'utf8');
      expect(ours).toMatch(/^# CONFIG_64BIT is not set$/m);
      expect(ours).toMatch(/^CONFIG_X86_32=y$/m);
      expect(ours).toBe((await cachedCOlddefconfig(tree, input32.path, 0)).text);
    },
    15 * 60_000,
  );
});

describe('ktrim diff against python3 scripts/diffconfig', () => {
  it('prints exactly what the kernel script prints on real config pairs', async () => {
    const { src, inputs } = inputsBySeries.get('6.1')!;
    const path = (name: string) => inputs.find((i) => i.name === name)!.path;
    const pairs: [string, string][] = [
      [path('defconfig'), path('debian-6.1')],
      [path('allnoconfig'), path('tinyconfig')],
      [path('debian-6.12'), path('debian-6.1')],
      [inputs.filter((i) => i.kind === 'randconfig')[0].path, inputs.filter((i) => i.kind === 'randconfig')[1].path],
    ];
    let lines = 0;
    for (const [a, b] of pairs) {
      const [ta, tb] = await Promise.all([readFile(a, 'utf8'), readFile(b, 'utf8')]);
      const entries = diffConfigs(parseDotConfig(ta, a), parseDotConfig(tb, b));
      for (const m of [false, true]) {
        const script = await execa('python3', [join(src, 'scripts/diffconfig'), ...(m ? ['-m'] : []), a, b], { stripFinalNewline: false });
        expect(m ? formatDiffconfigMerge(entries) : formatDiffconfig(entries)).toBe(script.stdout);
      }
      // And through the built CLI.
      const cli = await execa('node', ['bin/ktrim', 'diff', a, b], { stripFinalNewline: false });
      expect(cli.stdout).toBe(formatDiffconfig(entries));
      lines += entries.length;
    }
    expect(lines).toBeGreaterThan(1000);
  }, 120_000);
});

describe('ktrim kconfig and diff from the built CLI', () => {
  const F = 'test/fixtures/dotconfig/kconfig-explain';
  const ktrim = (...args: string[]) => execa('node', ['bin/ktrim', ...args], { reject: false, env: { NO_COLOR: '1' } });
  const tmp = () => join(process.env.TMPDIR ?? '/tmp', `ktrim-kconfig-e2e-${process.pid}-${Math.random().toString(36).slice(2)}.config`);

  it('olddefconfig writes what the C conf wrote, warns about unknown and out-of-range values, leaves the input alone', async () => {
    const out = tmp();
    const before = await readFile(join(F, 'input.config'), 'utf8');
    const r = await ktrim('kconfig', 'olddefconfig', '--source', F, '--config', join(F, 'input.config'), '-o', out);
    expect(r.exitCode).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(await readFile(join(F, 'expected-6.1.config'), 'utf8'));
    expect(r.stderr).toContain(`W: ${F}/input.config:11:warning: unknown symbol: UNKNOWN_THING`);
    expect(r.stderr).toContain(`W: ${F}/input.config:9:warning: CONFIG_LOG_SHIFT=30 is out of range; 17 used instead`);
    expect(await readFile(join(F, 'input.config'), 'utf8')).toBe(before);
  });

  it('merges fragments as merge_config.sh does and reports requested values that did not stick', async () => {
    const r = await ktrim(
      'kconfig',
      'olddefconfig',
      '--source',
      F,
      '--config',
      join(F, 'input.config'),
      '-f',
      join(F, 'frag-fast.config'),
      '-o',
      tmp(),
    );
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('W: Value of CONFIG_DRV_A is redefined by fragment');
    expect(r.stderr).toContain(
      'W: value requested for CONFIG_FAST_PATH not in final .config: requested CONFIG_FAST_PATH=y, actual (not written)',
    );
  });

  it('bad input: one E: line naming the file (and line), exit 1', async () => {
    const cases: [string[], string][] = [
      [
        ['kconfig', 'olddefconfig', '--source', '/tmp', '--config', join(F, 'input.config'), '-o', tmp()],
        'E: /tmp: not a kernel source tree',
      ],
      [
        ['kconfig', 'olddefconfig', '--source', F, '--config', 'test/fixtures/dotconfig/bad-noprefix.config', '-o', tmp()],
        'E: test/fixtures/dotconfig/bad-noprefix.config:4: not a config line: "SMP=y"',
      ],
      [
        ['kconfig', 'olddefconfig', '--source', F, '--config', join(F, 'input.config'), '-o', join(F, 'input.config')],
        'input.config: is one of the inputs: refusing to overwrite it (-o)',
      ],
      [
        ['kconfig', 'olddefconfig', '--source', 'test/fixtures/dotconfig/kconfig-syntax', '--config', join(F, 'input.config'), '-o', tmp()],
        'E: Kconfig:5: syntax error',
      ],
      [
        [
          'kconfig',
          'olddefconfig',
          '--source',
          'test/fixtures/dotconfig/kconfig-missing-source',
          '--config',
          join(F, 'input.config'),
          '-o',
          tmp(),
        ],
        `E: Kconfig:6: can't open file "drivers/missing/Kconfig"`,
      ],
      [['kconfig', 'why', 'NOPE', '--source', F, '--config', join(F, 'input.config')], 'E: no symbol NOPE in this Kconfig tree'],
      [['diff', join(F, 'input.config'), 'no-such.config'], 'E: no-such.config: no such file'],
    ];
    for (const [args, msg] of cases) {
      const r = await ktrim(...args);
      expect([r.exitCode, r.stderr.split('\n').filter((l) => l.startsWith('E:')).length]).toEqual([1, 1]);
      expect(r.stderr).toContain(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('why and off, text and --json', async () => {
    const why = await ktrim('kconfig', 'why', 'QUIRKS', '--source', F, '--config', join(F, 'input.config'));
    expect(why.exitCode).toBe(0);
    expect(why.stdout).toContain('default: default y if PCI [= y] (PCI=y) (Kconfig:40)');
    const off = await ktrim('kconfig', 'off', 'CRC_HELPER', '--json', '--source', F, '--config', join(F, 'input.config'));
    expect(off.exitCode).toBe(0);
    const plan = JSON.parse(off.stdout);
    expect(plan.changes.map((c: { name: string }) => c.name)).toEqual(['DRV_A', 'DRV_B', 'DRV_C']);
    expect(plan.blastRadius).toHaveLength(5);
  });

  it('--fragment does what `make kvm_guest.config` does (merge_config.sh -m, then olddefconfig) on the real trees', async () => {
    for (const [series] of SERIES) {
      const { src, inputs } = inputsBySeries.get(series)!;
      const tiny = inputs.find((i) => i.name === 'tinyconfig')!;
      const expected = inputs.find((i) => i.name === 'tinyconfig+kvm_guest')!; // written by make tinyconfig kvm_guest.config
      const out = tmp();
      const r = await ktrim(
        'kconfig',
        'olddefconfig',
        '--source',
        src,
        '--arch',
        'x86_64',
        '--config',
        tiny.path,
        '--fragment',
        join(src, 'kernel/configs/kvm_guest.config'),
        '-o',
        out,
      );
      expect(r.exitCode).toBe(0);
      expect(await readFile(out, 'utf8')).toBe(await readFile(expected.path, 'utf8'));
      expect(r.stderr).toContain('is redefined by fragment');
    }
  }, 120_000);

  it('olddefconfig on the real 6.1 tree writes what make olddefconfig wrote, bad values included', async () => {
    const { src, inputs } = inputsBySeries.get('6.1')!;
    const input = inputs.find((i) => i.name === 'derived-defconfig-bad-values')!;
    const tree = parityTree('6.1', src);
    // The input ends with a line that is not a config line: the C tool warns, ktrim refuses (file:line).
    const strict = await ktrim('kconfig', 'olddefconfig', '--source', src, '--arch', 'x86_64', '--config', input.path, '-o', tmp());
    expect(strict.exitCode).toBe(1);
    expect(strict.stderr).toMatch(/derived-defconfig-bad-values\.config:\d+: not a config line: "this line is not a config line"/);
    const cleaned = tmp();
    await writeFile(cleaned, (await readFile(input.path, 'utf8')).replace('this line is not a config line\n', ''));
    const out = tmp();
    const r = await ktrim('kconfig', 'olddefconfig', '--source', src, '--arch', 'x86_64', '--config', cleaned, '-o', out);
    expect(r.exitCode).toBe(0);
    const [c] = await runParity(tree, [{ ...input, path: cleaned }], async () => readFile(out, 'utf8'), { jobs: 1 });
    expect(formatParityLine(c)).toMatch(/ 0 differing, bytes identical/);
    expect(r.stderr).toContain('unknown symbol: NOT_A_REAL_SYMBOL');
    expect(r.stderr).toMatch(/symbol value 'm' invalid for SMP; SMP=y used instead/);
  }, 120_000);
});

describe('kconfig off on the real 6.1 tree, checked with the C tool', () => {
  it('the planned changes, applied with make olddefconfig, turn the targets off and give the predicted .config', async () => {
    const { src, inputs } = inputsBySeries.get('6.1')!;
    const tree = parityTree('6.1', src);
    const defconfig = inputs.find((i) => i.name === 'defconfig')!;
    const ktree = loadKernelKconfig({ srctree: src, arch: 'x86_64' });
    const config = parseDotConfig(await readFile(defconfig.path, 'utf8'), defconfig.path);
    // ACPI_VIDEO: visible but selected by DRM_I915; CRC32: selected by 17 symbols, some through promptless ones;
    // PCI_QUIRKS: hidden behind `if EXPERT`.
    for (const targets of [['ACPI_VIDEO'], ['CRC32'], ['PCI_QUIRKS']]) {
      const plan = planOff(ktree, config, targets);
      expect(plan.stuck).toEqual([]);
      const path = join(tree.dir, `off-${targets.join('-')}.config`);
      await writeFile(path, (await readFile(defconfig.path, 'utf8')) + offFragment(plan));
      const c = await cOlddefconfig(tree, path, 0);
      const after = parseDotConfig(c, 'C olddefconfig');
      for (const t of targets) expect(['n', undefined]).toContain(after.values.get(t)?.raw);
      expect(c).toBe(plan.newConfig);
      process.stdout.write(
        `kconfig off ${targets.join(' ')}: ${plan.changes.length} changes (${plan.changes.map((x) => `${x.name}=${x.to}`).join(' ')}), blast radius ${plan.blastRadius.length} symbols; make olddefconfig agrees\n`,
      );
    }
  }, 300_000);
});
