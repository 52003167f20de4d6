/**
 * `why` and `off` on a small tree whose outputs were written by the real C
 * conf (test/fixtures/dotconfig/kconfig-explain/README.md).
 */
import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';
import { olddefconfig } from '../../../src/kconfig/confdata.js';
import { explainSymbol, formatOffPlan, formatWhy, lookupSymbol, offFragment, planOff } from '../../../src/kconfig/explain.js';
import { loadKconfigSync } from '../../../src/kconfig/tree.js';
import { writeConfig } from '../../../src/kconfig/write.js';
import { InputError } from '../../../src/errors.js';

const DIR = join(process.cwd(), 'test/fixtures/dotconfig/kconfig-explain');
const text = (n: string) => readFileSync(join(DIR, n), 'utf8');

function setup() {
  const tree = loadKconfigSync({
    srctree: DIR,
    env: { ARCH: 'x86_64', SRCARCH: 'x86', KERNELVERSION: '6.1.0', CC: 'gcc', LD: 'ld', CC_VERSION_TEXT: '' },
    shell: { run: () => '' },
    readFile: (p: string) => readFileSync(p, 'utf8'),
  });
  const config = parseDotConfig(text('input.config'), 'input.config');
  const state = olddefconfig(tree, config);
  return { tree, config, state };
}

describe('the fixture evaluates as the C tool wrote it', () => {
  it('writes expected-6.1.config byte for byte', () => {
    const { state } = setup();
    expect(writeConfig(state)).toBe(text('expected-6.1.config'));
    expect(state.read.unknown).toEqual(['UNKNOWN_THING']);
  });
});

describe('explainSymbol (why)', () => {
  it('a promptless library: selected by three drivers, with each selector value and condition', () => {
    const { tree, config, state } = setup();
    const r = explainSymbol(state, lookupSymbol(tree, 'CONFIG_CRC_HELPER'), config);
    expect(r.value).toBe('y');
    expect(r.visible).toBe('n');
    expect(r.prompts).toEqual([]);
    expect(r.selectedBy.map((s) => [s.by, s.byValue, s.active])).toEqual([
      ['DRV_A', 'm', true],
      ['DRV_B', 'y', true],
      ['DRV_C', 'y', true],
      ['DRV_D', 'n', false],
    ]);
    expect(r.selectedBy[2].condition).toEqual({ expr: 'PCI', value: 'y', operands: [{ name: 'PCI', value: 'y' }] });
    expect(r.reasons[0]).toEqual({ kind: 'selected', text: 'selected by 3 symbols: DRV_A=m, DRV_B=y, DRV_C=y' });
    expect(r.reasons.map((x) => x.kind)).toContain('not-visible');
  });

  it('a hidden symbol on by its default: which default, under what condition; the user n is ignored', () => {
    const { tree, config, state } = setup();
    const r = explainSymbol(state, lookupSymbol(tree, 'QUIRKS'), config);
    expect(r.value).toBe('y');
    expect(r.user).toEqual({ raw: 'n', line: 10, file: 'input.config', inEffect: false });
    expect(r.reasons.map((x) => x.kind)).toEqual(['not-visible', 'default']);
    expect(r.reasons[0].text).toBe(
      'not visible: prompt condition PCI && EXPERT [= n] (PCI=y, EXPERT=n); the value at input.config:10 is ignored',
    );
    expect(r.reasons[1].text).toBe('default y if PCI [= y] (PCI=y) (Kconfig:40)');
    expect(r.dependsOn).toEqual({ expr: 'PCI', value: 'y', operands: [{ name: 'PCI', value: 'y' }] });
  });

  it('user values, implies, depends on with operand values, ranges', () => {
    const { tree, config, state } = setup();
    const fast = explainSymbol(state, lookupSymbol(tree, 'FAST_PATH'), config);
    expect(fast.reasons[0]).toEqual({ kind: 'user', text: 'set by the user: y at input.config:7' });
    expect(fast.dependsOn).toEqual({
      expr: 'PCI && DRV_A',
      value: 'm', // the expression's value; a bool with m visibility still takes y
      operands: [
        { name: 'PCI', value: 'y' },
        { name: 'DRV_A', value: 'm' },
      ],
    });
    const sug = explainSymbol(state, lookupSymbol(tree, 'SUGGESTED'), config);
    expect(sug.value).toBe('y');
    expect(sug.reasons.map((x) => x.text)).toEqual(['no default', 'implied by DRV_E=y (Kconfig:52)']);
    const log = explainSymbol(state, lookupSymbol(tree, 'LOG_SHIFT'), config);
    expect(log.value).toBe('17');
    expect(log.reasons.map((x) => x.kind)).toEqual(['default', 'range']);
    expect(log.reasons[1].text).toBe('the value 30 at line 9 is invalid or out of range; 17 used instead');
    const gz = explainSymbol(state, lookupSymbol(tree, 'COMP_GZIP'), config);
    expect(gz.reasons[0].kind).toBe('choice');
    expect(gz.choice).toEqual({ name: 'Compression', selected: 'COMP_GZIP' });
    expect(formatWhy(fast).split('\n')[0]).toBe('CONFIG_FAST_PATH=y  (bool, visible y, defined at Kconfig:43)');
  });

  it('rejects a symbol the tree does not define', () => {
    const { tree } = setup();
    expect(() => lookupSymbol(tree, 'NOPE')).toThrow(InputError);
  });
});

describe('planOff (off)', () => {
  it('a promptless symbol selected by three drivers needs those three off; the blast radius matches the C tool', () => {
    const { tree, config } = setup();
    const p = planOff(tree, config, ['CRC_HELPER']);
    expect(p.changes.map((c) => `${c.name} ${c.from}->${c.to}`)).toEqual(['DRV_A m->n', 'DRV_B y->n', 'DRV_C y->n']);
    expect(p.stuck).toEqual([]);
    expect(p.newConfig).toBe(text('expected-6.1-off-crc.config'));
    expect(p.blastRadius.map((d) => `${d.op}${d.name}`)).toEqual(['-CRC_HELPER', '-FAST_PATH', '->DRV_A', '->DRV_B', '->DRV_C']);
    expect(offFragment(p)).toBe('# CONFIG_DRV_A is not set\n# CONFIG_DRV_B is not set\n# CONFIG_DRV_C is not set\n');
    expect(formatOffPlan(p)).toContain('Blast radius: 5 symbol(s) change (5 go off)');
  });

  it('a symbol hidden behind `if EXPERT`: make the prompt visible and set it n', () => {
    const { tree, config } = setup();
    const p = planOff(tree, config, ['QUIRKS']);
    // input.config already says `# CONFIG_QUIRKS is not set` (ignored while hidden): EXPERT=y alone is enough.
    expect(p.changes.map((c) => `${c.name} ${c.from}->${c.to}`)).toEqual(['EXPERT n->y']);
    // Without that line, both are needed.
    const without = parseDotConfig(text('input.config').replace('# CONFIG_QUIRKS is not set\n', ''), 'input.config');
    const p2 = planOff(tree, without, ['QUIRKS']);
    expect(p2.changes.map((c) => `${c.name} ${c.from}->${c.to}`)).toEqual(['EXPERT n->y', 'QUIRKS y->n']);
    expect(p2.newConfig).toBe(text('expected-6.1-off-quirks.config'));
    expect(p.newConfig).toBe(text('expected-6.1-off-quirks.config'));
  });
});
