import { describe, it, expect } from '@jest/globals';
import { threeBoots } from '../stats/fake-boots.js';
import { compareReports, rankBoots } from '../../../src/initcall/rank.js';
import { renderJson, renderJsonComparison } from '../../../src/report/json.js';

describe('renderJson (schema 1)', () => {
  const doc = JSON.parse(renderJson(rankBoots(threeBoots())));

  it('is versioned and says its units', () => {
    expect(doc.schemaVersion).toBe(1);
    expect(doc.kind).toBe('initcall-report');
    expect(doc.units).toEqual({ time: 'us', share: 'ratio' });
    expect(doc.filter).toEqual({ top: null, minUs: null });
    expect(doc.initcallCount).toBe(6);
  });

  it('has every figure per initcall', () => {
    const slow = doc.report.initcalls[0];
    expect(slow).toMatchObject({
      key: 'slow_init',
      fn: 'slow_init',
      occurrence: 0,
      level: 'device',
      boots: 3,
      incomplete: 0,
      errorCodes: [],
    });
    expect(slow.durationsUs).toEqual([100_123, 300_457, 200_290]);
    expect(slow.stats).toMatchObject({ n: 3, median: 200_290, mean: 200_290, min: 100_123, max: 300_457 });
    expect(slow.stats.sd).toBeCloseTo(100_167, 6);
    expect(slow.share).toBeCloseTo(600_870 / 634_797, 10);
    const hang = doc.report.initcalls.find((r: { key: string }) => r.key === 'hang_init');
    expect(hang.durationsUs).toEqual([250, null, 250]);
    expect(hang.incompleteAt).toEqual([{ source: '/var/log/boots/b2.log', line: 18 }]);
    const snd = doc.report.initcalls.find((r: { fn: string }) => r.fn === 'snd_hda_init');
    expect(snd.module).toBe('snd_hda_intel');
  });

  it('has every figure per boot and over boots', () => {
    expect(doc.report.boots.map((b: { totalInitcallUs: number }) => b.totalInitcallUs)).toEqual([106_515, 312_602, 215_680]);
    expect(doc.report.boots[1]).toMatchObject({
      source: '/var/log/boots/b2.log',
      initcalls: 6,
      incomplete: 1,
      errors: 1,
      timeToInitUs: 2_400_000,
      kernelRelease: '6.1.0-28-amd64',
    });
    expect(doc.report.totalInitcallUs.median).toBe(215_680);
    expect(doc.report.timeToInitUs.median).toBe(2_200_000);
    expect(doc.report.longTail).toEqual({ thresholdUs: 1000, count: 3, totalUs: 382, share: 382 / 215_680 });
    expect(doc.report.groups).toEqual([]);
  });

  it('applies --top but never drops hangs and error returns', () => {
    const top = JSON.parse(renderJson(rankBoots(threeBoots()), { top: 1 }));
    expect(top.filter).toEqual({ top: 1, minUs: null });
    expect(top.report.initcalls.map((r: { key: string }) => r.key)).toEqual(['slow_init', 'hang_init', 'nodev_init']);
  });

  it('lists groups when grouped', () => {
    const byModule = JSON.parse(renderJson(rankBoots(threeBoots(), { groupBy: 'module' })));
    expect(byModule.report.groupBy).toBe('module');
    expect(byModule.report.groups.map((g: { name: string; initcalls: number }) => [g.name, g.initcalls])).toEqual([
      ['(built-in)', 5],
      ['snd_hda_intel', 1],
    ]);
  });

  it('writes a comparison with deltas', () => {
    const before = rankBoots(threeBoots());
    const after = rankBoots(
      threeBoots().map((b) => ({
        ...b,
        initcalls: b.initcalls.filter((r) => r.fn !== 'slow_init'),
        totalInitcallUs: b.totalInitcallUs - b.initcalls[1].durationUs!,
      })),
    );
    const doc2 = JSON.parse(renderJsonComparison(compareReports(before, after)));
    expect(doc2.schemaVersion).toBe(1);
    expect(doc2.kind).toBe('initcall-comparison');
    expect(doc2.comparison.initcalls[0]).toEqual({
      fn: 'slow_init',
      occurrence: 0,
      key: 'slow_init',
      beforeUs: 200_290,
      afterUs: null,
      deltaUs: -200_290,
      deltaRatio: -1,
      status: 'removed',
    });
    // totals after: 6392, 12145, 15390 → median 12145
    expect(doc2.comparison.totalInitcall).toEqual({
      beforeUs: 215_680,
      afterUs: 12_145,
      deltaUs: 12_145 - 215_680,
      deltaRatio: (12_145 - 215_680) / 215_680,
    });
    expect(doc2.comparison.before.boots).toHaveLength(3);
  });
});
