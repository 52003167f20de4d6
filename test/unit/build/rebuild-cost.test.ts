import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cmdFileSymbols,
  evaluationSeconds,
  flagSymbols,
  readRebuildIndex,
  rebuildIndex,
  rebuildObjects,
} from '../../../src/build/rebuild-cost.js';

const dir = join(process.cwd(), 'test', 'fixtures', 'rebuild');
const read = (p: string) => readFileSync(join(dir, p), 'utf8');

describe('rebuild cost from kbuild .cmd files', () => {
  it("reads the CONFIG_ symbols of an object's deps_ list (pty.o tests the PTY symbols, super.o BLOCK and QUOTA)", () => {
    const pty = cmdFileSymbols(read('obj/drivers/tty/.pty.o.cmd'));
    expect(pty).toHaveLength(564);
    // pty.c's own #ifdefs come first, then the headers'.
    expect(pty.slice(0, 5)).toEqual(['UNIX98_PTYS', 'LEGACY_PTYS', 'COMPAT', 'LEGACY_PTY_COUNT', 'CC_VERSION_TEXT']);
    expect(pty).toEqual(expect.arrayContaining(['LEGACY_PTYS', 'UNIX98_PTYS', 'BLOCK', 'QUOTA']));
    const sup = cmdFileSymbols(read('obj/fs/.super.o.cmd'));
    expect(sup).toEqual(expect.arrayContaining(['BLOCK', 'QUOTA']));
    expect(sup).not.toContain('LEGACY_PTYS');
    expect(cmdFileSymbols('cmd_x.o := gcc -c x.c\n')).toEqual([]);
  });

  it('takes the symbols that the kernel Makefiles turn into compiler flags, not those that only pick directories', () => {
    const top = flagSymbols(read('src/Makefile'));
    expect(top).toEqual(
      expect.arrayContaining(['FUNCTION_TRACER', 'CC_OPTIMIZE_FOR_PERFORMANCE', 'FRAME_POINTER', 'STACKPROTECTOR_STRONG']),
    );
    const arch = flagSymbols(read('src/arch/x86/Makefile'));
    expect(arch).toEqual(expect.arrayContaining(['X86_32', 'STACKPROTECTOR', 'RETPOLINE']));
    // `core-$(CONFIG_BLOCK) += block/`, `drivers-$(CONFIG_PCI) += arch/x86/pci/`: a directory, not a flag.
    expect([...top, ...arch]).not.toContain('BLOCK');
    expect(arch).not.toContain('PCI');
  });

  it('counts each object once over several symbols, and everything for a flag symbol', () => {
    const index = rebuildIndex(
      [
        'deps_a.o := \\\n $(wildcard include/config/A) \\\n $(wildcard include/config/B)\n',
        '\ndeps_b.o := $(wildcard include/config/B)\n',
        'cmd_c.o := gcc',
      ],
      ['FUNCTION_TRACER'],
    );
    expect(index.objects).toBe(3);
    expect(rebuildObjects(index, ['A'])).toBe(1);
    expect(rebuildObjects(index, ['A', 'CONFIG_B'])).toBe(2);
    expect(rebuildObjects(index, ['NONE'])).toBe(0);
    expect(rebuildObjects(index, ['A', 'FUNCTION_TRACER'])).toBe(3);
  });

  it('indexes a real O= directory, leaving out host programs under scripts/', async () => {
    const index = (await readRebuildIndex(join(dir, 'obj'), join(dir, 'src'), 'x86'))!;
    expect(index.objects).toBe(2);
    expect(rebuildObjects(index, ['LEGACY_PTYS'])).toBe(1);
    expect(rebuildObjects(index, ['QUOTA'])).toBe(2);
    expect(rebuildObjects(index, ['FUNCTION_TRACER'])).toBe(2);
    expect(await readRebuildIndex(join(dir, 'src'), join(dir, 'src'), 'x86')).toBeUndefined();
  });

  it("estimates an evaluation from this run's own measurements: fixed part from small rebuilds, rate from large ones", () => {
    // Nothing measured yet: 30 s + 0.8 s per object + the boot.
    expect(evaluationSeconds(100, { observed: [], bootSeconds: 12 })).toBeCloseTo(122, 6);
    // A whole build of 1015 objects in 780 s: (780 - 30) / 1015 s per object.
    expect(evaluationSeconds(734, { observed: [], wholeBuild: { objects: 1015, seconds: 780 }, bootSeconds: 12 })).toBeCloseTo(
      42 + (734 * 750) / 1015,
      6,
    );
    // The warm demo run's two evaluations (14 and 1 objects: 188 s and 103 s), then one of 145 objects in 300 s.
    const observed = [
      { objects: 14, seconds: 188 },
      { objects: 1, seconds: 103 },
    ];
    expect(evaluationSeconds(0, { observed, bootSeconds: 12 })).toBeCloseTo(145.5, 6);
    expect(evaluationSeconds(734, { observed: [...observed, { objects: 145, seconds: 300 }], bootSeconds: 12 })).toBeCloseTo(
      145.5 + (734 * 154.5) / 145,
      6,
    );
  });
});
