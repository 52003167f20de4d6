import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';
import {
  ConfError,
  confMessages,
  parseProbability,
  randconfigSeed,
  runConfMode,
  type ConfMode,
  type ConfOptions,
} from '../../../src/kconfig/conf.js';
import { loadKconfigSync } from '../../../src/kconfig/tree.js';

// Expected outputs: the real conf of linux-source-6.1 and 6.12 on this Kconfig (test/fixtures/kconfig/modes/regen.sh).
const DIR = 'test/fixtures/kconfig/modes';
const read = (p: string) => readFileSync(join(DIR, p), 'utf8');
const cfg = (p: string) => parseDotConfig(read(p), p, { strict: false });

function load(version: string) {
  return loadKconfigSync({
    srctree: DIR,
    env: { ARCH: 'x86_64', SRCARCH: 'x86', CC: 'gcc', LD: 'ld', CC_VERSION_TEXT: '' },
    kernelVersion: version,
    readFile: (p) => readFileSync(p, 'utf8'),
  });
}

for (const [series, version] of [
  ['6.1', '6.1.0'],
  ['6.12', '6.12.0'],
] as const) {
  describe(`conf modes on ${series}, byte for byte`, () => {
    const tree = load(version);
    const expected = (name: string) => read(`${series}/${name}`);
    const run = (mode: ConfMode, opts: ConfOptions = {}) => runConfMode(tree, mode, opts);

    it.each(['allnoconfig', 'allyesconfig', 'allmodconfig', 'alldefconfig'] as const)('%s, alone and with KCONFIG_ALLCONFIG', (mode) => {
      expect(run(mode).text).toBe(expected(`${mode}.config`));
      expect(run(mode, { allconfig: cfg('allconfig.config') }).text).toBe(expected(`${mode}+allconfig.config`));
    });

    it('randconfig: same .config and KCONFIG_SEED line as conf for the same seed, probabilities, KCONFIG_ALLCONFIG', () => {
      const seeds = readdirSync(join(DIR, series))
        .filter((f) => /^rand-[0-9a-fx]+\.config$/.test(f))
        .map((f) => f.slice(5, -7));
      expect(seeds.length).toBeGreaterThanOrEqual(10);
      for (const s of seeds) {
        const r = run('randconfig', { seed: s });
        expect([s, r.text]).toEqual([s, expected(`rand-${s}.config`)]);
        expect(r.stdout).toBe(expected(`rand-${s}.stdout`).split('\n')[0] + '\n');
      }
      // Different seeds give different configs here, so the comparison means something.
      expect(new Set(seeds.map((s) => expected(`rand-${s}.config`))).size).toBeGreaterThan(5);
      expect(run('randconfig', { seed: '5', probability: '80:10:70' }).text).toBe(expected('rand-5-p.config'));
      expect(run('randconfig', { seed: '7', allconfig: cfg('allconfig.config') }).text).toBe(expected('rand-7-allconfig.config'));
    });

    it('defconfig FILE, savedefconfig and listnewconfig of an input', () => {
      expect(run('defconfig', { input: cfg('input.config') }).text).toBe(expected('defconfig.config'));
      expect(run('savedefconfig', { input: cfg('input.config') }).text).toBe(expected('savedefconfig.config'));
      expect(run('listnewconfig', { input: cfg('input.config') }).text).toBe(expected('listnewconfig.stdout'));
    });

    it('errors with the text conf prints', () => {
      expect(() => run('randconfig', { seed: '1', probability: '50:60' })).toThrow(new ConfError(expected('prob-bad.stderr').trim()));
      expect(confMessages.noSeedConfig('missing.config')).toBe(expected('allconfig-missing.stderr').trim());
    });
  });
}

describe('≤ 6.10 tristate and optional choices, a choice depending on another (SYMBOL_NEED_SET_CHOICE_VALUES)', () => {
  const D = join(DIR, 'choice61');
  const tree = loadKconfigSync({
    srctree: D,
    env: { ARCH: 'x86_64', SRCARCH: 'x86', CC: 'gcc', LD: 'ld', CC_VERSION_TEXT: '' },
    kernelVersion: '6.1.0',
    readFile: (p) => readFileSync(p, 'utf8'),
  });
  const want = (f: string) => readFileSync(join(D, f), 'utf8');
  it.each(['allnoconfig', 'allyesconfig', 'allmodconfig', 'alldefconfig'] as const)('%s', (mode) => {
    expect(runConfMode(tree, mode).text).toBe(want(`${mode}.expected`));
  });
  it('defconfig FILE keeps the choice value set to y (scripts/kconfig/tests/inter_choice) and two m members', () => {
    for (const d of ['defconfig', 'mods.config']) {
      const text = runConfMode(tree, 'defconfig', { input: parseDotConfig(want(d), d) }).text;
      expect(text).toBe(want(`defconfig-${d}.expected`));
    }
    expect(want('defconfig-defconfig.expected')).toContain('CONFIG_CHOICE_VAL0=y\n');
  });
  it('randconfig on 6 seeds', () => {
    for (const s of ['1', '2', '3', '4', '5', '6'])
      expect([s, runConfMode(tree, 'randconfig', { seed: s }).text]).toEqual([s, want(`rand-${s}.expected`)]);
  });
});

describe('KCONFIG_SEED and KCONFIG_PROBABILITY parsing (strtol as conf uses it)', () => {
  it('takes decimal, hex, octal and negative seeds as an unsigned int; anything else means the clock', () => {
    expect(randconfigSeed('42')).toBe(42);
    expect(randconfigSeed('0x6b74')).toBe(0x6b74);
    expect(randconfigSeed('010')).toBe(8);
    expect(randconfigSeed('-1')).toBe(0xffffffff);
    expect(randconfigSeed('12abc', () => ({ sec: 9, usec: 4 }))).toBe(50);
    expect(randconfigSeed(undefined, () => ({ sec: 9, usec: 4 }))).toBe(50);
  });

  it('splits probabilities on ":" like conf_set_all_new_symbols', () => {
    expect(parseProbability(undefined)).toEqual({ pby: 50, pty: 33, ptm: 33 });
    expect(parseProbability('25')).toEqual({ pby: 25, pty: 13, ptm: 12 });
    expect(parseProbability('20:30')).toEqual({ pby: 50, pty: 20, ptm: 30 });
    expect(parseProbability('90:5:80')).toEqual({ pby: 90, pty: 5, ptm: 80 });
    // strtol parses nothing from "x": three zeros, as the C loop reads them.
    expect(parseProbability('x')).toEqual({ pby: 0, pty: 0, ptm: 0 });
    expect(() => parseProbability('101')).toThrow(ConfError);
  });
});
