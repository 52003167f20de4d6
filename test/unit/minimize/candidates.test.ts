/**
 * gatherCandidates on the minimize fixture tree and catalog: what is kept
 * (--keep and, by default, the boot lab's needs), and the order candidates
 * are tried in (sortCandidates: large plans after the others).
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { olddefconfig } from '../../../src/kconfig/confdata.js';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';
import { LAB_NEEDS } from '../../../src/kconfig/gate.js';
import { gatherCandidates, keptSymbols, sortCandidates } from '../../../src/minimize/candidates.js';
import { parseCatalogFragment, readCatalog } from '../../../src/propose/catalog.js';
import type { ProposeResult } from '../../../src/propose/propose.js';
import { loadFixtureTree } from '../../helpers/kconfig-fixture.js';

const DIR = join(process.cwd(), 'test', 'fixtures', 'minimize', 'tree');
const tree = loadFixtureTree(DIR);
const start = olddefconfig(tree, parseDotConfig('', 'start.config', { strict: false }));
const catalog = readCatalog(join(process.cwd(), 'test', 'fixtures', 'minimize', 'catalog'));

describe('keptSymbols', () => {
  it("adds the boot lab's needs to --keep by default, not with keepLabNeeds false", () => {
    // Once each, the user's first.
    expect(keptSymbols(['CONFIG_HID', 'SERIAL_8250'])).toEqual(['HID', 'SERIAL_8250', ...LAB_NEEDS.filter((n) => n !== 'SERIAL_8250')]);
    expect(keptSymbols(['CONFIG_HID'], false)).toEqual(['HID']);
    expect(keptSymbols([])).toContain('BINFMT_ELF');
  });

  it('LAB_NEEDS is what configs/tiny-serial.config sets, minus its debug aids', () => {
    const frag = parseDotConfig(readFileSync('configs/tiny-serial.config', 'utf8'), 'configs/tiny-serial.config');
    const set = frag.entries.filter((e) => !e.unset).map((e) => e.name);
    expect([...LAB_NEEDS].sort()).toEqual(set.filter((n) => !['KALLSYMS', 'PRINTK_TIME'].includes(n)).sort());
  });
});

describe('gatherCandidates', () => {
  it('drops a removal of a lab need (BINFMT_ELF) by default, and offers it with the opt-out', () => {
    const kept = gatherCandidates({ mode: 'catalog', start, catalog, keep: keptSymbols([]) });
    expect(kept.candidates.map((c) => c.id).sort()).toEqual(['catalog:hid', 'catalog:legacy_ptys']);
    expect(kept.dropped).toEqual([
      {
        id: 'catalog:binfmt_elf',
        from: 'catalog',
        decision: 'skipped',
        why: '--keep BINFMT_ELF (the boot lab needs it; --no-keep-lab-needs)',
        expectedMs: undefined,
      },
    ]);
    const all = gatherCandidates({ mode: 'catalog', start, catalog, keep: keptSymbols([], false) });
    expect(all.candidates.map((c) => c.id).sort()).toEqual(['catalog:binfmt_elf', 'catalog:hid', 'catalog:legacy_ptys']);
    expect(all.dropped).toEqual([]);
  });

  it('passes a string setting to the engine as the fragment quotes it, so it is predicted, not skipped as no change', () => {
    const entry = parseCatalogFragment(
      '# a build that fails: gen_initramfs finds no such file\nCONFIG_INITRAMFS_SOURCE="/nonexistent/x"\n',
      'x.config',
    );
    expect(entry.settings).toEqual([{ name: 'INITRAMFS_SOURCE', value: '/nonexistent/x', raw: '"/nonexistent/x"', line: 2 }]);
    const r = gatherCandidates({ mode: 'catalog', start, catalog: { ...catalog, entries: [entry] }, keep: [] });
    expect(r.dropped).toEqual([]);
    expect(r.candidates).toMatchObject([{ id: 'catalog:x', changes: [['INITRAMFS_SOURCE', '"/nonexistent/x"']], predictedChanges: 1 }]);
  });

  it("orders propose's measured plans before unmeasured catalog entries, a large plan after the small ones", () => {
    const cand = (id: string, names: string[], ms: number) => ({
      id,
      changes: names.map((name) => ({ name, from: 'y', to: 'n', because: '' })),
      saving: { medianMs: ms },
      initcalls: [{ fn: `${id}_init`, medianMs: ms }],
      catalog: [],
    });
    // A 9-change plan (over propose's usual 8): 7 symbols the tree does not have still count as changes.
    const big = ['SLOW_A', 'SLOW_B', ...Array.from({ length: 7 }, (_, i) => `GONE_${i}`)];
    const propose = { candidates: [cand('BIG', big, 90), cand('HID', ['HID'], 3)] } as unknown as ProposeResult;
    const r = gatherCandidates({ mode: 'both', start, propose, catalog, keep: keptSymbols([]) });
    expect(r.candidates.map((c) => c.id)).toEqual(['HID', 'BIG', 'catalog:hid', 'catalog:legacy_ptys']);
  });
});

describe('sortCandidates', () => {
  const c = (id: string, expectedMs: number | undefined, n: number) => ({
    id,
    expectedMs,
    changes: Array.from({ length: n }, (_, i): [string, string] => [`S${i}`, 'n']),
  });
  it('small measured plans by saving, then large ones by saving per change, then unmeasured in their order', () => {
    const list = [c('u1', undefined, 1), c('big99', 330, 99), c('s5', 5, 1), c('big10', 50, 10), c('s20', 20, 3), c('u2', undefined, 1)];
    // big10: 5 ms per change, big99: 3.3.
    expect(sortCandidates(list).map((x) => x.id)).toEqual(['s20', 's5', 'big10', 'big99', 'u1', 'u2']);
  });
});
