import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSystemMap } from '../../../src/initcall/symbols.js';
import { levelFromId, parseInitcallSymbol, splitFnAndId } from '../../../src/initcall/levels.js';
import { InputError } from '../../../src/errors.js';

const FIX = join(process.cwd(), 'test/fixtures/malformed');
const read = (name: string) => readFileSync(join(FIX, name), 'latin1');

function thrown(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    return e as InputError;
  }
  throw new Error('did not throw');
}

describe('parseSystemMap', () => {
  const map = parseSystemMap(read('bare-addresses.System.map'), 'bare-addresses.System.map');

  it('looks up exact addresses and the closest symbol below, preferring code over __pfx_ padding', () => {
    expect(map.size).toBe(12);
    expect(map.lookup(0xffffffff818c2a38n)).toEqual({ name: 'pci_subsys_init', offset: 0n });
    expect(map.lookup(0xffffffff818c2a40n)).toEqual({ name: 'pci_subsys_init', offset: 8n });
    expect(map.lookup(0xffffffff818c2a30n)).toEqual({ name: '__pfx_pci_subsys_init', offset: 8n });
    expect(map.lookup(0xffffffff818c3100n)).toEqual({ name: 'net_dev_init', offset: 0n });
    expect(map.lookup(0xffffffff80000000n)).toBeUndefined(); // below _text
    expect(map.addressOf('xenbus_init')).toBe(0xffffffff818c3000n);
    expect(map.addressOf('nope')).toBeUndefined();
  });

  it('knows initcall levels from __initcall__kmod_… (5.16+) and __initcall_… (older) entries', () => {
    expect(map.levelOf('pci_subsys_init')).toBe('subsys');
    expect(map.levelOf('xenbus_init')).toBe('device');
    expect(map.levelOf('net_dev_init')).toBe('subsys'); // 4s
    expect(map.levelOf('old_style_init')).toBe('late');
    expect(map.levelOf('early_setup')).toBe('early');
    expect(map.levelOf('helper_fn')).toBeUndefined();
    expect(map.initcalls).toHaveLength(5);
    expect(map.initcalls[0]).toEqual({ fn: 'pci_subsys_init', id: '4', level: 'subsys', object: 'legacy', line: 68 });
  });

  it('reads /proc/kallsyms-style lines (module column), CRLF, blank lines, unsorted input', () => {
    const k = parseSystemMap(read('systemmap-crlf-kallsyms.System.map'), 'k');
    expect(k.size).toBe(4);
    expect(k.lookup(0xffffffff81000090n)).toEqual({ name: 'unsorted_sym', offset: 0x10n });
    expect(k.lookup(0xffffffffc0000004n)).toEqual({ name: 'virtio_init', offset: 4n });
  });

  it('throws InputError naming file and line on a malformed line', () => {
    const e = thrown(() => parseSystemMap(read('systemmap-bad-line.System.map'), 'bad.map'));
    expect(e).toBeInstanceOf(InputError);
    expect(e.file).toBe('bad.map');
    expect(e.line).toBe(3);
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(/^bad\.map:3: not a System\.map line/);
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it("recognizes Debian's placeholder System.map and points at the -dbg package", () => {
    const e = thrown(() => parseSystemMap(read('systemmap-debian-placeholder.System.map'), 'System.map-6.1.0-56-amd64'));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(
      "System.map-6.1.0-56-amd64:1: this is Debian's placeholder System.map; the real one is in the linux-image-<version>-dbg package",
    );
  });

  it('rejects binary garbage with the line number', () => {
    const e = thrown(() => parseSystemMap('ffffffff81000000 T _text\n\x00\xff\x1b[2J\n', 'garbage'));
    expect(e.line).toBe(2);
  });
});

describe('initcall symbol names', () => {
  it('splits <fn><id> where the function itself ends in digits or level-like words', () => {
    expect(splitFnAndId('foo_init26')).toEqual({ fn: 'foo_init2', id: '6' });
    expect(splitFnAndId('foo_init21s')).toEqual({ fn: 'foo_init2', id: '1s' });
    expect(splitFnAndId('populate_rootfsrootfs')).toEqual({ fn: 'populate_rootfs', id: 'rootfs' });
    expect(splitFnAndId('setup_earlyearly')).toEqual({ fn: 'setup_early', id: 'early' });
    expect(splitFnAndId('univ8250_console_initcon')).toEqual({ fn: 'univ8250_console_init', id: 'con' });
    expect(splitFnAndId('end')).toBeUndefined();
  });

  it('parses kmod, stub and old-style names; ignores section boundary symbols', () => {
    expect(parseInitcallSymbol('__initcall__kmod_e1000__337_961_e1000_init_module6')).toEqual({
      fn: 'e1000_init_module',
      id: '6',
      level: 'device',
      object: 'e1000',
      line: 961,
    });
    expect(parseInitcallSymbol('__initstub__kmod_core__400_100_foo_init2s')?.level).toBe('postcore');
    expect(parseInitcallSymbol('__initcall_univ8250_console_initcon')).toEqual({
      fn: 'univ8250_console_init',
      id: 'con',
      level: undefined,
    });
    expect(parseInitcallSymbol('__initcall_start')).toBeUndefined();
    expect(parseInitcallSymbol('__initcall6_start')).toBeUndefined();
    expect(parseInitcallSymbol('__initcall_end')).toBeUndefined();
    expect(parseInitcallSymbol('pci_subsys_init')).toBeUndefined();
  });

  it('maps every level id of include/linux/init.h', () => {
    expect(['early', '0', '1', '2', '3', '4', '5', 'rootfs', '6', '7'].map(levelFromId)).toEqual([
      'early',
      'pure',
      'core',
      'postcore',
      'arch',
      'subsys',
      'fs',
      'rootfs',
      'device',
      'late',
    ]);
    expect(levelFromId('con')).toBeUndefined();
    expect(levelFromId('8')).toBeUndefined();
  });
});
