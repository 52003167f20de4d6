/**
 * olddefconfigFrom (incremental re-evaluation) on Debian's real 6.1 and 6.12
 * x86 trees: random 1–3-symbol candidates from the parity inputs must write
 * exactly what a full olddefconfig writes. The sources and inputs are made
 * here if the cache lacks them (the parity test shares them).
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureDebianSource } from '../../src/build/source.js';
import { parseDotConfig, type DotConfig } from '../../src/kconfig/dotconfig.js';
import { applyConfigChanges, olddefconfigFrom } from '../../src/kconfig/incremental.js';
import { olddefconfig } from '../../src/kconfig/confdata.js';
import { type KconfigState } from '../../src/kconfig/value.js';
import { parityTree, prepareParityInputs } from './helpers/parity.js';
import type { KconfigTree, KSymbol } from '../../src/kconfig/symbol.js';
import { loadKernelKconfig } from '../../src/build/kconfig-host.js';
import { writeConfig } from '../../src/kconfig/write.js';
import { createLogger } from '../../src/ui/log.js';
import { describeChanges, fullText } from '../helpers/kconfig-candidates.js';
import { prng } from '../helpers/prng.js';

const logger = createLogger({ quiet: !process.env.KTRIM_TEST_VERBOSE });
const SERIES = [
  ['6.1', '6.12'],
  ['6.12', '6.1'],
] as const;
const prepared = new Map<string, { srcPath: string; inputsDir: string }>();
for (const [series, other] of SERIES) {
  const srcPath = await ensureDebianSource(series, { logger });
  const inputs = await prepareParityInputs(parityTree(series, srcPath), other, { logger });
  prepared.set(series, { srcPath, inputsDir: dirname(inputs[0]!.path) });
}

for (const [series] of SERIES) {
  const { srcPath, inputsDir } = prepared.get(series)!;

  describe(`olddefconfigFrom on Debian linux-source-${series} x86_64`, () => {
    let tree: KconfigTree;
    const load = () => (tree ??= loadKernelKconfig({ srctree: srcPath, arch: 'x86_64' }));
    const readInput = (name: string) => {
      const path = join(inputsDir, name);
      return parseDotConfig(readFileSync(path, 'utf8'), path, { strict: false });
    };

    /** A random candidate: 1–3 changes, mostly bool/tristate flips of symbols that matter in `state`. */
    function randomChanges(rand: () => number, state: KconfigState, pool: KSymbol[], others: KSymbol[]): [string, string | null][] {
      const n = 1 + Math.floor(rand() * rand() * 3.5);
      const out: [string, string | null][] = [];
      for (let i = 0; i < n; i++) {
        const r = rand();
        if (r < 0.04) {
          out.push([`KTRIM_NO_SUCH_${Math.floor(rand() * 3)}`, rand() < 0.5 ? 'y' : null]);
          continue;
        }
        if (r < 0.16) {
          const s = others[Math.floor(rand() * others.length)];
          const vals =
            s.type === 'int'
              ? ['0', '1', '4096', '-1', '99999999', 'x1', null]
              : s.type === 'hex'
                ? ['0x0', '0x1000', '1000', '0xfffffff', 'g', null]
                : ['""', '"ktrim"', '"a\\"b"', 'bare', null];
          out.push([s.name!, vals[Math.floor(rand() * vals.length)]]);
          continue;
        }
        const s = pool[Math.floor(rand() * pool.length)];
        const cur = state.tristate(s);
        const vals: (string | null)[] = cur === 2 ? ['n', 'n', 'm', null] : cur === 1 ? ['n', 'y', null] : ['y', 'm', null];
        out.push([s.name!, vals[Math.floor(rand() * vals.length)]]);
      }
      return out;
    }

    function check(
      inputName: string,
      seed: number,
      count: number,
    ): { compared: number; incremental: number; changedOutput: number; primary: number } {
      const tree = load();
      const input = readInput(inputName);
      const rand = prng(seed);
      const baseText = writeConfig(olddefconfig(tree, input));
      // Bases: the input as given (unsaved changes), and the written result (a settled .config).
      const bases: [DotConfig, string][] = [
        [input, readFileSync(join(inputsDir, inputName), 'utf8')],
        [parseDotConfig(baseText, 'settled'), baseText],
      ];
      let compared = 0;
      let incremental = 0;
      let changedOutput = 0;
      for (const [base] of bases) {
        const state = olddefconfig(tree, base);
        const text0 = writeConfig(state);
        const syms = [...tree.byName.values()].filter((s) => s.menus.length > 0);
        const pool = syms.filter(
          (s) => (s.type === 'bool' || s.type === 'tristate') && (state.visibility(s) !== 0 || state.hasUserValue(s)),
        );
        const others = syms.filter((s) => s.type === 'int' || s.type === 'hex' || s.type === 'string');
        for (let i = 0; i < count; i++) {
          const changes = randomChanges(rand, state, pool, others);
          const got = olddefconfigFrom(state, changes);
          const text = writeConfig(got);
          const want = fullText(tree, base, changes);
          if (text !== want) throw new Error(`${inputName} seed ${seed} #${i}: ${describeChanges(changes)}: incremental output differs`);
          compared++;
          if (got.incremental) incremental++;
          if (text !== text0) changedOutput++;
          // The candidate as a whole .config: the base text with lines appended (later lines win).
          const appended = changes.filter(([, v]) => v !== null);
          if (appended.length) {
            const candText = text + appended.map(([k, v]) => (v === 'n' ? `# CONFIG_${k} is not set\n` : `CONFIG_${k}=${v}\n`)).join('');
            const cand = parseDotConfig(candText, 'candidate', { strict: false });
            const got3 = olddefconfigFrom(state, cand);
            if (writeConfig(got3) !== writeConfig(olddefconfig(tree, cand)))
              throw new Error(`${inputName} seed ${seed} #${i}: ${describeChanges(appended)} appended to the .config: differs`);
            compared++;
            if (got3.incremental) incremental++;
          }
          // Chained: a candidate of the candidate (the minimize loop keeps accepted ones as the new base).
          if (i % 5 === 0) {
            const more = randomChanges(rand, got, pool, others);
            const got2 = olddefconfigFrom(got, more);
            const want2 = fullText(tree, applyConfigChanges(base, changes), more);
            if (writeConfig(got2) !== want2)
              throw new Error(
                `${inputName} seed ${seed} #${i} chained: ${describeChanges(changes)} then ${describeChanges(more)}: differs`,
              );
            compared++;
          }
        }
      }
      return { compared, incremental, changedOutput, primary: bases.length * count };
    }

    it('defconfig: random 1–3 symbol candidates write what a full olddefconfig writes', () => {
      const r = check('defconfig.config', 0x6b74, 40);
      expect(r.compared).toBeGreaterThanOrEqual(80);
      expect(r.incremental).toBeGreaterThan(r.compared / 2); // the shortcut really ran
      expect(r.changedOutput).toBeGreaterThan(r.primary / 2); // and the candidates really changed things
    }, 600_000);

    it('Debian distro config and randconfigs: the same', () => {
      const inputs = readdirSync(inputsDir).filter((f) => f.endsWith('.config'));
      const picked = [
        'debian-6.1.config',
        'debian-6.12.config',
        'allnoconfig.config',
        ...inputs.filter((f) => f.startsWith('randconfig-')).slice(0, 2),
        ...inputs.filter((f) => f.startsWith('derived-')).slice(0, 2),
      ];
      let total = 0;
      for (const [i, name] of picked.entries()) {
        if (!inputs.includes(name)) continue;
        total += check(name, 1000 + i, 6).compared;
      }
      expect(total).toBeGreaterThan(60);
    }, 600_000);
  });
}
