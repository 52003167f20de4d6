import { describe, it, expect } from '@jest/globals';
import { kbuildConditions, kbuildState, type KbuildObject } from '../../../src/kconfig/kbuild.js';

// A small tree written like the kernel's own Makefiles (6.1 layout: top Kbuild + arch Makefile).
const TREE = [
  { path: 'Makefile', text: 'VERSION = 6\nPATCHLEVEL = 1\nifeq ($(KBUILD_EXTMOD),)\nlibs-y\t\t:= lib/\nendif\n' },
  {
    path: 'Kbuild',
    text: 'obj-y += init/\nobj-y += arch/$(SRCARCH)/\nobj-y += drivers/\nobj-$(CONFIG_NET) += net/\nobj-y += $(ARCH_DRIVERS)\n',
  },
  {
    path: 'arch/x86/Makefile',
    text: 'ifeq ($(CONFIG_X86_32),y)\n        BITS := 32\nendif\ndrivers-$(CONFIG_PCI)            += arch/x86/pci/\n',
  },
  { path: 'arch/x86/Kbuild', text: 'obj-y += kernel/\n' },
  { path: 'arch/x86/kernel/Makefile', text: 'obj-y\t\t\t:= process_$(BITS).o \\\n\t\t\t   setup.o\nobj-$(CONFIG_X86_MSR)\t\t+= msr.o\n' },
  { path: 'arch/x86/pci/Makefile', text: 'obj-y := i386.o init.o\n' },
  { path: 'arch/arm/Makefile', text: 'core-y += arch/arm/kernel/\n' },
  { path: 'arch/arm/kernel/Makefile', text: 'obj-y += arm.o\n' },
  { path: 'init/Makefile', text: 'obj-y := main.o\n' },
  { path: 'lib/Makefile', text: 'lib-y := sort.o\nobj-$(CONFIG_CRC32) += crc32.o\n' },
  {
    path: 'drivers/Makefile',
    text: [
      '# comment',
      'obj-$(CONFIG_USB_PHY)\t\t+= usb/',
      'obj-$(CONFIG_USB)\t\t+= usb/',
      'obj-y\t\t\t\t+= tty/',
      'obj-$(CONFIG_RTC_LIB)\t\t+= rtc/',
      '',
    ].join('\n'),
  },
  { path: 'drivers/usb/Makefile', text: 'obj-$(CONFIG_USB)\t\t+= core/\n' },
  {
    path: 'drivers/usb/core/Makefile',
    text: 'usbcore-y := usb.o hub.o\nusbcore-$(CONFIG_OF) += of.o\nusbcore-objs += message.o\nobj-$(CONFIG_USB) += usbcore.o\n',
  },
  { path: 'drivers/tty/Makefile', text: 'obj-$(CONFIG_SERIAL_CORE) += serial/\n' },
  {
    path: 'drivers/tty/serial/Makefile',
    text: 'obj-$(CONFIG_SERIAL_8250) += 8250/\nifdef CONFIG_SERIAL_EXTRAS\nobj-y += extras.o\nelse\nobj-y += plain.o\nendif\nifeq ($(CC),clang)\nobj-y += odd.o\nendif\nifneq ($(CONFIG_SERIAL_KGDB),)\nobj-y += kgdb.o\nendif\n',
  },
  {
    path: 'drivers/tty/serial/8250/Makefile',
    text: 'obj-$(CONFIG_SERIAL_8250)\t\t+= 8250.o 8250_base.o\n8250-y\t\t\t\t:= 8250_core.o\n8250-$(CONFIG_SERIAL_8250_PNP)\t+= 8250_pnp.o\n8250_base-y\t\t\t:= 8250_port.o\nobj-$(subst m,y,$(CONFIG_SERIAL_8250_DW)) += 8250-dw.o\n',
  },
  {
    path: 'drivers/rtc/Makefile',
    text: 'rtc-lib-$(CONFIG_RTC_MC146818_LIB) += lib.o\nobj-$(CONFIG_RTC_DRV_CMOS)\t+= rtc-cmos.o $(rtc-lib-y)\n',
  },
  { path: 'net/Makefile', text: 'obj-$(CONFIG_NET) := socket.o\n' },
];

const value = (cfg: Record<string, 'y' | 'm'>) => (s: string) => cfg[s] ?? 'n';
const terms = (o: KbuildObject | undefined) => o?.alternatives.map((a) => a.terms.map((t) => `${t.symbol}=${t.need}`));

