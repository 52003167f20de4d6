import { describe, it, expect } from '@jest/globals';
import { boot, threeBoots } from '../stats/fake-boots.js';
import { rankBoots } from '../../../src/initcall/rank.js';
import { renderMarkdown } from '../../../src/report/markdown.js';

const columnsOf = (line: string) => [...line].length;

describe('renderMarkdown', () => {
  it('keeps every line within 80 columns, even with long names and paths', () => {
    const longFn = 'a_really_long_initcall_function_name_that_some_driver_author_chose_for_their_init';
    const boots = threeBoots().map((b, i) => ({
      ...boot(`/a/very/long/directory/name/that/goes/on/and/on/for/a/while/boot-number-${i}.log`, [
        [longFn, 5000 + i, { module: 'an_equally_long_module_name_for_good_measure' }],
        ['short_init', 10 + i],
        [longFn + '_stuck', undefined, { module: 'another_module' }],
      ]),
      kernelVersion: b.kernelVersion,
    }));
    for (const groupBy of ['fn', 'module', 'level'] as const) {
      const md = renderMarkdown(rankBoots(boots, { groupBy }));
      const wide = md.split('\n').filter((l) => columnsOf(l) > 80);
      expect(wide).toEqual([]);
    }
    const md = renderMarkdown(rankBoots(boots));
    // the function name is elided in the middle, the module tag kept whole when it leaves room
    expect(md).toMatch(/\| `a_really_lon…_init_stuck \[another_module\]` \|$/m);
    expect(md).toMatch(/\| `a_really_long_initca…me_for_good_measure\]` \|$/m);
    expect(md).toMatch(/^- `a_really_long_initcal\S*…\S*_init_stuck \[another_module\]` at$/m);
  });

  it('has a title, summary bullets and a pipe table', () => {
    const md = renderMarkdown(rankBoots(threeBoots()));
    const lines = md.split('\n');
    expect(lines[0]).toBe('### Initcalls of 6.1.0-28-amd64, 3 boots');
    expect(lines).toContain('- Boots: 3 (b1.log, b2.log, b3.log)');
    expect(lines).toContain('- Initcalls: 6, 1 never returned, 1 returned an error');
    const head = lines.findIndex((l) => l.startsWith('|   # |'));
    expect(lines[head]).toBe('|   # | median ms |    ± sd |    % | initcall                       |');
    expect(lines[head + 1]).toBe('|----:|----------:|--------:|-----:|--------------------------------|');
    expect(lines[head + 2]).toBe('|   1 |   200.290 | 100.167 | 94.7 | `slow_init`                    |');
    expect(lines).toContain('- `hang_init` at b2.log:18');
    expect(lines).toContain('- -19 ENODEV: `nodev_init`');
    expect(md).toMatch(/Low resolution: 1 initcalls have only whole-jiffy durations \(4000 µs\)/);
    expect(md.split('\n').every((l) => columnsOf(l) <= 80)).toBe(true);
  });
});
