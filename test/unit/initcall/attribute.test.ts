import { describe, it, expect } from '@jest/globals';
import {
  attributeInitcalls,
  buildSourceIndex,
  deserializeSourceIndex,
  serializeSourceIndex,
  versionMismatch,
} from '../../../src/initcall/attribute.js';
import { parseBootLog } from '../../../src/initcall/parse.js';
import { parseSystemMap } from '../../../src/initcall/symbols.js';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';

// Snippets written like the kernel's (include/linux/device/driver.h, platform_device.h, usb/serial.h).
const FILES = [
  { path: 'Kbuild', text: 'obj-y += drivers/ lib/ arch/x86/\n' },
  { path: 'arch/x86/Kbuild', text: 'obj-y += crypto/\n' },
  { path: 'arch/x86/crypto/Makefile', text: 'obj-$(CONFIG_CRYPTO_BLAKE2S_X86) += blake2s-glue.o\n' },
  { path: 'lib/Makefile', text: 'obj-$(CONFIG_CRYPTO_LIB_BLAKE2S_GENERIC) += blake2s.o\n' },
  { path: 'drivers/Makefile', text: 'obj-y += base/ rtc/ net/ video/\nobj-$(CONFIG_USB) += usbserial/\n' },
  { path: 'drivers/base/Makefile', text: 'obj-y += core.o\n' },
  { path: 'drivers/rtc/Makefile', text: 'obj-$(CONFIG_RTC_DRV_CMOS) += rtc-cmos.o\nobj-$(CONFIG_RTC_DRV_FOO) += rtc-foo.o\n' },
  { path: 'drivers/net/Makefile', text: 'obj-$(CONFIG_E1000) += e1000/\nobj-$(CONFIG_E1000E) += e1000e/\n' },
  { path: 'drivers/net/e1000/Makefile', text: 'obj-$(CONFIG_E1000) += e1000.o\ne1000-objs := e1000_main.o\n' },
  { path: 'drivers/net/e1000e/Makefile', text: 'obj-$(CONFIG_E1000E) += e1000e.o\ne1000e-objs := netdev.o\n' },
  { path: 'drivers/video/Makefile', text: 'obj-$(CONFIG_FB) += fbmem.o\n' },
  { path: 'drivers/usbserial/Makefile', text: 'obj-$(CONFIG_USB_SERIAL_A) += a.o\nobj-$(CONFIG_USB_SERIAL_B) += b.o\n' },
  {
    path: 'include/linux/device/driver.h',
    text: [
      '#define module_driver(__driver, __register, __unregister, ...) \\',
      'static int __init __driver##_init(void) \\',
      '{ \\',
      '\treturn __register(&(__driver) , ##__VA_ARGS__); \\',
      '} \\',
      'module_init(__driver##_init); \\',
      'static void __exit __driver##_exit(void) \\',
      '{ \\',
      '\t__unregister(&(__driver) , ##__VA_ARGS__); \\',
      '} \\',
      'module_exit(__driver##_exit);',
      '#define builtin_driver(__driver, __register, ...) \\',
      'static int __init __driver##_init(void) \\',
      '{ \\',
      '\treturn __register(&(__driver) , ##__VA_ARGS__); \\',
      '} \\',
      'device_initcall(__driver##_init);',
    ].join('\n'),
  },
  {
    path: 'include/linux/platform_device.h',
    text: '#define module_platform_driver(__platform_driver) \\\n\tmodule_driver(__platform_driver, platform_driver_register, \\\n\t\t\tplatform_driver_unregister)\n#define builtin_platform_driver(__platform_driver) \\\n\tbuiltin_driver(__platform_driver, platform_driver_register)\n',
  },
  {
    path: 'include/linux/usb/serial.h',
    text: '#define usb_serial_module_driver(__name, __serial_drivers, __ids)\t\\\nstatic int __init usb_serial_module_init(void)\t\t\t\t\\\n{ return 0; }\t\t\t\t\t\t\t\\\nmodule_init(usb_serial_module_init);\n#define module_usb_serial_driver(__serial_drivers, __ids)\t\t\\\n\tusb_serial_module_driver(KBUILD_MODNAME, __serial_drivers, __ids)\n',
  },
  {
    path: 'drivers/base/core.c',
    text: 'static int __init devlink_class_init(void)\n{\n\treturn 0;\n}\npostcore_initcall(devlink_class_init);\n\nstatic int __init helper_only(void)\n{\n\treturn 0;\n}\n',
  },
  {
    path: 'drivers/rtc/rtc-cmos.c',
    text: '#include <linux/platform_device.h>\nstatic int __init cmos_init(void)\n{\n\treturn 0;\n}\nmodule_init(cmos_init);\n\nmodule_platform_driver(cmos_platform_driver);\n',
  },
  { path: 'drivers/rtc/rtc-foo.c', text: 'builtin_platform_driver(foo_driver);\n' },
  {
    path: 'drivers/net/e1000/e1000_main.c',
    text: 'static int __init e1000_init_module(void)\n{\n\treturn 0;\n}\n\nmodule_init(e1000_init_module);\n',
  },
  {
    path: 'drivers/net/e1000e/netdev.c',
    text: '\n\n\nstatic int __init e1000_init_module(void)\n{\n\treturn 0;\n}\nmodule_init(e1000_init_module);\n',
  },
  {
    path: 'drivers/video/fbmem.c',
    text: 'static int __init fbmem_init(void) { return 0; }\n#ifdef MODULE\nmodule_init(fbmem_init);\n#else\nsubsys_initcall(fbmem_init);\n#endif\n#if 0\nlate_initcall(dead_init);\n#endif\n#if IS_ENABLED(CONFIG_PM) && defined(CONFIG_FB_EXTRA)\nlate_initcall(pm_extra_init);\n#endif\n',
  },
  { path: 'drivers/usbserial/a.c', text: 'module_usb_serial_driver(serial_drivers, id_table);\n' },
  { path: 'drivers/usbserial/b.c', text: 'module_usb_serial_driver(serial_drivers, id_table);\n' },
  { path: 'lib/blake2s.c', text: 'static int __init blake2s_mod_init(void) { return 0; }\nmodule_init(blake2s_mod_init);\n' },
  {
    path: 'arch/x86/crypto/blake2s-glue.c',
    text: 'static int __init blake2s_mod_init(void) { return 0; }\nsubsys_initcall(blake2s_mod_init);\n',
  },
  { path: 'arch/arm/crypto/other.c', text: 'static int __init cmos_init(void) { return 0; }\narch_initcall(cmos_init);\n' },
];

