/**
 * olddefconfigFrom (incremental re-evaluation) must write exactly what a full
 * olddefconfig of the same changed .config writes. Checked exhaustively on
 * the fixture trees here; random candidates over Debian's real 6.1 and 6.12
 * trees are in test/e2e/kconfig-incremental.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fullText } from '../../helpers/kconfig-candidates.js';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';
import { olddefconfig } from '../../../src/kconfig/confdata.js';
import { applyConfigChanges, olddefconfigFrom } from '../../../src/kconfig/incremental.js';
import { loadKconfigSync } from '../../../src/kconfig/tree.js';
import { writeConfig } from '../../../src/kconfig/write.js';

const FIXTURES = join(process.cwd(), 'test/fixtures/kconfig');
const fixtureShell = { run: (c: string) => (c === 'echo "LOUD  words" | tr a-z A-Z' ? 'LOUD  WORDS' : '') };

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
        readFile: (p: string) => readFileSync(p, 'utf8'),
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
            sym.type === 'int'
              ? ['0', '7', '100000', 'x', null]
              : sym.type === 'hex'
                ? ['0x10', '10', 'zz', null]
                : sym.type === 'string'
                  ? ['"s"', 'bare', null]
                  : ['y', 'm', 'n', null];
          for (const v of values) {
            const changes: [string, string | null][] = [[sym.name!, v]];
            const got = olddefconfigFrom(state, changes);
            expect({ changes, text: writeConfig(got) }).toEqual({ changes, text: fullText(tree, base, changes) });
            compared++;
            if (got.incremental) incremental++;
            // The same as a whole .config, from the base's state.
            const cand = applyConfigChanges(base, changes);
            expect({ changes, whole: writeConfig(olddefconfigFrom(state, cand)) }).toEqual({
              changes,
              whole: writeConfig(olddefconfig(tree, cand)),
            });
          }
        }
      }
      expect(compared).toBeGreaterThan(20);
      expect(incremental).toBeGreaterThan(0);
    });
  }
});
