/** The pure parts of `ktrim screen`: how it tells a kernel has no KALLSYMS, and reading propose's JSON. */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootLacksKallsyms, configBesideKernel, configHasKallsyms } from '../../../src/boot/screen.js';
import { candidatesFromPropose } from '../../../src/commands/screen.js';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';
import { parseBootLog } from '../../../src/initcall/parse.js';

const read = (p: string) => readFileSync(join(process.cwd(), p), 'utf8');

describe('KALLSYMS', () => {
  it('from the config: tiny-serial has it, tiny-nokallsyms does not', () => {
    expect(configHasKallsyms(parseDotConfig(read('configs/tiny-serial.config'), 'tiny-serial.config'))).toBe(true);
    expect(configHasKallsyms(parseDotConfig(read('configs/tiny-nokallsyms.config'), 'tiny-nokallsyms.config'))).toBe(false);
  });
  it('from a boot log: bare addresses in the real no-KALLSYMS tiny kernel log, names in the Debian one', () => {
    expect(bootLacksKallsyms(parseBootLog(read('test/fixtures/boots/tiny-6.1-nokallsyms.log'), { source: 'tiny' }))).toBe(true);
    expect(bootLacksKallsyms(parseBootLog(read('test/fixtures/boots/debian-6.1-qemu-1.log'), { source: 'debian' }))).toBe(false);
  });
  it('finds the .config of an O= build directory and of /boot/vmlinuz-X', () => {
    const d = mkdtempSync(join(tmpdir(), 'ktrim-screen-'));
    mkdirSync(join(d, 'build/arch/x86/boot'), { recursive: true });
    writeFileSync(join(d, 'build/.config'), 'CONFIG_KALLSYMS=y\n');
    expect(configBesideKernel(join(d, 'build/arch/x86/boot/bzImage'))).toBe(join(d, 'build/.config'));
    writeFileSync(join(d, 'config-6.1.0-9-amd64'), 'CONFIG_KALLSYMS=y\n');
    expect(configBesideKernel(join(d, 'vmlinuz-6.1.0-9-amd64'))).toBe(join(d, 'config-6.1.0-9-amd64'));
    expect(configBesideKernel(join(d, 'bzImage'))).toBeUndefined();
  });
});

describe('candidatesFromPropose', () => {
  const json = JSON.stringify({
    candidates: [
      { id: 'FTRACE=n', saving: { medianMs: 80.5 }, initcalls: [{ fn: 'init_kprobe_trace' }, { fn: 'init_blk_tracer' }] },
      { id: 'RTC_DRV_CMOS=n', saving: { medianMs: 14 }, initcalls: [{ fn: 'cmos_init' }] },
    ],
  });
  it('takes the top N with their initcalls and predicted ms', () => {
    expect(candidatesFromPropose(json, 'p.json', 1)).toEqual([{ id: 'FTRACE=n', initcalls: ['init_kprobe_trace', 'init_blk_tracer'], predictedMs: 80.5 }]);
  });
  it('refuses what is not propose output, naming the file', () => {
    expect(() => candidatesFromPropose('{"boots":[]}', 'r.json', 3)).toThrow('r.json: no "candidates" array');
    expect(() => candidatesFromPropose('nope', 'x.json', 3)).toThrow(/^x\.json: not JSON/);
  });
});
