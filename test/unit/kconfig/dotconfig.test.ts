import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  dotConfigFrom,
  escapeStringValue,
  formatConfigLine,
  parseDotConfig,
  unescapeStringValue,
  writeDotConfig,
} from '../../../src/kconfig/dotconfig.js';
import { InputError } from '../../../src/errors.js';

const FIX = join(process.cwd(), 'test/fixtures/dotconfig');
const read = (name: string) => parseDotConfig(readFileSync(join(FIX, name), 'utf8'), name);

describe('parseDotConfig', () => {
  it('reads values in file order with line numbers, as conf_read_simple does', () => {
    const c = read('a.config');
    expect(c.file).toBe('a.config');
    expect(c.entries.map((e) => e.name)).toEqual([
      'CC_VERSION_TEXT',
      '64BIT',
      'SMP',
      'LOCALVERSION',
      'PHYSICAL_START',
      'LOG_BUF_SHIFT',
      'MODULES',
      'E1000',
      'CMDLINE',
      'EMBEDDED',
      'NR_CPUS',
    ]);
    const smp = c.values.get('SMP')!;
    expect(smp).toEqual({ name: 'SMP', value: 'n', raw: 'n', quoted: false, unset: true, line: 7 });
    expect(c.values.get('E1000')!.value).toBe('m');
    expect(c.values.get('PHYSICAL_START')!.value).toBe('0x1000000');
    expect(c.values.get('LOG_BUF_SHIFT')!.value).toBe('17');
    expect(c.values.get('NR_CPUS')!.line).toBe(19);
    expect(c.warnings).toEqual([]);
  });

  it('unescapes strings and keeps the raw text', () => {
    const c = read('a.config');
    const lv = c.values.get('LOCALVERSION')!;
    expect(lv.value).toBe('-"quoted" back\\slash');
    expect(lv.raw).toBe('"-\\"quoted\\" back\\\\slash"');
    expect(lv.quoted).toBe(true);
    expect(c.values.get('CMDLINE')!.value).toBe('');
    expect(c.values.get('CC_VERSION_TEXT')!.value).toBe('gcc (Debian 12.2.0-14+deb12u1) 12.2.0');
  });

  it('strips CR from CRLF files', () => {
    const c = read('crlf.config');
    expect([...c.values.values()].map((e) => [e.name, e.raw])).toEqual([
      ['64BIT', 'y'],
      ['SMP', 'y'],
      ['NUMA', 'n'],
    ]);
  });

  it('later assignments win and warn, like the kernel; an unterminated string is ignored with a warning', () => {
    const c = read('dup.config');
    expect(c.values.get('SMP')!.raw).toBe('n');
    expect(c.values.get('NR_CPUS')!.raw).toBe('4');
    expect(c.values.get('NR_CPUS')!.line).toBe(5);
    expect(c.values.has('LOCALVERSION')).toBe(false);
    expect(c.entries).toHaveLength(4);
    expect(c.warnings.map((w) => w.line)).toEqual([3, 4, 5]);
    // The C tool's words.
    expect(c.warnings[0].message).toBe('override: reassigning to symbol SMP');
    expect(c.warnings[1].message).toBe('invalid string found');
  });

  it('rejects a line that is not a config line with file:line', () => {
    expect(() => read('bad-noprefix.config')).toThrow(InputError);
    expect(() => read('bad-noprefix.config')).toThrow('bad-noprefix.config:4: not a config line: "SMP=y"');
    expect(() => read('bad-noequals.config')).toThrow('bad-noequals.config:2: not a config line (no "="): "CONFIG_SMP"');
    expect(() => parseDotConfig('CONFIG_FOO BAR=y\n')).toThrow('<config>:1: not a config line (bad symbol name "FOO BAR")');
  });

  it('in lenient mode, turns bad lines into warnings as the C tool does', () => {
    const c = parseDotConfig(readFileSync(join(FIX, 'bad-noprefix.config'), 'utf8'), 'x', { strict: false });
    expect([...c.values.keys()]).toEqual(['64BIT', 'SMP']);
    expect(c.warnings).toEqual([{ line: 4, message: 'unexpected data: SMP=y' }]);
    // Like conf_read_simple: no "=" is skipped silently; a bad name is kept (it will read as unknown).
    const d = parseDotConfig('CONFIG_A\nCONFIG_B C=y\n  \n', 'y', { strict: false });
    expect([...d.values.keys()]).toEqual(['B C']);
    expect(d.warnings).toEqual([{ line: 3, message: 'unexpected data:   ' }]);
  });

  it('ignores comments that only look like unset lines', () => {
    const c = parseDotConfig('#CONFIG_A is not set\n# CONFIG_B is set\n# CONFIG_C\n   \n# CONFIG_D is not set\n');
    expect([...c.values.keys()]).toEqual(['D']);
  });
});

describe('string escapes and writing', () => {
  it('round-trips escape_string_value / conf_set_sym_val', () => {
    for (const s of ['', 'plain', 'a"b', 'back\\slash', '"\\"', 'console=ttyS0 quiet']) {
      expect(unescapeStringValue(escapeStringValue(s))).toBe(s);
    }
    expect(escapeStringValue('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(unescapeStringValue('"abc" trailing')).toBe('abc');
    expect(unescapeStringValue('"abc')).toBeUndefined();
    // conf_set_sym_val: the first unescaped quote ends the value; a trailing lone backslash leaves it unterminated.
    expect(unescapeStringValue('"a"b"')).toBe('a');
    expect(unescapeStringValue('"a\\"b"')).toBe('a"b');
    expect(unescapeStringValue('"a\\')).toBeUndefined();
    expect(unescapeStringValue('"a\\\\"')).toBe('a\\');
    // parseDotConfig and dotConfigFrom read the value through the same function.
    expect(parseDotConfig('CONFIG_S="a"b"\n', 'x').values.get('S')!.value).toBe('a');
    expect(dotConfigFrom([['S', '"a"b"']]).values.get('S')!.value).toBe('a');
  });

  it('formats lines as __print_symbol does', () => {
    expect(formatConfigLine('SMP', 'n', 'bool')).toBe('# CONFIG_SMP is not set');
    expect(formatConfigLine('E1000', 'm', 'tristate')).toBe('CONFIG_E1000=m');
    expect(formatConfigLine('LOCALVERSION', 'a"b', 'string')).toBe('CONFIG_LOCALVERSION="a\\"b"');
    expect(formatConfigLine('NR_CPUS', '64', 'int')).toBe('CONFIG_NR_CPUS=64');
    expect(formatConfigLine('CMDLINE', 'n', 'string')).toBe('CONFIG_CMDLINE="n"');
  });

  it('writes a fragment that parses back to the same values', () => {
    const c = read('a.config');
    const text = writeDotConfig(c, '# fragment');
    expect(text.split('\n')[0]).toBe('# fragment');
    expect(text).toContain('# CONFIG_SMP is not set\n');
    expect(text).toContain('CONFIG_LOCALVERSION="-\\"quoted\\" back\\\\slash"\n');
    const back = parseDotConfig(text);
    expect([...back.values.values()].map((e) => [e.name, e.value])).toEqual([...c.values.values()].map((e) => [e.name, e.value]));
  });
});
