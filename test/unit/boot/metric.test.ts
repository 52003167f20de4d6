// Boot metrics: which qemu arguments each needs and which figure of a real boot it reads.
import { describe, it, expect } from '@jest/globals';
import { InputError } from '../../../src/errors.js';
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

  it('adds the metric’s qemu arguments once, keeping the caller’s, and asks guest metrics for dmesg', () => {
    const base = { kernel: '/k/bzImage', extraQemuArgs: ['-cpu', 'max'] };
    const ic = requestForMetric(base, 'icount');
    expect(ic.extraQemuArgs).toEqual(['-cpu', 'max', '-icount', 'shift=0,sleep=off']);
    expect(ic.dmesg).toBe(true);
    expect(requestForMetric(ic, 'icount').extraQemuArgs).toEqual(ic.extraQemuArgs);
    expect(base.extraQemuArgs).toEqual(['-cpu', 'max']); // the input is not modified
    expect(requestForMetric(base, 'host')).toEqual({ ...base, extraQemuArgs: ['-cpu', 'max'] });
    expect(requestForMetric({ kernel: 'k' }, 'guest')).toEqual({ kernel: 'k', extraQemuArgs: [], dmesg: true });
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
    expect(metricValueMs(figures, 'guest')).toBe(333.512);
    expect(metricValueMs(figures, 'icount')).toBe(333.512);
    expect(metricValueMs({ host: { wallMs: 1 }, guest: { initUptimeUs: 340000 } }, 'icount')).toBeUndefined();
    expect(metricValueMs({ host: { wallMs: 1 }, guest: {} }, 'guest')).toBeUndefined();
    expect(metricValueMs({ host: { wallMs: 1 }, guest: {} }, 'host')).toBeUndefined();
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