const index = buildSourceIndex(FILES, { kernelVersion: '6.1.192' });

function boot(lines: string[], source = 'test.log') {
  let t = 1.0;
  const text = lines
    .flatMap((l) => {
      const [fn, tag] = l.split(' ');
      t += 0.01;
      const mod = tag ? ` [${tag}]` : '';
      return [
        `[    ${t.toFixed(6)}] calling  ${fn}+0x0/0x80${mod} @ 1`,
        `[    ${(t + 0.002).toFixed(6)}] initcall ${fn}+0x0/0x80${mod} returned 0 after 2000 usecs`,
      ];
    })
    .join('\n');
  return parseBootLog(
    `[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2\n${text}\n`,
    { source },
  );
}

describe('buildSourceIndex', () => {
  it('finds registrations with their macro, line and level id', () => {
    expect(index.registrations.get('cmos_init')?.map((r) => [r.file, r.line, r.macro, r.levelId])).toEqual([
      ['drivers/rtc/rtc-cmos.c', 6, 'module_init', 'module'],
      ['arch/arm/crypto/other.c', 2, 'arch_initcall', '3'],
    ]);
    expect(index.registrations.get('devlink_class_init')?.[0]).toMatchObject({ file: 'drivers/base/core.c', line: 5, levelId: '2' });
  });

  it('derives helper macros through other helpers: module_platform_driver → <arg0>_init, builtin → device', () => {
    expect(index.helpers.get('module_platform_driver')).toEqual({ template: '<arg0>_init', levelId: 'module' });
    expect(index.helpers.get('builtin_platform_driver')).toEqual({ template: '<arg0>_init', levelId: '6' });
    expect(index.helpers.get('module_usb_serial_driver')).toEqual({ template: 'usb_serial_module_init', levelId: 'module' });
    expect(index.registrations.get('cmos_platform_driver_init')?.[0]).toMatchObject({
      file: 'drivers/rtc/rtc-cmos.c',
      line: 8,
      macro: 'module_platform_driver',
    });
    expect(index.registrations.get('foo_driver_init')?.[0]).toMatchObject({ file: 'drivers/rtc/rtc-foo.c', levelId: '6' });
    expect(index.registrations.get('usb_serial_module_init')?.map((r) => r.file)).toEqual([
      'drivers/usbserial/a.c',
      'drivers/usbserial/b.c',
    ]);
  });

  it('records #ifdef context, drops #if 0 blocks', () => {
    const fb = index.registrations.get('fbmem_init')!;
    expect(fb.map((r) => [r.levelId, r.ifdefs])).toEqual([
      ['module', [{ symbol: 'MODULE', need: 'y' }]],
      ['4', [{ symbol: 'MODULE', need: 'mn' }]],
    ]);
    expect(index.registrations.has('dead_init')).toBe(false);
    expect(index.registrations.get('pm_extra_init')?.[0].ifdefs).toEqual([
      { symbol: 'PM', need: 'ym' },
      { symbol: 'FB_EXTRA', need: 'y' },
    ]);
  });

  it('keeps __init definitions without registration as a fallback, and survives a JSON round trip', () => {
    expect(index.definitions.get('helper_only')).toEqual([{ file: 'drivers/base/core.c', line: 7 }]);
    expect(index.definitions.has('cmos_init')).toBe(false);
    const back = deserializeSourceIndex(serializeSourceIndex(index))!;
    expect(back.registrations).toEqual(index.registrations);
    expect(back.kbuild.files).toEqual(index.kbuild.files);
    expect(back.kbuild.modules).toEqual(index.kbuild.modules);
    expect(deserializeSourceIndex(serializeSourceIndex(index).replace('"formatVersion":1', '"formatVersion":0'))).toBeUndefined();
  });
});

