// ktrim's Kconfig engine against the kernel's own C tool, side by side on the
// same inputs: for Debian's linux-source-6.1 and 6.12, `make olddefconfig`
// (the real conf) and ktrim's olddefconfig + writeConfig run on allnoconfig,
// tinyconfig, defconfig, defconfig + kvm_guest.config, Debian's distro config
// of the version and of the other version, and 24 seeded randconfigs. The
// inputs come from the C tool and are cached; both sides run every time.
// Also: `ktrim diff` against the kernel's python3 scripts/diffconfig on real
// config pairs.
import { describe, it, expect, beforeAll } from '@jest/globals';
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDebianSource } from '../../src/build/source.js';
import { parseDotConfig } from '../../src/kconfig/dotconfig.js';
import { diffConfigs, formatDiffconfig, formatDiffconfigMerge } from '../../src/kconfig/diffconfig.js';
import {
  formatParityLine,
  parityTree,
  prepareParityInputs,
  runParity,
  type ParityInput,
  type ParityResult,
} from '../../src/kconfig/parity.js';
import { loadKconfig } from '../../src/kconfig/tree.js';
import { olddefconfig } from '../../src/kconfig/eval.js';
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
    it(`${series}: ktrim writes the same .config as the C tool on every input`, async () => {
      const { src, inputs } = inputsBySeries.get(series)!;
      expect(inputs.length).toBeGreaterThanOrEqual(30);
      expect(inputs.filter((i) => i.kind === 'randconfig').length).toBeGreaterThanOrEqual(20);
      const tree = parityTree(series, src);
      const t0 = Date.now();
      const ktree = await loadKconfig({ srctree: src, arch: 'x86_64' });
      const parseMs = Date.now() - t0;
      const results: ParityResult[] = await runParity(tree, inputs, (text, input) =>
        writeConfig(olddefconfig(ktree, parseDotConfig(text, input.path, { strict: false }))),
      );
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
    }, 20 * 60_000);
  }
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
