// Duplicate initcall names without a System.map (issue 9 §2): the log's
// `+0x0/0xSIZE` pairs the calls of one kernel across boots, the calls of one
// boot exclude each other, and a built-in call is not from a module-only file.
// The real case (Debian 6.1: blake2s_mod_init 0x76/0x1e, msr_init) is in
// test/e2e/attribution-real.test.ts.
import { describe, it, expect } from '@jest/globals';
import { attributeInitcalls, buildSourceIndex } from '../../../src/initcall/attribute.js';
import { parseBootLog } from '../../../src/initcall/parse.js';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';

const FILES = [
  { path: 'Kbuild', text: 'obj-y += drivers/\n' },
  {
    path: 'drivers/Makefile',
    text: 'obj-y += a.o b.o marker.o\nobj-$(CONFIG_MSR_DEV) += msr_dev.o\nobj-$(CONFIG_MSR_EVENTS) += msr_events.o\n',
  },
  { path: 'drivers/a.c', text: 'static int __init dup_init(void) { return 0; }\nsubsys_initcall(dup_init);\n' },
  { path: 'drivers/b.c', text: '\nstatic int __init dup_init(void) { return 0; }\nlate_initcall(dup_init);\n' },
  { path: 'drivers/marker.c', text: 'static int __init marker_init(void) { return 0; }\nlate_initcall(marker_init);\n' },
  { path: 'drivers/msr_dev.c', text: 'static int __init msr_init(void) { return 0; }\nmodule_init(msr_init);\n' },
  { path: 'drivers/msr_events.c', text: 'static int __init msr_init(void) { return 0; }\nmodule_init(msr_init);\n' },
];
const index = buildSourceIndex(FILES, { arch: 'x86' });

function boot(name: string, banner: string | undefined, calls: string[]) {
  const lines = banner === undefined ? [] : [`[    0.000000] Linux version ${banner} (b@h) (gcc 12) #1 SMP`];
  calls.forEach((c, i) => {
    const t = (0.1 + i / 100).toFixed(6).padStart(12);
    lines.push(`[${t}] calling  ${c} @ 1`, `[${t}] initcall ${c} returned 0 after 1500 usecs`);
  });
  return parseBootLog(lines.join('\n') + '\n', { source: name });
}

describe('duplicate initcall names: sizes and exclusion', () => {
  it('one boot resolves by level and exclusion; another boot of the same kernel by size; another or unknown kernel stays unresolved', () => {
    const b1 = boot('b1', '6.1.0-x', ['dup_init+0x0/0x20', 'marker_init+0x0/0x10', 'dup_init+0x0/0x40']);
    const b2 = boot('b2', '6.1.0-x', ['dup_init+0x0/0x40']);
    const b3 = boot('b3', '6.1.0-other', ['dup_init+0x0/0x40']);
    const b4 = boot('b4', undefined, ['dup_init+0x0/0x40']);
    const r = attributeInitcalls([b1, b2, b3, b4], index);
    const got = r.items.filter((a) => a.fn === 'dup_init').map((a) => [a.boot, a.file, a.how]);
    expect(got).toEqual([
      ['b1', 'drivers/a.c', 'exclusion'], // the later call took b.c
      ['b1', 'drivers/b.c', 'level'], // after a late initcall: only the late registration fits
      ['b2', 'drivers/b.c', 'size'], // same kernel, 0x40, first call of that size
      ['b3', null, 'unresolved'], // another kernel: its sizes say nothing about b1's
      ['b4', null, 'unresolved'], // no banner: which kernel is unknown
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('two calls of one name for two built registrations: all built, one each, sizes given, not guessed', () => {
    const r = attributeInitcalls([boot('b', '6.1.0-x', ['dup_init+0x0/0x20', 'dup_init+0x0/0x40'])], index);
    const dup = r.items.filter((a) => a.fn === 'dup_init');
    expect(dup.map((a) => a.file)).toEqual([null, null]);
    expect(dup[0].unresolvedReason).toBe(
      'ambiguous: 2 calls (sizes 0x20, 0x40) for 2 registrations, all built, one each (drivers/a.c:2, drivers/b.c:3); ' +
        "which is which needs the System.map's link order",
    );
  });

  it('a call without a [module] tag is not from a file the config builds only as a module', () => {
    const config = parseDotConfig('CONFIG_MSR_DEV=m\nCONFIG_MSR_EVENTS=y\n', '.config');
    const r = attributeInitcalls([boot('b', '6.1.0-x', ['msr_init+0x0/0x5a'])], index, { config });
    expect(r.items.map((a) => [a.file, a.how])).toEqual([['drivers/msr_events.c', 'config']]);
    const tagged = attributeInitcalls([boot('b', '6.1.0-x', ['msr_init+0x0/0x5a [msr_dev]'])], index, { config });
    expect(tagged.items.map((a) => a.file)).toEqual(['drivers/msr_dev.c']);
  });

  it('boots of one kernel that disagree are reported, not forced: two calls of a boot are never one registration', () => {
    // b2 calls the 0x40 function first: between nothing and a late initcall both registrations fit, and its 0x20
    // twin, after the late marker, is b.c. b1 says the 0x40 call is b.c: taken, so it stays unresolved, with a warning.
    const b1 = boot('b1', '6.1.0-x', ['dup_init+0x0/0x20', 'marker_init+0x0/0x10', 'dup_init+0x0/0x40']);
    const b2 = boot('b2', '6.1.0-x', ['dup_init+0x0/0x40', 'marker_init+0x0/0x10', 'dup_init+0x0/0x20']);
    const r = attributeInitcalls([b1, b2], index);
    expect(r.items.filter((a) => a.boot === 'b2' && a.fn === 'dup_init').map((a) => [a.file, a.how])).toEqual([
      ['drivers/a.c', 'exclusion'],
      ['drivers/b.c', 'level'],
    ]);
    expect(r.warnings).toContain(
      'dup_init+0x0/0x20: the same call (same kernel, size and order) resolved to drivers/a.c:2 and drivers/b.c:3 in different boots',
    );
  });
});
