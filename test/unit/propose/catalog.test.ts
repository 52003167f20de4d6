import { describe, expect, it } from '@jest/globals';
import { catalogEntriesFor, parseCatalogFragment, parseCmdlineHints, readCatalog } from '../../../src/propose/catalog.js';

describe('the shipped catalog (configs/catalog)', () => {
  const catalog = readCatalog();

  it('has one fragment per removal of the seed study, each with a comment and an is-not-set line (the crypto self-tests: a =y)', () => {
    expect(catalog.entries.map((e) => e.name)).toEqual([
      'audit',
      'big_key',
      'crypto_selftests',
      'ftrace',
      'hugetlbfs',
      'input_leds',
      'joydev',
      'joysticks',
      'keyboards',
      'kprobes',
      'libata',
      'mice',
      'microcode',
      'netlabel',
      'profiling',
      'quota',
      'rtc_drv_cmos',
      'sound',
      'tablets',
      'touchscreens',
      'usb',
      'zbud',
      'zswap',
    ]);
    for (const e of catalog.entries) {
      expect(e.description).toMatch(/^ktrim catalog: /);
      expect(e.description).toMatch(/Boot cost: /);
      if (e.name !== 'crypto_selftests') expect(e.settings.every((s) => s.value === 'n')).toBe(true);
    }
    expect(catalog.entries.find((e) => e.name === 'crypto_selftests')!.settings).toEqual([
      { name: 'CRYPTO_MANAGER_DISABLE_TESTS', value: 'y', raw: 'y', line: 11 },
    ]);
    expect(catalog.entries.find((e) => e.name === 'rtc_drv_cmos')!.settings).toEqual([
      { name: 'RTC_DRV_CMOS', value: 'n', raw: 'n', line: 8 },
    ]);
    expect(catalog.entries.find((e) => e.name === 'mice')!.settings.map((s) => s.name)).toEqual(['INPUT_MOUSE', 'INPUT_MOUSEDEV']);
  });

  it('has the four command-line hints, each with what it saves and risks', () => {
    expect(catalog.hints.map((h) => h.param)).toEqual(['quiet', 'cryptomgr.notests', 'tsc.reliable=1', 'no_timer_check']);
  });

  it('finds the entries that turn a symbol off', () => {
    expect(catalogEntriesFor(catalog, ['USB_SUPPORT', 'NOPE']).map((e) => e.name)).toEqual(['usb']);
    expect(catalogEntriesFor(catalog, ['USB'])).toEqual([]);
  });
});

describe('bad catalog input', () => {
  it('names file and line of a malformed fragment line', () => {
    expect(() => parseCatalogFragment('# x\nCONFIG_FOO n\n', 'c/foo.config')).toThrow(/^c\/foo\.config:2: /);
  });
  it('refuses a fragment that sets nothing', () => {
    expect(() => parseCatalogFragment('# only a comment\n', 'c/empty.config')).toThrow(
      'c/empty.config: catalog fragment sets no CONFIG_ symbol',
    );
  });
  it('refuses a hints file without the fields', () => {
    expect(() => parseCmdlineHints('{"hints":[{"param":"quiet"}]}', 'h.json')).toThrow('h.json: hint 1: "saves" missing');
    expect(() => parseCmdlineHints('{', 'h.json')).toThrow(/^h\.json: not JSON/);
  });
});
