import { describe, expect, it } from '@jest/globals';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';
import { olddefconfig } from '../../../src/kconfig/confdata.js';
import { loadKconfigSync } from '../../../src/kconfig/tree.js';
import { escapeString, writeConfig } from '../../../src/kconfig/write.js';

function run(kconfig: string, config: string | null, version = '6.1.0'): string {
  const tree = loadKconfigSync({
    srctree: '/src',
    env: { ARCH: 'x86_64', SRCARCH: 'x86', KERNELVERSION: version, CC: 'gcc', LD: 'ld', CC_VERSION_TEXT: '' },
    shell: { run: () => '' },
    readFile: (p) => {
      if (p === '/src/Kconfig') return kconfig;
      throw new Error('ENOENT');
    },
  });
  return writeConfig(olddefconfig(tree, config === null ? null : parseDotConfig(config, '.config')));
}

// Every expected text below was checked against the real 6.1 and 6.12 conf --olddefconfig.
describe('writeConfig (conf_write)', () => {
  it('escapes strings like escape_string_value', () => {
    expect(escapeString('a "b" \\c')).toBe('"a \\"b\\" \\\\c"');
    expect(escapeString('')).toBe('""');
  });

  it('writes the heading, menu blocks, end-of-menu lines and the blank line after them', () => {
    const k = [
      'mainmenu "Demo"',
      'config A',
      '\tbool "a"',
      '\tdefault y',
      'menu "Outer"',
      'config B',
      '\tint "b"',
      '\tdefault 3',
      'menu "Inner"',
      'comment "note"',
      'endmenu',
      'endmenu',
      'config C',
      '\tstring "c"',
      '\tdefault "x\\"y"',
      'config D',
      '\tbool "d"',
      '',
    ].join('\n');
    expect(run(k, '')).toBe(
      '#\n# Automatically generated file; DO NOT EDIT.\n# Demo\n#\nCONFIG_A=y\n\n#\n# Outer\n#\nCONFIG_B=3\n\n#\n# Inner\n#\n\n#\n# note\n#\n' +
        '# end of Inner\n# end of Outer\n\nCONFIG_C="x\\"y"\n# CONFIG_D is not set\n',
    );
  });

  it('writes nothing for invisible menus and symbols without value', () => {
    const k = [
      'menu "Gone"',
      '\tdepends on n',
      'config X',
      '\tbool "x"',
      'endmenu',
      'config HIDDEN',
      '\tbool',
      'config Y',
      '\tbool',
      '\tdefault y',
      '',
    ].join('\n');
    expect(run(k, '')).toBe('#\n# Automatically generated file; DO NOT EDIT.\n# Main menu\n#\nCONFIG_Y=y\n');
  });

  it('writes a symbol defined twice only once, at its first visible place', () => {
    const k = ['config A', '\tbool', 'config B', '\tbool "b"', '\tdefault y', 'config A', '\tbool "a"', '\tdefault B', ''].join('\n');
    expect(run(k, '').split('\n').slice(4)).toEqual(['CONFIG_A=y', 'CONFIG_B=y', '']);
  });

  it('writes int and hex with no default as empty (6.1) or 0 / 0x0 (6.12)', () => {
    const k = ['config I', '\tint "i"', 'config H', '\thex "h"', ''].join('\n');
    expect(run(k, '', '6.1.0').split('\n').slice(4)).toEqual(['CONFIG_I=', 'CONFIG_H=', '']);
    expect(run(k, '', '6.12.0').split('\n').slice(4)).toEqual(['CONFIG_I=0', 'CONFIG_H=0x0', '']);
  });
});
