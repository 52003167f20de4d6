import { describe, it, expect } from '@jest/globals';
import { boot, threeBoots } from '../stats/fake-boots.js';
import { compareReports, rankBoots } from '../../../src/initcall/rank.js';
import { renderCompareMarkdown, renderCompareText } from '../../../src/report/compare.js';

/** The same three boots with slow_init gone, snd_hda_init 1 ms faster and a new initcall. */
function afterBoots() {
  return threeBoots().map((b) => {
    const initcalls = b.initcalls
      .filter((r) => r.fn !== 'slow_init')
      .map((r) => (r.fn === 'snd_hda_init' ? { ...r, durationUs: r.durationUs! - 1000 } : r));
    initcalls.push({ fn: 'new_init', async: false, complete: true, durationUs: 777, ret: 0, callLine: 99, probes: [] });
    return {
      ...b,
      source: b.source.replace('b', 'a'),
      initcalls,
      totalInitcallUs: initcalls.filter((r) => r.complete).reduce((t, r) => t + r.durationUs!, 0),
      landmarks: { runInitUs: b.landmarks.runInitUs! - 150_000 },
    };
  });
}

describe('renderCompareText', () => {
  const cmp = compareReports(rankBoots(threeBoots()), rankBoots(afterBoots()));
  const lines = renderCompareText(cmp).split('\n');

  it('shows totals before and after with delta in ms and %', () => {
    // after totals: 106515-100123-1000+777 = 6169, 312602-300457-1000+777 = 11922, 215680-200290-1000+777 = 15167
    expect(lines.find((l) => l.startsWith('Initcall time'))).toMatch(/^Initcall time +215\.680 ms +11\.922 ms +-203\.758 ms +-94\.5 %$/);
    expect(lines.find((l) => l.startsWith('Time to /init'))).toMatch(/^Time to \/init +2\.200 s +2\.050 s +-150\.000 ms +-6\.8 %$/);
  });

  it('lists initcalls by size of the change, gone and new ones included', () => {
    const head = lines.findIndex((l) => l.startsWith('before ms'));
    expect(lines[head + 1]).toMatch(/^ *200\.290 +- +-200\.290 +-100\.0 % +slow_init +gone after$/);
    expect(lines[head + 2]).toMatch(/^ *3\.007 +2\.007 +-1\.000 +-33\.3 % +snd_hda_init \[snd_hda_intel\]$/);
    expect(lines[head + 3]).toMatch(/^ *- +0\.777 +\+0\.777 +n\/a +new_init +new after$/);
  });

  it('honours --top', () => {
    const top = renderCompareText(cmp, { top: 1 }).split('\n');
    expect(top).toContain('… 6 more initcalls not shown (--top/--min-us)');
  });
});

describe('renderCompareMarkdown', () => {
  it('stays within 80 columns and carries the same figures', () => {
    const longBefore = [
      boot('/x/' + 'd'.repeat(90) + '/before.log', [['a_very_long_initcall_name_indeed_' + 'x'.repeat(60), 1234, { module: 'mod' }]]),
    ];
    for (const [b, a] of [
      [threeBoots(), afterBoots()],
      [longBefore, threeBoots()],
    ]) {
      const md = renderCompareMarkdown(compareReports(rankBoots(b), rankBoots(a)));
      expect(md.split('\n').filter((l) => [...l].length > 80)).toEqual([]);
    }
    const md = renderCompareMarkdown(compareReports(rankBoots(threeBoots()), rankBoots(afterBoots()))).split('\n');
    expect(md).toContain('| 200.290 |     - | -200.290 | -100 | `slow_init` (gone)             |');
    expect(md.find((l) => l.startsWith('| Initcall time'))).toBe('| Initcall time | 215.680 ms | 11.922 ms | -203.758 | -94.5 % |');
  });
});
