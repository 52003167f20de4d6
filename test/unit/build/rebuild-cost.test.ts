import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cmdFileSymbols, flagSymbols, readRebuildIndex, rebuildIndex, rebuildObjects } from '../../../src/build/rebuild-cost.js';

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
});
