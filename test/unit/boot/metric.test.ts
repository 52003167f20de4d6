// Boot metrics: which qemu arguments each needs and which figure of a real boot it reads.
import { describe, it, expect } from '@jest/globals';
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../../src/errors.js';
import { initScript, MARKERS } from '../../../src/boot/initramfs.js';
import { guestLandmarks } from '../../../src/boot/landmarks.js';
import { tempDir } from './fake.js';
import {
  BOOT_METRICS,
  DEFAULT_METRIC,
  formatMetricLine,
  isBootMetric,
  metricSpec,
  metricValueMs,
  requestForMetric,
  summarizeMetric,
} from '../../../src/boot/metric.js';

const figures = {
  host: { initMs: 1187.4, markerMs: 1190.2, wallMs: 1400 },
  guest: { initUptimeUs: 340000, runInitUs: 333512, markerUptimeUs: 350000 },
};

describe('boot metrics', () => {
  it('has a spec for every metric, and the default is one of them', () => {
    for (const m of BOOT_METRICS) expect(metricSpec(m).name).toBe(m);
    expect(BOOT_METRICS).toContain(DEFAULT_METRIC);
    expect(metricSpec('icount')).toMatchObject({ deterministic: true, clock: 'guest', qemuArgs: ['-icount', 'shift=0,sleep=off'] });
    expect(metricSpec('host')).toMatchObject({ deterministic: false, clock: 'host', qemuArgs: [] });
    expect(isBootMetric('guest')).toBe(true);
    expect(isBootMetric('wall')).toBe(false);
    expect(() => metricSpec('wall' as never)).toThrow(RangeError);
  });

  it('adds the metric’s qemu arguments once, keeping the caller’s', () => {
    const base = { kernel: '/k/bzImage', extraQemuArgs: ['-cpu', 'max'] };
    const ic = requestForMetric(base, 'icount');
    expect(ic.extraQemuArgs).toEqual(['-cpu', 'max', '-icount', 'shift=0,sleep=off']);
    expect(ic.dmesg).toBeUndefined(); // /init prints the Run /init line itself
    expect(requestForMetric(ic, 'icount').extraQemuArgs).toEqual(ic.extraQemuArgs);
    expect(base.extraQemuArgs).toEqual(['-cpu', 'max']); // the input is not modified
    expect(requestForMetric(base, 'host')).toEqual({ ...base, extraQemuArgs: ['-cpu', 'max'] });
    expect(requestForMetric({ kernel: 'k' }, 'guest')).toEqual({ kernel: 'k', extraQemuArgs: [] });
    // another -icount of the user's: qemu would refuse two, and shift=auto would not be the metric
    expect(() => requestForMetric({ kernel: 'k', extraQemuArgs: ['-icount', 'shift=auto'] }, 'icount')).toThrow(
      /--qemu-arg -icount shift=auto conflicts with --metric icount \(-icount shift=0,sleep=off\)/,
    );
    expect(() => requestForMetric({ kernel: 'k', extraQemuArgs: ['--icount', '3'] }, 'icount')).toThrow(InputError);
    expect(requestForMetric({ kernel: 'k', extraQemuArgs: ['-icount', 'shift=auto'] }, 'guest').extraQemuArgs).toEqual([
      '-icount',
      'shift=auto',
    ]);
  });

  it('reads host /init time, or the guest printk time of Run /init (µs → ms), never the 10 ms /proc/uptime', () => {
    expect(metricValueMs(figures, 'host')).toBe(1187.4);
    expect(metricValueMs({ host: { initMs: 1187.4, cpuInitMs: 1610, wallMs: 1 }, guest: {} }, 'host-cpu')).toBe(1610);
    expect(metricValueMs(figures, 'host-cpu')).toBeUndefined(); // no CPU time sampled: no figure, never the wall clock
    expect(requestForMetric({ kernel: 'k' }, 'host-cpu')).toEqual({ kernel: 'k', extraQemuArgs: [] });
    expect(metricValueMs(figures, 'guest')).toBe(333.512);
    expect(metricValueMs(figures, 'icount')).toBe(333.512);
    expect(metricValueMs({ host: { wallMs: 1 }, guest: { initUptimeUs: 340000 } }, 'icount')).toBeUndefined();
    expect(metricValueMs({ host: { wallMs: 1 }, guest: {} }, 'guest')).toBeUndefined();
    expect(metricValueMs({ host: { wallMs: 1 }, guest: {} }, 'host')).toBeUndefined();
  });
});

