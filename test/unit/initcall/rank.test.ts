import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { compareReports, initcallKeyString, rankBoots } from '../../../src/initcall/rank.js';
import type { InitcallLevel } from '../../../src/initcall/types.js';
import type { ParsedBoot } from '../../../src/initcall/types.js';
import { boot as fakeBoot, type Call } from '../stats/fake-boots.js';

/** The shared hand-made boot, with the short kernel version these assertions use. */
const boot = (source: string, calls: Call[], extra: Partial<ParsedBoot> = {}): ParsedBoot =>
  fakeBoot(source, calls, { kernelVersion: '6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP', ...extra });

const level = (l: InitcallLevel) => ({ level: l });

describe('rankBoots', () => {
  const boots = [
    boot(
      'b1.log',
      [
        ['slow_init', 100_000, level('device')],
        ['tiny_init', 500, level('core')],
        ['mod_init', 2000, { module: 'snd', level: 'module' }],
      ],
      { landmarks: { runInitUs: 2_000_000 } },
    ),
    boot(
      'b2.log',
      [
        ['slow_init', 300_000, level('device')],
        ['tiny_init', 700, level('core')],
        ['mod_init', 4000, { module: 'snd', level: 'module' }],
      ],
      { landmarks: { runInitUs: 2_400_000 } },
    ),
    boot(
      'b3.log',
      [
        ['slow_init', 200_000, level('device')],
        ['tiny_init', 600, level('core')],
        ['mod_init', 3000, { module: 'snd', level: 'module' }],
      ],
      { landmarks: { runInitUs: 2_200_000 } },
    ),
  ];
  const r = rankBoots(boots);

  it('ranks by median and computes the statistics over boots', () => {
    expect(r.initcalls.map((x) => x.key)).toEqual(['slow_init', 'mod_init [snd]', 'tiny_init']);
    const slow = r.initcalls[0];
    expect(slow.boots).toBe(3);
    expect(slow.durationsUs).toEqual([100_000, 300_000, 200_000]);
    expect(slow.stats!.median).toBe(200_000);
    expect(slow.stats!.mean).toBe(200_000);
    expect(slow.stats!.sd).toBeCloseTo(100_000, 6);
    expect(slow.stats!.min).toBe(100_000);
    expect(slow.stats!.max).toBe(300_000);
    // t(0.975, 2) = 4.3027; 4.3027 * 100000 / sqrt(3) = 248414
    expect(slow.stats!.ci95!.low).toBeCloseTo(200_000 - 248_414, -1);
    expect(slow.stats!.ci95!.high).toBeCloseTo(200_000 + 248_414, -1);
  });

  it('gives each initcall its share of all initcall time; synchronous shares add up to 1', () => {
    // slow_init: 600000 of 600000 + 1800 + 9000 µs
    expect(r.initcalls[0].share).toBeCloseTo(600_000 / 610_800, 10);
    expect(r.initcalls.reduce((t, x) => t + (x.share ?? 0), 0)).toBeCloseTo(1, 10);
  });

  it('has per-boot figures and summaries of totals and time to /init', () => {
    expect(r.boots.map((b) => b.totalInitcallUs)).toEqual([102_500, 304_700, 203_600]);
    expect(r.totalInitcallUs.median).toBe(203_600);
    expect(r.timeToInitUs!.median).toBe(2_200_000);
    expect(r.timeToInitUs!.n).toBe(3);
    expect(r.outsideInitcallUs).toBeNull();
    expect(r.kernels).toEqual(['6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP']);
    expect(r.warnings).toEqual([]);
  });

  it('sums the long tail under 1 ms', () => {
    expect(r.longTail).toEqual({ thresholdUs: 1000, count: 1, totalUs: 600, share: 600 / 203_600 });
  });

  it('groups by module and by level as per-boot sums', () => {
    const byModule = rankBoots(boots, { groupBy: 'module' });
    expect(byModule.groups.map((g) => [g.name, g.initcalls, g.stats.median])).toEqual([
      ['(built-in)', 2, 200_600],
      ['snd', 1, 3000],
    ]);
    const byLevel = rankBoots(boots, { groupBy: 'level' });
    expect(byLevel.groups.map((g) => g.name)).toEqual(['device', 'module', 'core']);
    expect(byLevel.groups[2].stats.median).toBe(600);
  });

  it('keeps a second run of one function apart', () => {
    const one = rankBoots([
      boot('x.log', [
        ['twice', 10],
        ['other', 5],
        ['twice', 30],
      ]),
    ]);
    expect(one.initcalls.map((x) => x.key)).toEqual(['twice#2', 'twice', 'other']);
    expect(one.initcalls[0]).toMatchObject({ fn: 'twice', occurrence: 1 });
    expect(initcallKeyString({ fn: 'f', module: 'm', occurrence: 2 })).toBe('f#3 [m]');
  });

  it('invents no spread from a single boot', () => {
    const one = rankBoots([boots[0]]);
    expect(one.initcalls[0].stats).toMatchObject({ n: 1, median: 100_000, sd: null, ci95: null });
  });
});

