import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';
import { olddefconfig } from '../../../src/kconfig/confdata.js';
import { checkConfigAgainstTree, configHeaderVersion } from '../../../src/propose/checks.js';
import { loadFixtureTree } from '../../helpers/kconfig-fixture.js';

const DIR = join(process.cwd(), 'test/fixtures/dotconfig/kconfig-explain');
const tree = loadFixtureTree(DIR);
const check = (text: string) => {
  const cfg = parseDotConfig(text, 'in.config', { strict: false });
  return checkConfigAgainstTree(olddefconfig(tree, cfg), cfg, text, '6.1.192');
};

describe('a config against the tree', () => {
  it('reads the header version', () => {
    expect(configHeaderVersion('#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 6.12.9 Kernel Configuration\n#\n')).toBe(
      '6.12.9',
    );
  });
  it("the tree's own config passes; one unknown symbol in eleven is a warning", () => {
    const r = check(readFileSync(join(DIR, 'input.config'), 'utf8'));
    expect(r.error).toBeUndefined();
    expect(r).toMatchObject({ unknown: 1, total: 11 });
    expect(r.warnings).toEqual([
      'in.config: 1 of its 11 symbols are unknown to the tree (e.g. UNKNOWN_THING): is it the config of this tree?',
    ]);
  });
  it('another series with unknown symbols is refused, naming both versions', () => {
    const r = check('# Linux/x86 6.12.9 Kernel Configuration\nCONFIG_PCI=y\nCONFIG_NEW_IN_612=y\n');
    expect(r.error).toBe(
      'in.config: written for Linux 6.12.9, the tree is 6.1.192: 1 of its 2 symbols are unknown to the tree (e.g. NEW_IN_612); pass the .config the logged kernel was built from',
    );
  });
  it('a file with no CONFIG_ line is refused', () => {
    expect(check('# nothing here\n').error).toBe('in.config: sets no CONFIG_ symbol: not a kernel .config');
  });
});
