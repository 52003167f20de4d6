// The knob catalog: configs/knobs.json parses, every command-line knob has
// its hint, and a broken knobs file is one error naming file and line.
import { describe, expect, it } from '@jest/globals';
import { readCatalog } from '../../../src/propose/catalog.js';
import { machineType, parseKnobCatalog, readKnobCatalog, requiredSymbols } from '../../../src/tune/catalog.js';

describe('configs/knobs.json', () => {
  const catalog = readKnobCatalog();

  it('has every kind of knob the issue names, host-clock for what acts before the kernel', () => {
    const kinds = new Set(catalog.knobs.map((k) => k.kind));
    expect([...kinds].sort()).toEqual(['cmdline', 'firmware', 'loader', 'machine', 'memory', 'smp']);
    for (const k of catalog.knobs) expect([k.id, k.clock]).toEqual([k.id, k.kind === 'cmdline' ? 'guest' : 'host']);
    expect(catalog.knobs.find((k) => k.id === 'firmware=qboot')?.set).toEqual({ bios: '/usr/share/qemu/qboot.rom' });
    expect(catalog.knobs.find((k) => k.id === 'loader=pvh')?.requires.config).toEqual(['PVH']);
  });

  it('takes the command-line knobs’ saves and risks from cmdline-hints.json (one list)', () => {
    const hints = readCatalog().hints;
    const cmdline = catalog.knobs.filter((k) => k.kind === 'cmdline');
    expect(cmdline.map((k) => k.set.append)).toEqual(['quiet', 'cryptomgr.notests', 'tsc.reliable=1', 'no_timer_check']);
    for (const k of cmdline) {
      const h = hints.find((x) => x.param === k.set.append)!;
      expect([k.saves, k.risks]).toEqual([h.saves, h.risks]);
    }
  });

  it('names its requirements as plain symbols', () => {
    expect(requiredSymbols(catalog).map((r) => r.symbol)).toEqual([
      'SERIAL_8250_CONSOLE',
      'KVM_GUEST',
      'PVH',
      'PRINTK',
      'CRYPTO_MANAGER',
      'CRYPTO_MANAGER_DISABLE_TESTS',
      'X86_TSC',
      'X86_IO_APIC',
    ]);
  });
});

describe('parseKnobCatalog', () => {
  const ok = { id: 'k', kind: 'smp', set: { smp: 2 }, clock: 'host', saves: 's', risks: 'r' };
  const text = (knobs: unknown[]) => JSON.stringify({ knobs }, null, 2);

  it('reads a minimal knob', () => {
    expect(parseKnobCatalog(text([ok]), 'k.json').knobs[0]).toMatchObject({ id: 'k', set: { smp: 2 }, requires: {}, line: 4 });
  });

  it.each([
    [[ok, { ...ok, id: 'k' }], 'k.json:14: knob "k": duplicate id'],
    [[{ ...ok, kind: 'bios' }], 'k.json:4: knob "k": "kind" must be one of cmdline, firmware, machine, loader, smp, memory'],
    [[{ ...ok, clock: 'wall' }], 'k.json:4: knob "k": "clock" must be "host" or "guest"'],
    [[{ ...ok, set: { memoryMb: 2 } }], 'k.json:4: knob "k": a smp knob sets exactly "smp"'],
    [[{ ...ok, set: { smp: 0 } }], 'k.json:4: knob "k": set.smp must be a positive integer'],
    [
      [{ ...ok, requires: { config: ['CONFIG_PVH'] } }],
      'k.json:4: knob "k": requires.config must list symbol names without CONFIG_ (e.g. "PVH", "!CRYPTO_MANAGER_DISABLE_TESTS")',
    ],
    [[{ ...ok, requires: { kernel: 'x' } }], 'k.json:4: knob "k": unknown requirement "kernel"'],
    [[{ ...ok, kind: 'firmware', set: { bios: 'qboot.rom' } }], 'k.json:4: knob "k": set.bios must be an absolute path'],
    [
      [{ id: 'c', kind: 'cmdline', param: 'nosuch', clock: 'guest' }],
      'k.json:4: knob "c": no saves/risks, and "nosuch" is not in cmdline-hints.json',
    ],
  ])('rejects %j', (knobs, message) => {
    expect(() => parseKnobCatalog(text(knobs), 'k.json')).toThrow(message);
  });

  it('names the line of a JSON syntax error', () => {
    expect(() => parseKnobCatalog('{\n  "knobs": [\n    {"id": "a",}\n  ]\n}\n', 'k.json')).toThrow(/^k\.json:3: not JSON/);
  });

  it('reads the machine type of a -machine value', () => {
    expect([machineType(undefined), machineType('q35'), machineType('microvm,pit=off')]).toEqual(['pc', 'q35', 'microvm']);
  });
});
