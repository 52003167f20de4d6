/**
 * gateFile on the explain fixture tree (whose outputs the real C conf wrote)
 * with small Kbuild makefiles: which symbols gate a file, and what turning
 * it off takes or why it cannot be done.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';
import { gateContext, gateFile, type GateOptions } from '../../../src/kconfig/gate.js';
import { kbuildConditions } from '../../../src/kconfig/kbuild.js';
import { loadFixtureTree } from '../../helpers/kconfig-fixture.js';

const DIR = join(process.cwd(), 'test/fixtures/dotconfig/kconfig-explain');
const tree = loadFixtureTree(DIR);
const config = parseDotConfig(readFileSync(join(DIR, 'input.config'), 'utf8'), 'input.config');
const kbuild = kbuildConditions([
  { path: 'Makefile', text: 'drivers-y += drivers/\n' },
  {
    path: 'drivers/Makefile',
    text: [
      'obj-$(CONFIG_PCI) += pci/',
      'obj-$(CONFIG_DRV_A) += a.o',
      'obj-$(CONFIG_CRC_HELPER) += crc.o',
      'obj-$(CONFIG_DRV_D) += d.o',
      'obj-y += core.o',
      'ifndef CONFIG_EXPERT',
      'obj-y += simple.o',
      'endif',
      '',
    ].join('\n'),
  },
  { path: 'drivers/pci/Makefile', text: 'obj-$(CONFIG_DRV_B) += b.o\nobj-y += probe.o\nobj-$(CONFIG_CRC_HELPER) += crcb.o\n' },
]);
const gate = (file: string, opts: GateOptions = {}) => gateFile(gateContext(tree, config, undefined, opts), file, kbuild.files.get(file));

describe('gateFile', () => {
  it('a driver behind its own prompt and its directory: the nearest symbol goes off', () => {
    const g = gate('drivers/pci/b.c');
    expect(g.verdict).toBe('removable');
    expect(g.built).toBe('y');
    expect(g.gates.map((s) => [s.name, s.value, s.settable])).toEqual([
      ['DRV_B', 'y', true],
      ['PCI', 'y', true],
    ]);
    expect(g.targets).toEqual(['DRV_B']);
    expect(g.plan!.changes.map((c) => `${c.name}=${c.to}`)).toEqual(['DRV_B=n']);
    expect(g.risky).toEqual([]);
  });

  it('a promptless library: the user-settable selectors go off (the kconfig off planner)', () => {
    const g = gate('drivers/crc.c');
    expect(g.verdict).toBe('removable');
    expect(g.gates).toEqual([
      { name: 'CRC_HELPER', value: 'y', defined: true, hasPrompt: false, settable: false, where: 'drivers/Makefile:3' },
    ]);
    expect(g.plan!.changes.map((c) => `${c.name}=${c.to}`)).toEqual(['DRV_A=n', 'DRV_B=n', 'DRV_C=n']);
    expect(g.reason).toBe('set DRV_A=n, DRV_B=n, DRV_C=n');
  });

  it('obj-y and ifndef: cannot be disabled, with the reason', () => {
    expect(gate('drivers/core.c')).toMatchObject({ verdict: 'cannot-disable', because: 'obj-y' });
    const s = gate('drivers/simple.c');
    expect(s).toMatchObject({ verdict: 'cannot-disable', because: 'negated' });
    expect(s.reason).toMatch(/^built when EXPERT is n \(drivers\/Makefile:6\)/);
  });

  it('selected by an essential symbol: cannot be disabled; an essential symbol in the blast radius: risky', () => {
    const c = gate('drivers/crc.c', { essential: ['DRV_C'] });
    expect(c).toMatchObject({
      verdict: 'cannot-disable',
      because: 'essential',
      reason: 'CRC_HELPER goes off only with DRV_C, which a boot to a shell needs',
    });
    const p = gate('drivers/pci/probe.c', { essential: ['DRV_B'] });
    expect(p.verdict).toBe('removable');
    expect(p.targets).toEqual(['PCI']);
    expect(p.risky).toEqual(['DRV_B']);
    expect(p.plan!.blastRadius.length).toBeGreaterThan(3);
  });

  it('a plan with more changes than maxChanges is entangled, not a removal', () => {
    const g = gate('drivers/crc.c', { maxChanges: 2 });
    expect(g).toMatchObject({ verdict: 'cannot-disable', because: 'entangled', targets: ['CRC_HELPER'] });
    expect(g.reason).toBe(
      'turning off CRC_HELPER takes 3 user-settable changes (DRV_A, DRV_B, DRV_C, …): selected or needed by too much to remove',
    );
  });

  it('a plan over preferChanges is taken only when no gating symbol has a smaller one', () => {
    // crcb.c: CRC_HELPER (nearest, 3 changes) or PCI (its directory, 1 change).
    expect(gate('drivers/pci/crcb.c').targets).toEqual(['CRC_HELPER']);
    const small = gate('drivers/pci/crcb.c', { preferChanges: 2, maxChanges: 200 });
    expect(small).toMatchObject({ verdict: 'removable', targets: ['PCI'] });
    expect(small.plan!.changes.map((c) => c.name)).toEqual(['PCI']);
    // crc.c has CRC_HELPER only: its 3 changes, over preferChanges, within maxChanges.
    const big = gate('drivers/crc.c', { preferChanges: 2, maxChanges: 200 });
    expect(big).toMatchObject({ verdict: 'removable', targets: ['CRC_HELPER'] });
    expect(big.plan!.changes).toHaveLength(3);
    // maxChanges alone bounds the preference too: as before, the small plan.
    expect(gate('drivers/pci/crcb.c', { maxChanges: 2 }).targets).toEqual(['PCI']);
  });

  it('not built by this config, and not in any makefile: said so, nothing invented', () => {
    expect(gate('drivers/d.c')).toMatchObject({ verdict: 'not-built', reason: 'this config does not build drivers/d.c (needs DRV_D=ym)' });
    expect(gate('drivers/nowhere.c')).toMatchObject({ verdict: 'no-kbuild', reason: 'no Kbuild line builds drivers/nowhere.c' });
  });
});
