import { describe, it, expect } from '@jest/globals';
import { renderHtml } from '../../../src/report/html.js';
import { rankBoots } from '../../../src/initcall/rank.js';
import { escapeXml, jsonForScript } from '../../../src/report/escape.js';
import type { InitcallRecord, ParsedBoot } from '../../../src/initcall/types.js';

function call(fn: string, startUs: number, durationUs: number | undefined, extra: Partial<InitcallRecord> = {}): InitcallRecord {
  const r: InitcallRecord = {
    fn,
    pid: 1,
    async: false,
    complete: durationUs !== undefined,
    callLine: 7,
    probes: [],
    startTimeUs: startUs,
    ...extra,
  };
  if (durationUs !== undefined) {
    r.durationUs = durationUs;
    r.endTimeUs = startUs + durationUs + 20;
    if (r.ret === undefined) r.ret = 0;
  }
  return r;
}

function boot(source: string, initcalls: InitcallRecord[], extra: Partial<ParsedBoot> = {}): ParsedBoot {
  return {
    source,
    kernelVersion: '6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1',
    kernelRelease: '6.1.0-28-amd64',
    commandLine: 'console=ttyS0 initcall_debug',
    hasTimestamps: true,
    initcalls,
    probes: [],
    asyncWaits: [],
    landmarks: { runInitUs: 2_500_000 },
    totalInitcallUs: initcalls.filter((r) => !r.async && r.complete).reduce((t, r) => t + (r.durationUs ?? 0), 0),
    warnings: [],
    lineCount: 900,
    ...extra,
  };
}

const HOSTILE_FN = '<script>alert(1)</script>';
const QUOTES_MODULE = `"&'`;

// Three boots: pci_subsys_init takes 30.123/32.456/40.789 ms (median
// 32.456), a hostile name 2.1/3.05/4.01 ms, a quiet one 10/12/14 µs, and a
// call that returns -19 after 500 µs in every boot. Figures checked by hand:
// totals 32733, 36018, 45313 µs (median 36018, mean 38021.3, sd 6524.9);
// pci share 103368/114064 = 90.62 %; long tail 12 + 500 = 512 µs = 1.42 %.
const boots = [0, 1, 2].map((i) =>
  boot(
    `boot-${i + 1}.log`,
    [
      call('pci_subsys_init', 1_000_000, [30_123, 32_456, 40_789][i], { level: 'subsys' }),
      call(HOSTILE_FN, 1_100_000, [2100, 3050, 4010][i], { module: QUOTES_MODULE, pid: 200 }),
      call('tiny_fn', 1_200_000, [10, 12, 14][i], { level: 'device' }),
      call('no_device_init', 1_300_000, 500, { ret: -19, level: 'device' }),
    ],
    { commandLine: i === 0 ? 'console=ttyS0 <img src=x onerror=alert(2)>' : 'console=ttyS0 initcall_debug' },
  ),
);
const report = rankBoots(boots);
const html = renderHtml(report, boots);

/** The cells' text of every table row of #initcall-table. */
function tableRows(doc: string): string[][] {
  const body = doc.split('<table id="initcall-table">')[1].split('</tbody>')[0].split('<tbody>')[1];
  return [...body.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((m) => [...m[1].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1]));
}