describe('rankBoots: what must never be dropped', () => {
  it('counts calls that never returned, with where they are, and ranks them last', () => {
    const r = rankBoots([
      boot('a.log', [
        ['hang_init', undefined],
        ['ok_init', 10],
      ]),
      boot('b.log', [
        ['hang_init', 50],
        ['ok_init', 20],
      ]),
    ]);
    const hang = r.initcalls.find((x) => x.fn === 'hang_init')!;
    expect(hang.incomplete).toBe(1);
    expect(hang.incompleteAt).toEqual([{ source: 'a.log', line: 10 }]);
    expect(hang.durationsUs).toEqual([null, 50]);
    expect(hang.stats!.n).toBe(1);
    const never = rankBoots([
      boot('c.log', [
        ['stuck', undefined],
        ['ok_init', 10],
      ]),
    ]);
    expect(never.initcalls.map((x) => [x.key, x.stats === null, x.share])).toEqual([
      ['ok_init', false, 1],
      ['stuck', true, null],
    ]);
    expect(never.boots[0].incomplete).toBe(1);
  });

  it('keeps non-zero return codes', () => {
    const r = rankBoots([
      boot('a.log', [['nodev_init', 40, { ret: -19 }]]),
      boot('b.log', [['nodev_init', 60, { ret: -19 }]]),
      boot('c.log', [['nodev_init', 50, { ret: 0 }]]),
    ]);
    expect(r.initcalls[0]).toMatchObject({ errorCodes: [-19], errorBoots: 2 });
    expect(r.boots.map((b) => b.errors)).toEqual([1, 1, 0]);
  });

  it('flags jiffy-quantized durations as low resolution', () => {
    const r = rankBoots([
      boot('a.log', [
        ['early', 4000],
        ['fine', 1234],
      ]),
      boot('b.log', [
        ['early', 8000],
        ['fine', 4000],
      ]),
    ]);
    expect(r.initcalls.find((x) => x.fn === 'early')!.jiffyUs).toBe(4000);
    expect(r.initcalls.find((x) => x.fn === 'fine')!.jiffyUs).toBeUndefined();
  });

  it('leaves async initcalls out of totals and shares', () => {
    const r = rankBoots([
      boot('a.log', [
        ['sync_init', 100],
        ['async_probe', 900, { async: true }],
      ]),
    ]);
    expect(r.boots[0].totalInitcallUs).toBe(100);
    expect(r.initcalls.map((x) => [x.key, x.async, x.share])).toEqual([
      ['async_probe', true, 0],
      ['sync_init', false, 1],
    ]);
  });

  it('warns when the logs come from different kernels', () => {
    const r = rankBoots([boot('a.log', [['f', 1]]), boot('b.log', [['f', 2]], { kernelVersion: '6.12.9-amd64 #1' })]);
    expect(r.kernels).toHaveLength(2);
    expect(r.warnings).toEqual([
      'logs come from 2 different kernels: 6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP (1), 6.12.9-amd64 #1 (1); statistics mix them',
    ]);
  });
});

describe('compareReports', () => {
  it('puts medians side by side with deltas, removed and added initcalls', () => {
    const before = rankBoots([
      boot(
        'a1',
        [
          ['gone', 5000],
          ['same', 100],
          ['faster', 2000],
        ],
        { landmarks: { runInitUs: 1_000_000 } },
      ),
    ]);
    const after = rankBoots([
      boot(
        'b1',
        [
          ['same', 100],
          ['faster', 500],
          ['new_one', 300],
        ],
        { landmarks: { runInitUs: 900_000 } },
      ),
    ]);
    const c = compareReports(before, after);
    expect(c.initcalls.map((x) => [x.key, x.beforeUs, x.afterUs, x.deltaUs, x.status])).toEqual([
      ['gone', 5000, null, -5000, 'removed'],
      ['faster', 2000, 500, -1500, 'both'],
      ['new_one', null, 300, 300, 'added'],
      ['same', 100, 100, 0, 'both'],
    ]);
    expect(c.initcalls[1].deltaRatio).toBe(-0.75);
    expect(c.initcalls[2].deltaRatio).toBeNull();
    expect(c.totalInitcall).toEqual({ beforeUs: 7100, afterUs: 900, deltaUs: -6200, deltaRatio: -6200 / 7100 });
    expect(c.timeToInit).toEqual({ beforeUs: 1_000_000, afterUs: 900_000, deltaUs: -100_000, deltaRatio: -0.1 });
  });
});

describe('rankBoots: one HZ per kernel', () => {
  it('judges an ambiguous initcall by the jiffy the others show', () => {
    const r = rankBoots([
      boot('a.log', [
        ['a', 4000],
        ['b', 8000],
        ['c', 20000],
        ['d', 1234],
      ]),
      boot('b.log', [
        ['a', 12000],
        ['b', 4000],
        ['c', 40000],
        ['d', 2345],
      ]),
    ]);
    expect(Object.fromEntries(r.initcalls.map((x) => [x.fn, x.jiffyUs]))).toEqual({ a: 4000, b: 4000, c: 4000, d: undefined });
  });
});

describe('rankBoots: properties', () => {
  it('synchronous shares add up to 1, totals match the boots, every call is kept', () => {
    const call = fc.tuple(
      fc.constantFrom('a_init', 'b_init', 'c_init', 'd_init'),
      fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(call, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 6 }), (bootsCalls) => {
        const boots = bootsCalls.map((calls, i) => boot(`b${i}`, calls as Call[]));
        const r = rankBoots(boots);
        const grand = boots.reduce((t, b) => t + b.totalInitcallUs, 0);
        const shares = r.initcalls.reduce((t, x) => t + (x.share ?? 0), 0);
        if (grand > 0) expect(shares).toBeCloseTo(1, 9);
        // every record lands in exactly one initcall: called = boots counted, incomplete kept
        expect(r.initcalls.reduce((t, x) => t + x.boots, 0)).toBe(boots.reduce((t, b) => t + b.initcalls.length, 0));
        expect(r.initcalls.reduce((t, x) => t + x.incomplete, 0)).toBe(
          boots.reduce((t, b) => t + b.initcalls.filter((c) => !c.complete).length, 0),
        );
        // ranked by median, descending, never-returned last
        const meds = r.initcalls.map((x) => x.stats?.median ?? -1);
        expect(meds).toEqual([...meds].sort((p, q) => q - p));
      }),
    );
  });
});