describe('icount-total', () => {
  it("reads the start marker's TSC as virtual ns since machine start, with the icount arguments, deciding in one boot", () => {
    const g = guestLandmarks(undefined, [{ ms: 11000, text: 'KTRIM-MARKER start uptime=0.35 tsc=965149323' }]);
    expect(g).toMatchObject({ initUptimeUs: 350000, initTsc: 965149323 });
    expect(metricValueMs({ host: { initMs: 11000, wallMs: 12000 }, guest: g }, 'icount-total')).toBe(965.149323);
    expect(metricSpec('icount-total')).toMatchObject({ clock: 'host', deterministic: true, qemuArgs: ['-icount', 'shift=0,sleep=off'] });
    // an initrd without the probe prints `tsc=`: no figure
    const none = guestLandmarks(undefined, [{ ms: 1, text: 'KTRIM-MARKER start uptime=0.35 tsc=' }]);
    expect(metricValueMs({ host: { wallMs: 1 }, guest: none }, 'icount-total')).toBeUndefined();
  });

  it('/init prints the probe on the start marker line, as busybox sh runs it', async () => {
    const line = initScript({ hasTest: false, modules: [] })
      .split('\n')
      .find((l) => l.includes(MARKERS.start))!;
    const dir = tempDir();
    writeFileSync(join(dir, 'probe'), '#!/bin/sh\necho 123456789\n', { mode: 0o755 });
    const r = await execa('/bin/busybox', ['sh', '-c', `up=0.35\n${line.replace('/bin/ktrim-tsc', join(dir, 'probe'))}`]);
    expect(r.stdout).toBe('KTRIM-MARKER start uptime=0.35 tsc=123456789');
  });
});

describe('summarizeMetric / formatMetricLine', () => {
  const boot = (runInitUs: number | undefined, initMs: number | undefined) => ({ host: { initMs, wallMs: 1 }, guest: { runInitUs } });
  it('summarizes the values of the boots that reached /init', () => {
    const s = summarizeMetric([boot(340203, 1000), boot(340203, 1100), boot(undefined, undefined)], 'icount');
    expect(s).toMatchObject({ metric: 'icount', deterministic: true, clock: 'guest', values: [340.203, 340.203] });
    expect(s.summary).toMatchObject({ n: 2, mean: 340.203, sd: 0 });
    expect(formatMetricLine(s)).toMatch(/^metric icount: 340\.203 ± 0\.000 ms over 2 boots, all 2 identical — guest clock/);
    const h = summarizeMetric([boot(1, 1000), boot(1, 1100)], 'host');
    expect(formatMetricLine(h)).toMatch(/^metric host: 1050\.000 ± 70\.711 ms over 2 boots, min–max 1000\.000–1100\.000 — host ms/);
    expect(formatMetricLine(summarizeMetric([boot(5000, 1)], 'guest'))).toMatch(/^metric guest: 5\.000 \(sd n\/a\) ms over 1 boot — /);
    expect(formatMetricLine(summarizeMetric([], 'guest'))).toMatch(/no value/);
  });
});

describe('the Run /init line /init prints (KTRIM-RUNINIT)', () => {
  it('gives the guest figure without a dmesg dump, read as dmesg reads it', () => {
    const lines = [
      { ms: 1187.4, text: 'KTRIM-MARKER start uptime=0.34' },
      { ms: 1188.0, text: 'KTRIM-MARKER end uptime=0.34' },
      { ms: 1189.0, text: 'KTRIM-RUNINIT [    0.340205] Run /init as init process' },
    ];
    const g = guestLandmarks(undefined, lines);
    expect(g.runInitUs).toBe(340205);
    expect(metricValueMs({ host: { initMs: 1187.4, wallMs: 2000 }, guest: g }, 'icount')).toBe(340.205);
    // grep found nothing (no printk time in that kernel's log): no figure, never a made-up one
    expect(guestLandmarks(undefined, [lines[0], { ms: 1189, text: 'KTRIM-RUNINIT ' }]).runInitUs).toBeUndefined();
  });

  it('is valid busybox sh that prints the line from dmesg', async () => {
    const line = initScript({ hasTest: false, modules: [] })
      .split('\n')
      .find((l) => l.includes(MARKERS.runInit))!;
    // a stand-in dmesg (a shell function: busybox sh would run its own applet before anything on PATH)
    const fake = 'dmesg() { printf "[    0.1] x\\n[    0.340205] Run /init as init process\\n[    0.4] y\\n"; }';
    const r = await execa('/bin/busybox', ['sh', '-c', `${fake}\n${line}`]);
    expect(r.stdout).toBe('KTRIM-RUNINIT [    0.340205] Run /init as init process');
  });
});
