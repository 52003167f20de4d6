/**
 * configs/demo-start.config (what `make demo` minimizes) is valid for Debian's
 * real linux-source-6.1 read with ktrim's Kconfig engine, without building:
 * every symbol it names exists, olddefconfig leaves it as it is (so make
 * will build exactly it), it has what the boot lab needs, and the catalog's
 * removals each change it (minimize has bloat to find).
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ensureDebianSource } from '../../src/build/source.js';
import { loadKernelKconfig } from '../../src/build/kconfig-host.js';
import { olddefconfig } from '../../src/kconfig/confdata.js';
import { parseDotConfig } from '../../src/kconfig/dotconfig.js';
import { triValue } from '../../src/kconfig/gate.js';
import { findSymbol } from '../../src/kconfig/symbol.js';
import { writeConfig } from '../../src/kconfig/write.js';
import { gatherCandidates } from '../../src/minimize/candidates.js';
import { readCatalog } from '../../src/propose/catalog.js';
import { createLogger } from '../../src/ui/log.js';

const DEMO = 'configs/demo-start.config';
const logger = createLogger({ quiet: !process.env.KTRIM_TEST_VERBOSE });
const source = await ensureDebianSource('6.1', { logger });
const text = readFileSync(DEMO, 'utf8');
const configLines = (t: string) => t.split('\n').filter((l) => /^(# )?CONFIG_/.test(l));

describe('configs/demo-start.config on Debian linux-source-6.1 (x86_64)', () => {
  const tree = loadKernelKconfig({ srctree: source, arch: 'x86_64' });
  const config = parseDotConfig(text, DEMO);
  const state = olddefconfig(tree, config);

  it('names only symbols of the tree, and olddefconfig changes none of its lines', () => {
    const unknown = config.entries.filter((e) => {
      const sym = findSymbol(tree, e.name);
      return !sym || sym.isConst || sym.type === 'unknown';
    });
    expect(unknown.map((e) => `${DEMO}:${e.line}: ${e.name}`)).toEqual([]);
    expect(configLines(writeConfig(state))).toEqual(configLines(text));
    expect(config.entries.filter((e) => !e.unset).length).toBe(668);
  }, 120_000);

  it("has what the boot lab needs (configs/tiny-serial.config's symbols) on", () => {
    const lab = parseDotConfig(readFileSync('configs/tiny-serial.config', 'utf8'), 'configs/tiny-serial.config');
    const off = lab.entries.filter((e) => !e.unset && triValue(state, tree, e.name) !== 'y').map((e) => e.name);
    expect(off).toEqual([]);
  });

  it('every catalog removal of the seed study that the demo switched on changes the config', () => {
    const list = gatherCandidates({ mode: 'catalog', start: state, catalog: readCatalog(), keep: [] });
    const changed = list.candidates.map((c) => c.id.replace(/^catalog:/, '')).sort();
    // big_key, microcode and netlabel need what a small kernel lacks (KEYS+TMPFS, CPU_SUP_*, INET);
    // ZBUD stays selected by zswap's default zpool (ZSWAP_ZPOOL_DEFAULT_ZBUD): only zswap's removal takes it.
    expect(changed).toEqual(
      [
        'audit',
        'ftrace',
        'hugetlbfs',
        'input_leds',
        'joydev',
        'joysticks',
        'keyboards',
        'kprobes',
        'libata',
        'mice',
        'profiling',
        'quota',
        'rtc_drv_cmos',
        'sound',
        'tablets',
        'touchscreens',
        'usb',
        'zswap',
      ].sort(),
    );
    // Not in the demo's bloat: crypto_selftests is already in place (CRYPTO_MANAGER_DISABLE_TESTS=y, its default).
    expect(list.dropped.map((d) => d.id).sort()).toEqual([
      'catalog:big_key',
      'catalog:crypto_selftests',
      'catalog:microcode',
      'catalog:netlabel',
      'catalog:zbud',
    ]);
  });
});
