import { describe, it, expect } from '@jest/globals';
import { threeBoots } from '../stats/fake-boots.js';
import { rankBoots } from '../../../src/initcall/rank.js';
import { renderText } from '../../../src/report/text.js';

// Figures by hand from fake-boots.ts: slow_init 100123/300457/200290 µs → median 200290, sd 100167;
// totals per boot 106515, 312602, 215680 → share of slow_init 600870/634797 = 94.7 %.
describe('renderText', () => {
  const report = rankBoots(threeBoots());
  const text = renderText(report);
  const lines = text.split('\n');

  it('starts with the boot-wide figures', () => {
    expect(lines[0]).toMatch(/^Kernel: +6\.1\.0-28-amd64 \(debian-kernel@lists\.debian\.org\)/);
    expect(lines).toContain('Boots:         3: /var/log/boots/b1.log, /var/log/boots/b2.log, /var/log/boots/b3.log');
    expect(lines).toContain('Initcalls:     6 (per boot 6, 6, 6; 1 never returned; 1 returned an error)');
    expect(lines.find((l) => l.startsWith('Initcall time:'))).toMatch(/^Initcall time: 215\.680 ms median, ± /);
    expect(lines.find((l) => l.startsWith('Time to /init:'))).toMatch(
      /^Time to \/init: 2\.200 s median, ± 200\.000 ms sd, 95 % CI of the mean 1\.703 s – 2\.697 s, range 2\.000 s – 2\.400 s \(3 boots\)$/,
    );
    expect(lines).toContain('Long tail:     3 initcalls under 1 ms add up to 0.382 ms (0.2 % of initcall time)');
  });

  it('has a per-boot table', () => {
    const at = lines.indexOf('Per boot:');
    expect(lines[at + 1]).toMatch(/^ {2}log +kernel +initcalls +initcall time +to \/init +outside +no return +errors$/);
    expect(lines[at + 3]).toMatch(/^ {2}\/var\/log\/boots\/b2\.log +6\.1\.0-28-amd64 +6 +312\.602 ms +2\.400 s +- +1 +1$/);
    expect(renderText(rankBoots([threeBoots()[0]]))).not.toContain('Per boot:');
  });

  it('prints an aligned blame list, slowest first', () => {
    const head = lines.findIndex((l) => /^#\s+median/.test(l));
    const rows = lines.slice(head + 1, head + 7);
    expect(rows[0]).toMatch(/^1 {2}200\.290 ms {2}± 100\.167 {2}94\.7 % {4}3\/3 {2}slow_init$/);
    const col = lines[head].indexOf('initcall');
    const names = ['slow_init', 'early_jiffy_init', 'snd_hda_init [snd_hda_intel]', 'hang_init', 'tiny_init', 'nodev_init'];
    rows.forEach((r, i) => expect(r.slice(col).startsWith(names[i])).toBe(true));
    expect(rows[1]).toMatch(/early_jiffy_init +low resolution: 4 ms jiffies$/);
    expect(rows[3]).toMatch(/hang_init +never returned in 1\/3$/);
    expect(rows[5]).toMatch(/^6 +0\.030 ms +± 0\.000 +0\.0 % +3\/3 {2}nodev_init +returned -19 ENODEV in 3\/3$/);
  });

  it('keeps hangs and errors when --top hides them from the list', () => {
    const top = renderText(report, { top: 2 }).split('\n');
    expect(top.filter((l) => /^\d+ /.test(l))).toHaveLength(2);
    expect(top).toContain('… 4 more initcalls not shown (--top/--min-us)');
    expect(top).toContain('  hang_init  at /var/log/boots/b2.log:18');
    expect(top).toContain('Returned an error (1 initcall; in every boot unless noted):');
    expect(top).toContain('  -19 ENODEV: nodev_init');
  });

  it('groups error returns by code and notes the ones that failed in some boots only', () => {
    const boots = threeBoots();
    boots[0].initcalls[3].ret = 0;
    boots[1].initcalls[5].ret = -2;
    const lines2 = renderText(rankBoots(boots)).split('\n');
    expect(lines2).toContain('  -19 ENODEV: nodev_init (2/3)');
    expect(lines2).toContain('  -2 ENOENT: tiny_init (1/3)');
  });

  it('hides initcalls under --min-us', () => {
    const rows = renderText(report, { minUs: 1000 })
      .split('\n')
      .filter((l) => /^\d+ /.test(l));
    expect(rows.map((r) => /\S+_init/.exec(r)![0])).toEqual(['slow_init', 'early_jiffy_init', 'snd_hda_init']);
  });

  it('ranks groups when grouped by level', () => {
    const byLevel = renderText(rankBoots(threeBoots(), { groupBy: 'level' })).split('\n');
    const head = byLevel.findIndex((l) => /^#\s+median/.test(l));
    expect(byLevel[head]).toMatch(/calls {2}level/);
    // device = slow_init + nodev_init: 200290 + 30 in the median boot
    expect(byLevel[head + 1]).toMatch(/^1 {2}200\.320 ms .* 2 {2}device +3 error returns$/);
  });

  it('shows a single boot without spread', () => {
    const one = renderText(rankBoots([threeBoots()[0]])).split('\n');
    expect(one.find((l) => l.startsWith('Initcall time:'))).toBe('Initcall time: 106.515 ms median (1 boot)');
    expect(one.find((l) => /slow_init/.test(l))).toMatch(/^1 {2}100\.123 ms  +94\.0 %  +1\/1 {2}slow_init$/);
  });
});
