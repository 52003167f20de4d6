// Boot analysis on a real kept log: Debian 6.1 generic kernel, TCG, 1 vCPU,
// initcall_debug with a quiet console, dmesg dumped after the marker
// (`ktrim analyze --kernel vmlinuz-6.1.0-56-amd64 --initcall-debug --keep-logs`).
// Expected figures were computed by hand (python) from the same file.
import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  analyzeBoots,
  bootLandmarks,
  consoleRate,
  formatTimeline,
  parseTimestampedConsole,
  timelineSvg,
  type AnalyzableBoot,
} from '../../../src/boot/analyze.js';

const FIXTURE = 'test/unit/boot/fixtures/debian-6.1-tcg-initcall-debug.console.ts.log';
const boot = parseTimestampedConsole(readFileSync(FIXTURE, 'latin1'), FIXTURE);

describe('parseTimestampedConsole on a real boot', () => {
  it('reads host landmarks from console arrival times and guest ones from the dmesg dump', () => {
    expect(boot.host.firstOutputMs).toBeCloseTo(364.902, 6); // SeaBIOS banner
    expect(boot.host.kernelEntryMs).toBeCloseTo(11839.43, 6);
    expect(boot.host.initMs).toBeCloseTo(16631.358, 6);
    expect(boot.host.markerMs).toBeCloseTo(16641.33, 6);
    expect(boot.host.wallMs).toBeCloseTo(18068.043, 6); // from the `# qemu-exit` footer
    // initcall_debug is KERN_DEBUG: with loglevel=6 none reached the console
    expect(boot.host.firstInitcallMs).toBeUndefined();
    expect(boot.guest).toEqual({
      initUptimeUs: 4200000,
      markerUptimeUs: 4220000,
      kernelEntryUs: 0,
      // as `ktrim report` reads it: init_hw_perf_events, the first PID-1 initcall (console ones
      // run as PID 0 in start_kernel() and do not open the initcall window)
      firstInitcallUs: 873727,
      lastInitcallUs: 3275887,
      freeingInitMemUs: 3600500, // the first one: "Freeing unused kernel image (initmem) memory"
      runInitUs: 3967892,
    });
    expect(boot.dmesg?.split('\n').filter((l) => / calling {2}/.test(l))).toHaveLength(680);
  });

  it('rejects a file that is not a timestamped console log, naming file and line', () => {
    expect(() => parseTimestampedConsole('0.1 ok\nnot a timestamp\n', 'x.log')).toThrow(
      expect.objectContaining({
        exitCode: 1,
        message: 'x.log:2: expected "SECONDS TEXT" (a *.console.ts.log kept by ktrim boot --keep-logs)',
      }),
    );
  });
});

describe('bootLandmarks', () => {
  it('maps printk times onto the host clock through the banner and the start marker', () => {
    const l = bootLandmarks(boot);
    // rate = (16631.358 − 11839.430) / 4200 ms of guest time = 1.14094 host ms per guest ms
    expect(l.lastInitcall).toEqual({ ms: expect.closeTo(15577.004914318095, 6), source: 'guest' });
    const rate = (16631.358 - 11839.43) / 4200;
    expect(l.freeingInitMem!.ms).toBeCloseTo(11839.43 + 3600.5 * rate, 6);
    expect(l.firstInitcall!.ms).toBeCloseTo(11839.43 + 873.727 * rate, 6);
    expect(l.runInit!.ms).toBeCloseTo(16366.53780375619, 6);
    expect(l.runInit!.ms).toBeLessThan(boot.host.initMs!);
  });
});

describe('consoleRate', () => {
  it('charges the dump’s busy intervals to their characters (python: 113875 chars in 1135.34 ms)', () => {
    const r = consoleRate(boot.console)!;
    expect(r.chars).toBe(113875);
    expect(r.ms).toBeCloseTo(1135.34, 6);
    expect(r.usPerChar).toBeCloseTo(9.97005488474201, 6);
  });

  it('needs a long enough run', () => {
    expect(
      consoleRate([
        { ms: 0, text: 'a' },
        { ms: 1, text: 'b' },
      ]),
    ).toBeUndefined();
  });
});

describe('analyzeBoots', () => {
  it('gives phases that add up to the total and a console cost without a warning for a quiet console', () => {
    const a = analyzeBoots([boot]);
    expect(a.phases.map((p) => p.to)).toEqual([
      'firstOutput',
      'kernelEntry',
      'firstInitcall',
      'lastInitcall',
      'freeingInitMem',
      'runInit',
      'marker',
      'exit',
    ]);
    const sum = a.phases.reduce((s, p) => s + p.ms.mean, 0);
    expect(sum).toBeCloseTo(18068.043, 6);
    expect(a.phases.reduce((s, p) => s + p.percent, 0)).toBeCloseTo(100, 6);
    const initcalls = a.phases.find((p) => p.from === 'firstInitcall')!;
    expect(initcalls.ms.mean).toBeCloseTo(15577.004914318095 - (11839.43 + (873.727 * (16631.358 - 11839.43)) / 4200), 6);
    expect(a.consoleCost!.charsBeforeMarker).toBe(1385);
    expect(a.consoleCost!.estimatedMs).toBeCloseTo((1385 * 9.97005488474201) / 1000, 6);
    expect(a.warnings).toEqual([]);
    const text = formatTimeline(a);
    expect(text).toContain('first initcall → last initcall');
    expect(text).toMatch(/console: 10\.0 µs\/char \(from 113875 chars in 1135 ms of dense output\); 1385 chars before the marker ≈ 14 ms/);
  });

  it('warns when console output before the marker inflates the figures', () => {
    // The same boot as if 200 KB of initcall_debug had gone to the console before /init.
    const noisy: AnalyzableBoot = {
      ...boot,
      console: [
        ...Array.from({ length: 2500 }, (_, i) => ({ ms: 12000 + i, text: 'x'.repeat(78) })),
        ...boot.console.filter((l) => l.ms > 16000),
      ],
    };
    const a = analyzeBoots([noisy]);
    expect(a.consoleCost!.charsBeforeMarker).toBe(2500 * 80);
    expect(a.warnings.join('\n')).toMatch(
      /^console output inflates the figures: ~200000 characters before the marker at \d+\.\d µs\/char/m,
    );
  });

  it('renders an SVG with one bar segment per phase', () => {
    const svg = timelineSvg(analyzeBoots([boot, boot]));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect [^>]*height="36"/g)).toHaveLength(8);
    expect(svg).toContain('2 boot(s)');
  });
});
