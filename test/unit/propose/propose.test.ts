/**
 * proposeRemovals on the explain fixture tree (outputs written by the real C
 * conf), small Kbuild makefiles, and hand-written initcall_debug logs parsed
 * by the real parser: which changes come out, what each takes away in ms,
 * what cannot be disabled, and what stays unresolved.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';
import { gateContext } from '../../../src/kconfig/gate.js';
import { kbuildConditions } from '../../../src/kconfig/kbuild.js';
import { parseBootLog } from '../../../src/initcall/parse.js';
import { readCatalog } from '../../../src/propose/catalog.js';
import { formatProposeMarkdown, formatProposeText } from '../../../src/propose/format.js';
import { proposeRemovals, type AttributedInitcall } from '../../../src/propose/propose.js';
import { groupReportByAttribution } from '../../../src/propose/group.js';
import { rankBoots } from '../../../src/initcall/rank.js';
import { loadFixtureTree } from '../../helpers/kconfig-fixture.js';

const DIR = join(process.cwd(), 'test/fixtures/dotconfig/kconfig-explain');
const tree = loadFixtureTree(DIR);
const config = parseDotConfig(readFileSync(join(DIR, 'input.config'), 'utf8'), 'input.config');
const kbuild = kbuildConditions([
  { path: 'Makefile', text: 'drivers-y += drivers/\n' },
  {
    path: 'drivers/Makefile',
    text: 'obj-$(CONFIG_PCI) += pci/\nobj-$(CONFIG_CRC_HELPER) += crc.o\nobj-y += core.o\nobj-$(CONFIG_DRV_D) += d.o\n',
  },
  { path: 'drivers/pci/Makefile', text: 'obj-$(CONFIG_DRV_B) += b.o\nobj-y += probe.o\n' },
]);
const FILES: Record<string, string | null> = {
  b_init: 'drivers/pci/b.c',
  crc_init: 'drivers/crc.c',
  core_init: 'drivers/core.c',
  probe_init: 'drivers/pci/probe.c',
  d_init: 'drivers/d.c',
  mystery_init: null,
};

/** One boot: fn → µs, as initcall_debug prints it. */
function log(us: Record<string, number>): string {
  let t = 100000;
  const lines = ['[    0.000000] Linux version 6.1.0-ktrim (test@host) (gcc) #1 SMP'];
  const ts = (x: number) => `[${(x / 1e6).toFixed(6).padStart(12)}]`;
  for (const [fn, d] of Object.entries(us)) {
    lines.push(`${ts(t)} calling  ${fn}+0x0/0x40 @ 1`);
    t += d;
    lines.push(`${ts(t)} initcall ${fn}+0x0/0x40 returned 0 after ${d} usecs`);
    t += 10;
  }
  return lines.join('\n') + '\n';
}
const boots = [
  { b_init: 5000, crc_init: 2000, core_init: 3000, probe_init: 10000, d_init: 1500, mystery_init: 4000 },
  { b_init: 6000, crc_init: 2000, core_init: 3100, probe_init: 11000, d_init: 1500, mystery_init: 4000 },
  { b_init: 7000, crc_init: 2200, core_init: 2900, probe_init: 12000, d_init: 1500, mystery_init: 4000 },
].map((b, i) => parseBootLog(log(b), { source: `boot-${i}.log` }));
const attribution: AttributedInitcall[] = boots.flatMap((b) =>
  b.initcalls.map((rec, index) => ({
    fn: rec.fn,
    index,
    boot: b.source,
    file: FILES[rec.fn],
    how: FILES[rec.fn] ? 'registration' : 'unresolved',
    unresolvedReason: FILES[rec.fn] ? undefined : 'not found in the tree',
  })),
);

describe('proposeRemovals', () => {
  const r = proposeRemovals({ boots, attribution, kbuild, gate: gateContext(tree, config), catalog: readCatalog() });

  it('ranks the changes by the median of the per-boot sums of what they take away', () => {
    expect(r.considered).toBe(6);
    expect(r.candidates.map((c) => [c.id, c.saving.medianMs, c.initcalls.map((i) => i.fn)])).toEqual([
      ['PCI=n', 19, ['probe_init', 'b_init', 'crc_init']],
      ['DRV_A=n,DRV_B=n,DRV_C=n', 8, ['b_init', 'crc_init']],
      ['DRV_B=n', 6, ['b_init']],
    ]);
    const pci = r.candidates[0];
    expect(pci.saving.n).toBe(3);
    expect(pci.saving.sdMs).toBeCloseTo(Math.sqrt(((17 - 19.07) ** 2 + (19 - 19.07) ** 2 + (21.2 - 19.07) ** 2) / 2), 1);
    expect(pci.fragment).toBe('# CONFIG_PCI is not set\n');
    expect(pci.diffconfig).toContain('PCI y -> n');
    expect(pci.catalog).toEqual([]);
    expect(pci.confidence).toBe('high');
  });

  it('lists obj-y costs apart, and never guesses a file', () => {
    expect(r.fixed.map((x) => [x.fn, x.because, x.medianMs])).toEqual([['core_init', 'obj-y', 3]]);
    expect(r.unresolved.map((x) => [x.fn, x.reason])).toEqual([['mystery_init', 'not found in the tree']]);
    expect(r.notBuilt.map((x) => x.fn)).toEqual(['d_init']);
    expect(r.warnings.join('\n')).toContain('1 initcall(s) come from files this config does not build (e.g. d_init in drivers/d.c)');
  });

  it('prints text and markdown', () => {
    const text = formatProposeText(r);
    if (process.env.SHOW) console.log(text);
    expect(text).toContain('  1. 19.0 ± 2.1 ms      PCI=n  confidence high');
    expect(text).toContain('Costs that cannot be disabled:\n  core_init 3.0 ± 0.1 ms (drivers/core.c): obj-y: built unconditionally');
    expect(formatProposeMarkdown(r)).toContain('| 1 | 19.0 ± 2.1 ms | `PCI=n` |');
  });

  it('--min-ms leaves out the small ones', () => {
    const big = proposeRemovals({ boots, attribution, kbuild, gate: gateContext(tree, config), minMs: 5 });
    expect(big.considered).toBe(2);
    expect(big.candidates.map((c) => c.id)).toEqual(['PCI=n', 'DRV_B=n']);
  });
});

describe('report --group-by symbol|dir|file', () => {
  const report = rankBoots(boots);
  const groups = (by: 'symbol' | 'dir' | 'file') =>
    groupReportByAttribution(report, boots, by, attribution, kbuild, gateContext(tree, config)).groups.map((g) => [
      g.name,
      g.initcalls,
      g.stats.median / 1000,
    ]);

  it('by the nearest gating symbol; obj-y and unresolved apart', () => {
    expect(groups('symbol')).toEqual([
      ['CONFIG_PCI', 1, 11],
      ['CONFIG_DRV_B', 1, 6],
      ['(unresolved)', 1, 4],
      ['(obj-y: no symbol)', 1, 3],
      ['CONFIG_CRC_HELPER', 1, 2],
      ['(not built by this config)', 1, 1.5],
    ]);
  });
  it('by directory and by file', () => {
    expect(groups('dir')).toEqual([
      ['drivers/pci/', 2, 17],
      ['drivers/', 3, 6.6],
      ['(unresolved)', 1, 4],
    ]);
    expect(groups('file').map((g) => g[0])).toEqual([
      'drivers/pci/probe.c',
      'drivers/pci/b.c',
      '(unresolved)',
      'drivers/core.c',
      'drivers/crc.c',
      'drivers/d.c',
    ]);
  });
});
