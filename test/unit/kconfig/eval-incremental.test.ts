/**
 * olddefconfigFrom (incremental re-evaluation) must write exactly what a full
 * olddefconfig of the same changed .config writes. Checked exhaustively on
 * the fixture trees and on random candidates over Debian's real 6.1 x86 tree
 * (when its source and the parity inputs are in the ktrim cache: the
 * kconfig parity e2e test puts them there).
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../../../src/cache.js';
import { parseDotConfig, type DotConfig } from '../../../src/kconfig/dotconfig.js';
import { applyConfigChanges, olddefconfig, olddefconfigFrom, type ConfigChanges, type KconfigState } from '../../../src/kconfig/eval.js';
import type { KconfigTree, KSymbol } from '../../../src/kconfig/symbol.js';
import { loadKconfigSync } from '../../../src/kconfig/tree.js';
import { writeConfig } from '../../../src/kconfig/write.js';

const FIXTURES = join(process.cwd(), 'test/fixtures/kconfig');
const fixtureShell = { run: (c: string) => (c === 'echo "LOUD  words" | tr a-z A-Z' ? 'LOUD  WORDS' : '') };

/** mulberry32: a small seeded PRNG, so a failure names a reproducible case. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The full evaluation of the same candidate: what olddefconfigFrom must reproduce. */
function fullText(tree: KconfigTree, config: DotConfig | null, changes: ConfigChanges): string {
  return writeConfig(olddefconfig(tree, applyConfigChanges(config, changes)));
}

function describeChanges(changes: [string, string | null][]): string {
  return changes.map(([n, v]) => `${n}=${v ?? '(dropped)'}`).join(' ');
}

describe('applyConfigChanges', () => {
  it('drops the changed names, appends the new lines in order, keeps the rest', () => {
    const cfg = parseDotConfig('CONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_S="x"\n', 'in');
    const out = applyConfigChanges(cfg, [
      ['B', null],
      ['A', 'n'],
      ['S', '"a \\"q\\""'],
    ]);
    expect(out.entries.map((e) => `${e.name}=${e.raw}@${e.line}`)).toEqual(['C=n@3', 'A=n@5', 'S="a \\"q\\""@6']);
    expect(out.values.get('S')!.value).toBe('a "q"');
    expect(out.values.has('B')).toBe(false);
    expect(applyConfigChanges(null, { X: 'y' }).entries.map((e) => e.name)).toEqual(['X']);
  });
});

describe('olddefconfigFrom on the fixture trees', () => {
  const cases: [string, string, '6.1' | '6.12'][] = [
    ['basic', 'user', '6.1'],
    ['basic', 'nomod', '6.1'],
    ['basic', 'empty', '6.1'],
    ['choice61', 'user', '6.1'],
    ['choice61', 'nomod', '6.1'],
    ['choice', 'user', '6.12'],
    ['choice', 'nfast', '6.12'],
    ['basic', 'user', '6.12'],
    ['basic', 'nomod', '6.12'],
  ];
  for (const [dir, input, series] of cases) {
    it(`${dir}/${input} (${series}): every single-symbol change writes what a full olddefconfig writes`, () => {
      const tree = loadKconfigSync({
        srctree: join(FIXTURES, dir),
        env: { ARCH: 'x86_64', SRCARCH: 'x86', KERNELVERSION: `${series}.0`, CC: 'gcc', LD: 'ld', CC_VERSION_TEXT: '' },
        shell: fixtureShell,
      });
      const path = join(FIXTURES, dir, `${input}.config`);
      const config = parseDotConfig(readFileSync(path, 'utf8'), path, { strict: false });
      // From the input itself, and from its olddefconfig output (a settled .config).
      const settled = parseDotConfig(writeConfig(olddefconfig(tree, config)), 'settled', { strict: false });
      let compared = 0;
      let incremental = 0;
      for (const base of [config, settled]) {
        const state = olddefconfig(tree, base);
        writeConfig(state); // the base may have been written: that must not leak into candidates
        for (const sym of tree.byName.values()) {
          const values: (string | null)[] =
            sym.type === 'int' ? ['0', '7', '100000', 'x', null] : sym.type === 'hex' ? ['0x10', '10', 'zz', null] : sym.type === 'string' ? ['"s"', 'bare', null] : ['y', 'm', 'n', null];
          for (const v of values) {
            const changes: [string, string | null][] = [[sym.name!, v]];
            const got = olddefconfigFrom(state, changes);
            expect({ changes, text: writeConfig(got) }).toEqual({ changes, text: fullText(tree, base, changes) });
            compared++;
            if (got.incremental) incremental++;
            // The same as a whole .config, from the base's state.
            const cand = applyConfigChanges(base, changes);
            expect({ changes, whole: writeConfig(olddefconfigFrom(state, cand)) }).toEqual({ changes, whole: writeConfig(olddefconfig(tree, cand)) });
          }
        }
      }
      expect(compared).toBeGreaterThan(20);
      expect(incremental).toBeGreaterThan(0);
    });
  }
});

const SRC = join(cacheRoot(), 'src');

for (const series of ['6.1', '6.12']) {
const srcDir = existsSync(SRC) ? readdirSync(SRC).find((d) => d.startsWith(`linux-source-${series}-`)) : undefined;
const inputsDir = srcDir ? join(cacheRoot(), 'kconfig-parity', srcDir, 'inputs') : '';
const haveReal = !!srcDir && existsSync(join(SRC, srcDir, 'Kconfig')) && existsSync(inputsDir);
const describeReal = haveReal ? describe : describe.skip;
if (!haveReal) console.warn(`eval-incremental: no linux-source-${series} parity inputs under ${cacheRoot()}: real-tree cases skipped`);

describeReal(`olddefconfigFrom on Debian linux-source-${series} x86_64`, () => {
  let tree: KconfigTree;
  const load = () => (tree ??= loadKconfigSync({ srctree: join(SRC, srcDir!), arch: 'x86_64' }));
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
          s.type === 'int' ? ['0', '1', '4096', '-1', '99999999', 'x1', null] : s.type === 'hex' ? ['0x0', '0x1000', '1000', '0xfffffff', 'g', null] : ['""', '"ktrim"', '"a\\"b"', 'bare', null];
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

  function check(inputName: string, seed: number, count: number): { compared: number; incremental: number; changedOutput: number; primary: number } {
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
    for (const [base, text] of bases) {
      const state = olddefconfig(tree, base);
      const text0 = writeConfig(state);
      const syms = [...tree.byName.values()].filter((s) => s.menus.length > 0);
      const pool = syms.filter((s) => (s.type === 'bool' || s.type === 'tristate') && (state.visibility(s) !== 0 || state.hasUserValue(s)));
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
          if (writeConfig(got2) !== want2) throw new Error(`${inputName} seed ${seed} #${i} chained: ${describeChanges(changes)} then ${describeChanges(more)}: differs`);
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
    const picked = ['debian-6.1.config', 'debian-6.12.config', 'allnoconfig.config', ...inputs.filter((f) => f.startsWith('randconfig-')).slice(0, 2), ...inputs.filter((f) => f.startsWith('derived-')).slice(0, 2)];
    let total = 0;
    for (const [i, name] of picked.entries()) {
      if (!inputs.includes(name)) continue;
      total += check(name, 1000 + i, 6).compared;
    }
    expect(total).toBeGreaterThan(60);
  }, 600_000);
});
}
