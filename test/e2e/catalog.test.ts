/**
 * Every symbol of configs/catalog exists in Debian's real 6.1 and 6.12 x86
 * trees (no typo, nothing removed upstream), read with ktrim's Kconfig
 * engine; and whether the user can set it (a prompt), which 6.12 lost for
 * MICROCODE.
 */
import { describe, expect, it } from '@jest/globals';
import { ensureDebianSource } from '../../src/build/source.js';
import { findSymbol, symbolPrompts } from '../../src/kconfig/symbol.js';
import { loadKernelKconfig } from '../../src/build/kconfig-host.js';
import { readCatalog } from '../../src/propose/catalog.js';
import { createLogger } from '../../src/ui/log.js';

const logger = createLogger({ quiet: !process.env.KTRIM_TEST_VERBOSE });
const catalog = readCatalog();
const sources = new Map<string, string>();
for (const series of ['6.1', '6.12']) sources.set(series, await ensureDebianSource(series, { logger }));

const PROMPTLESS: Record<string, string[]> = { '6.1': [], '6.12': ['MICROCODE'] };

describe.each(['6.1', '6.12'])('catalog symbols in Debian linux-source-%s', (series) => {
  it('exist, are bool/tristate, and have a prompt (except the known promptless ones)', () => {
    const tree = loadKernelKconfig({ srctree: sources.get(series)!, arch: 'x86_64' });
    const missing: string[] = [];
    const promptless: string[] = [];
    let checked = 0;
    for (const e of catalog.entries) {
      for (const s of e.settings) {
        const sym = findSymbol(tree, s.name);
        checked++;
        if (!sym || sym.isConst || sym.type === 'unknown') missing.push(`${e.file}:${s.line}: ${s.name}`);
        else {
          expect([`${s.name}:bool`, `${s.name}:tristate`]).toContain(`${s.name}:${sym.type}`);
          if (symbolPrompts(sym).length === 0) promptless.push(s.name);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(promptless).toEqual(PROMPTLESS[series]);
    expect(checked).toBe(24);
  }, 120_000);
});