describe('renderHtml', () => {
  it('is one self-contained document: no URL, no external resource', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<[^>]*\s(src|href)\s*=/i);
    expect(html).not.toMatch(/@import|url\((?!#)/);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"`);
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it('has one table row per initcall, ranked, with median/sd/min/max in ms', () => {
    const rows = tableRows(html);
    expect(rows).toHaveLength(report.initcalls.length);
    expect(rows).toHaveLength(4);
    // rank, name, module, level, median, sd, min, max, share, boots, ret
    expect(rows[0]).toEqual(['1', 'pci_subsys_init', '', 'subsys', '32.456', '5.607', '30.123', '40.789', '90.62', '3/3', '']);
    expect(rows[3][1]).toBe('tiny_fn');
    expect(rows[3][4]).toBe('0.012');
    expect(rows[2]).toEqual(['3', 'no_device_init', '', 'device', '0.500', '0.000', '0.500', '0.500', '1.32', '3/3', '-19 (3/3)']);
  });

  it('keeps the raw numbers for sorting in data-v', () => {
    expect(html).toContain('<td class="num median" data-v="32456" title="per boot (ms): 30.123, 32.456, 40.789">32.456</td>');
  });

  it('escapes every string from the logs', () => {
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).toContain('<td class="name">&lt;script&gt;alert(1)&lt;/script&gt;</td><td class="module">&quot;&amp;&#39;</td>');
    expect(html).toContain('console=ttyS0 &lt;img src=x onerror=alert(2)&gt;');
    // and in the SVG titles
    expect(html).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt; [&quot;&amp;&#39;]: 2.100 ms');
  });

  it('shows the boot-level figures in the header', () => {
    const header = html.split('</header>')[0];
    expect(header).toContain(
      '<dt>Kernel</dt><dd class="kernel">6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1</dd>',
    );
    expect(header).toContain('<dt>Boots</dt><dd>3: boot-1.log, boot-2.log, boot-3.log</dd>');
    // The module's call runs on PID 200 but synchronously: it counts.
    expect(header).toContain(
      '<dt>Total initcall time</dt><dd>36.018 ms median (mean 38.021 ms ± 6.525 ms sd, 32.733 ms – 45.313 ms, n = 3) (synchronous calls)</dd>',
    );
    expect(header).toContain('<dt>Time to /init</dt><dd>2.500 s median');
    expect(header).toContain(
      '<dt>Long tail</dt><dd>2 initcalls under 1.000 ms (median): together 512 µs, 1.42 % of the initcall time</dd>',
    );
  });

  it('has one SVG per boot, the first visible, and a boot selector', () => {
    expect(html.match(/<div class="svg-wrap" data-boot="\d"( hidden)?>/g)).toEqual([
      '<div class="svg-wrap" data-boot="0">',
      '<div class="svg-wrap" data-boot="1" hidden>',
      '<div class="svg-wrap" data-boot="2" hidden>',
    ]);
    expect(html.match(/<option /g)).toHaveLength(3);
    // Ids are unique across the inlined SVGs.
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html).toContain('id="boot2-hatch"');
  });

  it('marks jiffy-quantized medians and never-returned calls', () => {
    const q = [0, 1].map((i) =>
      boot(`q${i}.log`, [call('jiffy_fn', 100_000, [4000, 8000][i]), call('hang_fn', 200_000, i === 0 ? 1000 : undefined)]),
    );
    const out = renderHtml(rankBoots(q), q);
    const rows = tableRows(out);
    expect(rows[0][1]).toBe('jiffy_fn');
    expect(rows[0][4]).toBe('≈6.000');
    expect(rows[1][10]).toBe('never returned (1/2)');
    expect(out).toContain('<tr class="incomplete" data-key="hang_fn">');
  });
});

describe('renderHtml with --group-by', () => {
  it('adds a table of the groups, their per-boot sums ranked', () => {
    const byModule = renderHtml(rankBoots(boots, { groupBy: 'module' }), boots);
    const body = byModule.split('<table id="group-table">')[1].split('</tbody>')[0];
    const rows = [...body.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => [...m[1].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1]));
    // (built-in): 30123+10+500, 32456+12+500, 40789+14+500 → median 32968 µs,
    // share 104404/114064 = 91.97 %; the module: 9160/114064 = 8.03 %.
    expect(rows).toEqual([
      ['1', '(built-in)', '3', '32.968', '5.609', '30.633', '41.303', '91.97', '0', '3'],
      ['2', '&quot;&amp;&#39;', '1', '3.050', '0.955', '2.100', '4.010', '8.03', '0', '0'],
    ]);
    expect(html).not.toContain('id="group-table"');
  });
});

describe('escape helpers', () => {
  it('escapes markup and quotes, and replaces characters XML cannot carry', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
    expect(escapeXml('a\u0000b\u001bc\td')).toBe('a\uFFFDb\uFFFDc d');
    expect(escapeXml('\uD800x')).toBe('\uFFFDx');
    expect(escapeXml('😀')).toBe('😀');
    expect(escapeXml(42)).toBe('42');
  });

  it('keeps JSON inert inside a <script>', () => {
    const s = jsonForScript({ fn: '</script><script>alert(1)</script>', sep: '\u2028' });
    expect(s).not.toContain('</script');
    expect(s).not.toContain('\u2028');
    expect(JSON.parse(s)).toEqual({ fn: '</script><script>alert(1)</script>', sep: '\u2028' });
  });
});
