/**
 * Parity with the kernel's own `conf --olddefconfig` on small hand-written
 * Kconfig trees. The expected files were written by the real C tool of
 * Debian's 6.1 and 6.12 sources (test/fixtures/kconfig/regen.sh); the engine
 * must reproduce them byte for byte.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';
import { olddefconfig } from '../../../src/kconfig/confdata.js';
import { loadKconfigSync } from '../../../src/kconfig/tree.js';
import { writeConfig } from '../../../src/kconfig/write.js';

const FIXTURES = join(process.cwd(), 'test/fixtures/kconfig');

/** The only $(shell,...) the fixtures use, with what /bin/sh prints for it. */
const SHELL_OUTPUTS: Record<string, string> = { 'echo "LOUD  words" | tr a-z A-Z': 'LOUD  WORDS' };
export const fakeShell = {
  commands: [] as string[],
  run(cmd: string): string {
    this.commands.push(cmd);
    if (!(cmd in SHELL_OUTPUTS)) throw new Error(`unexpected shell command: ${cmd}`);
    return SHELL_OUTPUTS[cmd];
  },
};

function load(tree: string, series: string) {
  return loadKconfigSync({
    srctree: join(FIXTURES, tree),
    env: { ARCH: 'x86_64', SRCARCH: 'x86', KERNELVERSION: `${series}.0`, CC: 'gcc', LD: 'ld', CC_VERSION_TEXT: '' },
    shell: fakeShell,
    readFile: (p: string) => readFileSync(p, 'utf8'),
  });
}

const cases: [string, string, string][] = [];
for (const tree of readdirSync(FIXTURES)) {
  const dir = join(FIXTURES, tree);
  if (!existsSync(join(dir, 'Kconfig'))) continue;
  for (const f of readdirSync(dir)) {
    const m = /^(.*)\.(\d+\.\d+)\.expected$/.exec(f);
    if (m) cases.push([tree, m[1], m[2]]);
  }
}

describe('olddefconfig parity with scripts/kconfig/conf on fixtures', () => {
  it('has fixtures for both dialects', () => {
    expect(cases.filter((c) => c[2] === '6.1').length).toBeGreaterThanOrEqual(9);
    expect(cases.filter((c) => c[2] === '6.12').length).toBeGreaterThanOrEqual(6);
  });
  it.each(cases)('%s/%s.config with %s conf', (tree, input, series) => {
    const t = load(tree, series);
    expect(t.dialect).toBe(series === '6.1' ? 'v6.1' : 'v6.11');
    const inputPath = join(FIXTURES, tree, `${input}.config`);
    const cfg = parseDotConfig(readFileSync(inputPath, 'utf8'), inputPath, { strict: false });
    const state = olddefconfig(t, cfg);
    const expected = readFileSync(join(FIXTURES, tree, `${input}.${series}.expected`), 'utf8');
    expect(writeConfig(state)).toBe(expected);
  });
});