describe('attributeInitcalls', () => {
  it('resolves by registration, the arch filter, the module tag, #ifdef MODULE; levels from the registration', () => {
    const b = boot(['devlink_class_init', 'cmos_init', 'fbmem_init', 'e1000_init_module e1000e', 'usb_serial_module_init b']);
    const r = attributeInitcalls([b], index);
    expect(r.items.map((a) => [a.fn, a.file, a.how, a.level])).toEqual([
      ['devlink_class_init', 'drivers/base/core.c', 'registration', 'postcore'],
      ['cmos_init', 'drivers/rtc/rtc-cmos.c', 'arch', 'device'],
      ['fbmem_init', 'drivers/video/fbmem.c', 'ifdef', 'subsys'],
      ['e1000_init_module', 'drivers/net/e1000e/netdev.c', 'module-tag', 'module'],
      ['usb_serial_module_init', 'drivers/usbserial/b.c', 'module-tag', 'module'],
    ]);
    expect(r.items[2].line).toBe(5);
    expect(r.rates).toEqual({ total: 5, resolved: 5, totalOver1ms: 5, resolvedOver1ms: 5 });
  });

  it('never guesses: duplicates without tag stay unresolved with candidates; unknown functions say so', () => {
    const r = attributeInitcalls([boot(['e1000_init_module', 'no_such_init', 'helper_only'])], index);
    expect(r.items[0]).toMatchObject({ file: null, how: 'unresolved' });
    expect(r.items[0].unresolvedReason).toMatch(/^ambiguous: 2 registrations/);
    expect(r.items[0].candidates.map((c) => c.file)).toEqual(['drivers/net/e1000/e1000_main.c', 'drivers/net/e1000e/netdev.c']);
    expect(r.items[1]).toMatchObject({
      file: null,
      how: 'unresolved',
      unresolvedReason: 'not found in the tree (no registration or __init definition of that name)',
    });
    expect(r.items[2]).toMatchObject({ file: 'drivers/base/core.c', how: 'definition', line: 7 });
    expect(r.rates).toEqual({ total: 3, resolved: 1, totalOver1ms: 3, resolvedOver1ms: 1 });
  });

  it('a config picks the built file', () => {
    const config = parseDotConfig('CONFIG_E1000=y\n# CONFIG_E1000E is not set\n', '.config');
    const r = attributeInitcalls([boot(['e1000_init_module'])], index, { config });
    expect(r.items[0]).toMatchObject({ file: 'drivers/net/e1000/e1000_main.c', how: 'config', level: 'device' });
  });

  it('level order: an ambiguous call between subsys initcalls is the subsys registration', () => {
    const r = attributeInitcalls([boot(['fbmem_init', 'blake2s_mod_init', 'fbmem_init'])], index);
    expect(r.items[1]).toMatchObject({ file: 'arch/x86/crypto/blake2s-glue.c', how: 'level', level: 'subsys' });
  });

  it('with a System.map: module, line and level from the name; the k-th call is the k-th pointer', () => {
    const map = parseSystemMap(
      [
        'ffffffff81000000 T e1000_init_module',
        'ffffffff81937760 d __initcall__kmod_e1000__337_6_e1000_init_module6',
        'ffffffff81937764 d __initcall__kmod_e1000e__338_8_e1000_init_module6',
      ].join('\n'),
    );
    const r = attributeInitcalls([boot(['e1000_init_module', 'e1000_init_module'])], index, { systemMap: map });
    expect(r.items.map((a) => [a.file, a.line, a.how, a.level, a.kbuildModule])).toEqual([
      ['drivers/net/e1000/e1000_main.c', 6, 'system-map', 'device', 'e1000'],
      ['drivers/net/e1000e/netdev.c', 8, 'system-map', 'device', 'e1000e'],
    ]);
  });

  it('warns when the log is from another kernel version than the tree', () => {
    const b = boot(['cmos_init']);
    expect(versionMismatch(b, '6.1.192')).toBeUndefined();
    expect(versionMismatch(b, '6.1.100')).toBe(
      'test.log: the log is from kernel 6.1.192, the tree is 6.1.100: line numbers and some functions may differ',
    );
    expect(versionMismatch(b, '6.12.1')).toBe(
      'test.log: the log is from kernel 6.1.0-56-amd64, the tree is 6.12.1: attribution may be wrong',
    );
    expect(attributeInitcalls([b], index, { treeVersion: '6.12.1' }).warnings).toHaveLength(1);
  });
});