describe('kbuildConditions', () => {
  const map = kbuildConditions(TREE);

  it('follows directory entries from the top Kbuild, arch Makefile and libs-y, and carries each gate', () => {
    expect(terms(map.files.get('init/main.c'))).toEqual([[]]);
    expect(terms(map.files.get('arch/x86/pci/init.c'))).toEqual([['PCI=ym']]);
    expect(terms(map.files.get('lib/sort.c'))).toEqual([[]]);
    expect(map.files.get('lib/sort.c')?.alternatives[0].modular).toBe(false);
    expect(terms(map.files.get('lib/crc32.c'))).toEqual([['CRC32=ym']]);
    expect(terms(map.files.get('net/socket.c'))).toEqual([['NET=ym']]);
    // Another architecture is never reached.
    expect(map.files.has('arch/arm/kernel/arm.c')).toBe(false);
  });

  it('expands variables (BITS), joins continuation lines', () => {
    expect(map.files.has('arch/x86/kernel/process_64.c')).toBe(true);
    expect(map.files.has('arch/x86/kernel/setup.c')).toBe(true);
    expect(terms(map.files.get('arch/x86/kernel/msr.c'))).toEqual([['X86_MSR=ym']]);
  });

  it('composite objects: members get the module name and their own condition', () => {
    const core = map.files.get('drivers/tty/serial/8250/8250_core.c');
    expect(terms(core)).toEqual([['SERIAL_CORE=ym', 'SERIAL_8250=ym']]);
    expect(core?.alternatives[0].module).toBe('8250');
    expect(core?.alternatives[0].modular).toBe(true);
    expect(terms(map.files.get('drivers/tty/serial/8250/8250_pnp.c'))).toEqual([
      ['SERIAL_CORE=ym', 'SERIAL_8250=ym', 'SERIAL_8250_PNP=ym'],
    ]);
    expect(map.files.get('drivers/tty/serial/8250/8250_port.c')?.alternatives[0].module).toBe('8250_base');
    // foo-objs as well as foo-y; `-` becomes `_` in KBUILD_MODNAME.
    expect(map.files.get('drivers/usb/core/message.c')?.alternatives[0].module).toBe('usbcore');
    expect(map.files.get('drivers/tty/serial/8250/8250-dw.c')?.alternatives[0].module).toBe('8250_dw');
    expect(map.modules.get('usbcore')?.sort()).toEqual([
      'drivers/usb/core/hub.c',
      'drivers/usb/core/message.c',
      'drivers/usb/core/of.c',
      'drivers/usb/core/usb.c',
    ]);
  });

  it('a directory reached two ways keeps the weaker condition (USB_PHY ∧ USB absorbed by USB)', () => {
    expect(terms(map.files.get('drivers/usb/core/usb.c'))).toEqual([['USB=ym']]);
    expect(terms(map.files.get('drivers/usb/core/of.c'))).toEqual([['USB=ym', 'OF=ym']]);
  });

  it('ifdef/else/ifneq on CONFIG symbols become terms; other conditions are marked unsure', () => {
    expect(terms(map.files.get('drivers/tty/serial/extras.c'))).toEqual([['SERIAL_CORE=ym', 'SERIAL_EXTRAS=ym']]);
    expect(terms(map.files.get('drivers/tty/serial/plain.c'))).toEqual([['SERIAL_CORE=ym', 'SERIAL_EXTRAS=n']]);
    expect(terms(map.files.get('drivers/tty/serial/kgdb.c'))).toEqual([['SERIAL_CORE=ym', 'SERIAL_KGDB=ym']]);
    const odd = map.files.get('drivers/tty/serial/odd.c')!;
    expect(odd.alternatives[0].unsure).toBe(true);
    expect(odd.alternatives[0].reasons[0]).toMatch(/drivers\/tty\/serial\/Makefile:7: ifeq \(\$\(CC\),clang\)/);
    expect(map.files.get('drivers/tty/serial/extras.c')?.alternatives[0].unsure).toBe(false);
  });

  it('`$(foo-y)` lists filled by foo-$(CONFIG_X) lines keep their own condition', () => {
    expect(terms(map.files.get('drivers/rtc/lib.c'))).toEqual([['RTC_LIB=ym', 'RTC_DRV_CMOS=ym', 'RTC_MC146818_LIB=ym']]);
    expect(map.files.get('drivers/rtc/lib.c')?.alternatives[0].unsure).toBe(false);
  });

  it('kbuildState evaluates a file against a config', () => {
    const core = map.files.get('drivers/tty/serial/8250/8250_core.c')!;
    expect(kbuildState(core, value({ SERIAL_CORE: 'y', SERIAL_8250: 'y' }))).toEqual({ state: 'y', unsure: false });
    expect(kbuildState(core, value({ SERIAL_CORE: 'm', SERIAL_8250: 'm' }))).toEqual({ state: 'm', unsure: false });
    expect(kbuildState(core, value({ SERIAL_CORE: 'y' })).state).toBe('n');
    expect(kbuildState(map.files.get('drivers/tty/serial/plain.c')!, value({ SERIAL_CORE: 'y', SERIAL_EXTRAS: 'y' })).state).toBe('n');
    expect(kbuildState(map.files.get('lib/sort.c')!, value({})).state).toBe('y');
  });

  it('counts Makefiles read and reached, and warns about an unterminated if', () => {
    expect(map.makefileCount).toBe(TREE.length);
    expect(map.reachedCount).toBeGreaterThan(10);
    const bad = kbuildConditions([
      { path: 'Kbuild', text: 'obj-y += a/\n' },
      { path: 'a/Makefile', text: 'ifdef CONFIG_A\nobj-y += x.o\n' },
    ]);
    expect(bad.warnings).toEqual([{ file: 'a/Makefile', line: 1, message: 'if without endif' }]);
  });

  it('a tree without Makefiles gives an empty map', () => {
    const empty = kbuildConditions([]);
    expect(empty.files.size).toBe(0);
    expect(empty.reachedCount).toBe(0);
  });
});
