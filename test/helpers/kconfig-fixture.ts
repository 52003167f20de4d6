// A small Kconfig tree under test/fixtures, loaded as x86_64 6.1 without a
// toolchain: $(shell) answers nothing, so no compiler probe runs.
import { readFileSync } from 'node:fs';
import { loadKconfigSync } from '../../src/kconfig/tree.js';
import type { KconfigTree } from '../../src/kconfig/symbol.js';

export function loadFixtureTree(srctree: string): KconfigTree {
  return loadKconfigSync({
    srctree,
    kernelVersion: '6.1.0',
    readFile: (p) => readFileSync(p, 'utf8'),
    env: { ARCH: 'x86_64', SRCARCH: 'x86', KERNELVERSION: '6.1.0', CC: 'gcc', LD: 'ld', CC_VERSION_TEXT: '' },
    shell: { run: () => '' },
  });
}
