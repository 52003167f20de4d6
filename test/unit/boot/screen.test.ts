/** The pure parts of `ktrim screen`: how it tells a kernel has no KALLSYMS, and reading propose's JSON. */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootLacksKallsyms, configBesideKernel, configHasKallsyms, formatScreenText, screenCandidates } from '../../../src/boot/screen.js';
import { BootError } from '../../../src/errors.js';
import { fakeBootDeps, fakeBzImage, tempDir } from './fake.js';
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
    expect(candidatesFromPropose(json, 'p.json', 1)).toEqual([
      { id: 'FTRACE=n', initcalls: ['init_kprobe_trace', 'init_blk_tracer'], predictedMs: 80.5 },
    ]);
  });
  it('refuses what is not propose output, naming the file', () => {
    expect(() => candidatesFromPropose('{"boots":[]}', 'r.json', 3)).toThrow('r.json: no "candidates" array');
    expect(() => candidatesFromPropose('nope', 'x.json', 3)).toThrow(/^x\.json: not JSON/);
  });
});

describe('screenCandidates with the fake qemu (it ignores initcall_blacklist=)', () => {
  const dir = tempDir();
  const kernel = fakeBzImage(dir);
  const deps = fakeBootDeps(dir);

  it('reports what the boots show: an initcall that still ran is not "skipped", one never called is named', async () => {
    const r = await screenCandidates(
      {
        boot: { kernel, timeoutS: 30 },
        runs: 2,
        candidates: [
          { id: 'slow', initcalls: ['slow_init'], predictedMs: 150 },
          { id: 'nope', initcalls: ['nope_init'] },
        ],
      },
      deps,
    );
    expect(r.baseline).toMatchObject({ boots: 2, append: 'loglevel=6' });
    expect(r.baseline.totalInitcallMs.medianMs).toBe(162);
    const [slow, nope] = r.candidates;
    expect(slow).toMatchObject({
      append: 'loglevel=6 initcall_blacklist=slow_init',
      skipped: false,
      stillCalled: ['slow_init'],
      breaksBoot: false,
      screenedMs: 0,
      boots: 2,
    });
    expect(slow.baselineMs).toEqual({ medianMs: 150, sdMs: 0, n: 2 });
    expect(nope).toMatchObject({ notInBaseline: ['nope_init'], skipped: true, stillCalled: [] });
    expect(formatScreenText(r)).toContain('slow                                   150.0     150.0        0.0');
  }, 60_000);

  it('refuses a config without KALLSYMS before booting, and a baseline that does not boot', async () => {
    const noKallsyms = parseDotConfig('# CONFIG_KALLSYMS is not set\n', 'k.config');
    await expect(
      screenCandidates({ boot: { kernel }, runs: 1, candidates: [{ id: 'x', initcalls: ['x'] }], kernelConfig: noKallsyms }, deps),
    ).rejects.toThrow(/built without CONFIG_KALLSYMS \(k\.config\)/);
    await expect(
      screenCandidates({ boot: { kernel, append: 'fake.scenario=panic' }, runs: 1, candidates: [{ id: 'x', initcalls: ['x'] }] }, deps),
    ).rejects.toThrow(BootError);
    await expect(screenCandidates({ boot: { kernel }, runs: 1, candidates: [{ id: 'x', initcalls: ['a b'] }] }, deps)).rejects.toThrow(
      'candidate x: "a b" is not an initcall function name',
    );
  }, 60_000);
});
