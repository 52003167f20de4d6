import { describe, it, expect } from '@jest/globals';
import { layoutTimeline, renderSvg, niceStep, formatDuration, fitLabel } from '../../../src/report/svg.js';
import type { InitcallRecord, ParsedBoot } from '../../../src/initcall/types.js';

/** A call record as parse.ts would produce it from `calling`/`returned` lines. */
function call(
  fn: string,
  startUs: number | undefined,
  durationUs: number | undefined,
  extra: Partial<InitcallRecord> = {},
): InitcallRecord {
  const complete = durationUs !== undefined;
  const r: InitcallRecord = {
    fn,
    pid: 1,
    async: false,
    complete,
    callLine: 10,
    probes: [],
    ...extra,
  };
  if (startUs !== undefined) r.startTimeUs = startUs;
  if (durationUs !== undefined) {
    r.durationUs = durationUs;
    r.ret = r.ret ?? 0;
    if (startUs !== undefined && !('endTimeUs' in extra)) r.endTimeUs = startUs + durationUs + 25;
  }
  return r;
}

function boot(initcalls: InitcallRecord[], extra: Partial<ParsedBoot> = {}): ParsedBoot {
  return {
    source: 'hand.log',
    kernelRelease: '6.1.0-28-amd64',
    hasTimestamps: initcalls.some((r) => r.startTimeUs !== undefined),
    initcalls,
    probes: [],
    asyncWaits: [],
    landmarks: {},
    totalInitcallUs: initcalls.filter((r) => !r.async && r.complete).reduce((t, r) => t + (r.durationUs ?? 0), 0),
    warnings: [],
    lineCount: 100,
    ...extra,
  };
}

/** Attributes of the <rect> whose <title> starts with `name:`. */
function barFor(svg: string, name: string): Record<string, string> {
  const re = /<rect ([^>]*)><title>([^<]*)<\/title><\/rect>/g;
  for (const m of svg.matchAll(re)) {
    if (m[2].startsWith(`${name}:`)) {
      const attrs: Record<string, string> = { title: m[2] };
      for (const a of m[1].matchAll(/([\w-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
      return attrs;
    }
  }
  throw new Error(`no bar for ${name}`);
}

/**
 * A small XML well-formedness check: balanced, properly nested tags, quoted
 * attributes, no stray `<` or `&` in text, only known or numeric entities.
 */
function checkWellFormedXml(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const tokenRe = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let roots = 0;
  for (const m of body.matchAll(tokenRe)) {
    if (m[6] !== undefined) throw new Error(`stray < at ${m.index}: ${body.slice(m.index, m.index! + 40)}`);
    if (m[5] !== undefined) {
      const text = m[5];
      if (stack.length === 0 && text.trim() !== '') throw new Error(`text outside the root: ${text.slice(0, 40)}`);
      for (const e of text.matchAll(/&([^;\s]*);?/g)) {
        if (!/^(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+)$/.test(e[1]) || !e[0].endsWith(';')) {
          throw new Error(`bad entity ${e[0]}`);
        }
      }
      if (text.includes('>') && /\]\]>/.test(text)) throw new Error(']]> in text');
      continue;
    }
    const [, close, name, attrs, selfClose] = m;
    const names = [...attrs.matchAll(/([\w:-]+)=/g)].map((a) => a[1]);
    if (new Set(names).size !== names.length) throw new Error(`duplicate attribute in <${name}>`);
    for (const v of attrs.matchAll(/="([^"]*)"/g)) {
      for (const e of v[1].matchAll(/&([^;\s"]*);?/g)) {
        if (!/^(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+)$/.test(e[1]) || !e[0].endsWith(';'))
          throw new Error(`bad entity in attribute ${e[0]}`);
      }
    }
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      if (stack.length === 0) roots++;
      if (!selfClose) stack.push(name);
    }
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('> <')}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
}

describe('layoutTimeline', () => {
  // Calls at 0.5 s, 1.0 s (4000 µs) and 1.5 s (0.5 s long): the window is
  // 0.5 s → 2.0 s. At width 1200 the plot is 1200 − 118 − 24 = 1058 px wide,
  // so 1.5 s ↔ 1058 px: t = 1.0 s is 1058/3 = 352.67 px into the plot and
  // 4000 µs is 4000 × 1058 / 1.5e6 = 2.8213 px.
  const b = boot([
    call('early_fn', 500_000, 1000),
    call('four_ms_fn', 1_000_000, 4000),
    call('long_fn', 1_500_000, 500_000, { endTimeUs: 2_000_000 }),
  ]);

  it('maps a 4000 µs call at t = 1.0 s to x = 470.67, width 2.82', () => {
    const L = layoutTimeline(b, { width: 1200 });
    expect(L.plotLeft).toBe(118);
    expect(L.plotWidth).toBe(1058);
    expect(L.t0Us).toBe(500_000);
    expect(L.t1Us).toBe(2_000_000);
    const bar = L.bars.find((x) => x.index === 1)!;
    expect(bar.x).toBeCloseTo(470.67, 2);
    expect(bar.width).toBeCloseTo(2.82, 2);
    // And in the SVG text itself.
    const svg = renderSvg(b, { width: 1200 });
    const rect = barFor(svg, 'four_ms_fn');
    expect(rect.x).toBe('470.67');
    expect(rect.width).toBe('2.82');
    expect(rect.title).toBe('four_ms_fn: 4.000 ms (level unknown, PID 1, at 1.000000 s, line 10)');
  });

  it('scales with the width: twice the plot, twice the pixels', () => {
    const L = layoutTimeline(b, { width: 2258 });
    expect(L.t1Us).toBe(2_000_000);
    expect(L.plotWidth).toBe(2116);
    const bar = L.bars.find((x) => x.index === 1)!;
    expect(bar.x).toBeCloseTo(118 + 2 * 352.667, 1);
    expect(bar.width).toBeCloseTo(5.64, 2);
  });

  it('extends the window to the last `returned` timestamp (the end of the log)', () => {
    const L = layoutTimeline(boot([call('a', 500_000, 1000), call('b', 1_000_000, 4000)]));
    expect(L.t1Us).toBe(1_004_025);
  });

  it('gives tiny calls a 1 px bar that still carries a title', () => {
    const t = boot([call('big', 0, 1_000_000), call('tiny', 1_000_100, 3)]);
    const L = layoutTimeline(t);
    expect(L.bars[1].width).toBe(1);
    const svg = renderSvg(t);
    expect(barFor(svg, 'tiny').title).toMatch(/^tiny: 3 µs/);
    expect(barFor(svg, 'tiny').width).toBe('1');
  });

  it('puts each PID on its own row, PID 1 first, async rows labelled', () => {
    const t = boot([
      call('first_sync', 100_000, 1000),
      call('async_port_probe', 120_000, 300_000, { pid: 77, async: true, asyncCookie: 3 }),
      call('second_sync', 130_000, 2000),
      call('scsi_probe', 150_000, 1000, { pid: 78, async: true, asyncCookie: 4 }),
    ]);
    const L = layoutTimeline(t);
    expect(L.rows.map((r) => r.label)).toEqual(['PID 1', 'PID 77 async', 'PID 78 async']);
    const rowOf = (i: number) => L.bars.find((x) => x.index === i)!.row;
    expect([rowOf(0), rowOf(1), rowOf(2), rowOf(3)]).toEqual([0, 1, 0, 2]);
    expect(L.rows[1].y - L.rows[0].y).toBe(26);
    const svg = renderSvg(t);
    expect(barFor(svg, '3_async_port_probe').title).toContain('async');
  });

  it('draws a never-returned call hatched, from its start to the end of the log', () => {
    const t = boot([call('ok_fn', 1_000_000, 10_000), call('hangs_fn', 1_100_000, undefined)], {
      landmarks: { runInitUs: 2_000_000 },
    });
    const L = layoutTimeline(t, { width: 1200 });
    expect(L.t1Us).toBe(2_000_000);
    const bar = L.bars.find((x) => x.index === 1)!;
    expect(bar.complete).toBe(false);
    expect(bar.x + bar.width).toBeCloseTo(118 + 1058, 1);
    const svg = renderSvg(t);
    const rect = barFor(svg, 'hangs_fn');
    expect(rect.class).toBe('bar incomplete');
    expect(rect.fill).toBe('url(#ktrim-hatch)');
    expect(rect.title).toMatch(/^hangs_fn: never returned/);
    expect(svg).toContain('never returned</text>'); // legend entry
    expect(svg).toContain('run /init 2.000000 s');
  });

  it('gives a hang at the very end of the log 3 % of the window, so it shows', () => {
    const t = boot([call('ok_fn', 1_000_000, 10_000), call('hangs_last', 1_500_000, undefined)]);
    const L = layoutTimeline(t, { width: 1200 });
    // Window 1.0 → 1.5 s, plus 3 % of 0.5 s.
    expect(L.t1Us).toBeCloseTo(1_515_000, 0);
    const bar = L.bars.find((x) => x.index === 1)!;
    expect(bar.width).toBeCloseTo((15_000 * 1058) / 515_000, 1);
    expect(bar.x + bar.width).toBeCloseTo(118 + 1058, 1);
  });

  it('lays calls end to end without timestamps and says so in the title', () => {
    const t = boot([call('a_fn', undefined, 3000), call('b_fn', undefined, 1000), call('c_fn', undefined, 6000)]);
    expect(t.hasTimestamps).toBe(false);
    const L = layoutTimeline(t, { width: 1200 });
    expect(L.timed).toBe(false);
    expect([L.t0Us, L.t1Us]).toEqual([0, 10_000]);
    const [a, bb, c] = L.bars;
    expect(bb.x).toBeCloseTo(a.x + a.width, 1);
    expect(c.x).toBeCloseTo(bb.x + bb.width, 1);
    expect(a.width).toBeCloseTo((3000 * 1058) / 10_000, 1);
    const svg = renderSvg(t);
    expect(svg).toMatch(/<title id="ktrim-title">[^<]*no printk timestamps: calls laid end to end by duration\)<\/title>/);
    expect(barFor(svg, 'b_fn').title).not.toContain(' at ');
  });

  it('colours bars by level and lists the levels in run order in the legend', () => {
    const t = boot([
      call('dev_fn', 300_000, 5000, { level: 'device' }),
      call('core_fn', 100_000, 5000, { level: 'core' }),
      call('mod_init', 400_000, 5000, { module: 'virtio_blk', pid: 140 }),
    ]);
    const svg = renderSvg(t);
    expect(barFor(svg, 'core_fn').fill).toBe('#4e79a7');
    expect(barFor(svg, 'dev_fn').fill).toBe('#f28e2b');
    expect(barFor(svg, 'mod_init [virtio_blk]').fill).toBe('#17becf');
    const legend = [...svg.matchAll(/<g class="legend-item">.*?<text [^>]*>([^<]*)<\/text><\/g>/g)].map((m) => m[1]);
    expect(legend).toEqual(['core', 'device', 'module']);
  });

  it('labels a bar with its name only when the name fits', () => {
    const t = boot([call('wide_enough_fn', 0, 900_000), call('narrow_fn', 900_000, 1000)]);
    const svg = renderSvg(t);
    const labels = [...svg.matchAll(/<text class="bar-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(['wide_enough_fn']);
  });

  it('shortens a label with an ellipsis when only part of it fits', () => {
    expect(fitLabel('crypto_algapi_init', 200)).toBe('crypto_algapi_init');
    // (150 − 6) / 6.2 = 23 characters: 22 and the ellipsis.
    expect(fitLabel('virtio_pci_driver_init [virtio_pci]', 150)).toBe('virtio_pci_driver_init…');
    expect(fitLabel('abcdef', 43)).toBe('abcd…');
    expect(fitLabel('abcdefgh', 30)).toBeUndefined();
    expect(fitLabel('abc', 30)).toBe('abc');
  });

  it('draws async_waiting spans on the waiting PID row', () => {
    const t = boot([call('a_fn', 100_000, 1000), call('b_fn', 300_000, 1000)], {
      asyncWaits: [{ pid: 1, startTimeUs: 150_000, durationUs: 120_000, line: 42 }],
    });
    const L = layoutTimeline(t);
    const w = L.bars.find((x) => x.kind === 'wait')!;
    expect(w.row).toBe(0);
    expect(w.title).toBe('async_waiting @ 1: 120.000 ms (at 0.150000 s, line 42)');
    expect(renderSvg(t)).toContain('<rect class="wait"');
  });

  it('puts the waits of PIDs that ran no initcall on one shared row', () => {
    const t = boot([call('a_fn', 100_000, 1000), call('b_fn', 300_000, 1000)], {
      asyncWaits: [
        { pid: 45, startTimeUs: 150_000, durationUs: 53, line: 50 },
        { pid: 46, startTimeUs: 160_000, durationUs: 2, line: 52 },
        { pid: 1, startTimeUs: 170_000, durationUs: 20_000, line: 54 },
      ],
    });
    const L = layoutTimeline(t);
    expect(L.rows.map((r) => r.label)).toEqual(['PID 1', 'waits, 2 PIDs']);
    expect(L.rows[1].waitPids).toEqual([45, 46]);
    expect(L.bars.filter((b) => b.kind === 'wait').map((b) => b.row)).toEqual([1, 1, 0]);
    expect(L.bars.find((b) => b.kind === 'wait' && b.index === 1)!.title).toMatch(/^async_waiting @ 46: 2 µs/);
  });

  it('keys each bar like the ranking does (second run: fn#2)', () => {
    const svg = renderSvg(
      boot([call('twice', 100_000, 1000), call('other', 200_000, 1000, { module: 'm' }), call('twice', 300_000, 1000)]),
    );
    const keys = [...svg.matchAll(/ data-key="([^"]*)"/g)].map((m) => m[1]);
    expect(keys).toEqual(['twice', 'other [m]', 'twice#2']);
  });

  it("carries each bar's times and name for the HTML zoom", () => {
    const svg = renderSvg(boot([call('a_fn', 100_000, 1000, { module: 'm<1>' }), call('b_fn', 300_000, 1000)]));
    const a = barFor(svg, 'a_fn [m&lt;1&gt;]');
    expect([a['data-s'], a['data-e'], a['data-name']]).toEqual(['100000', '101000', 'a_fn [m&lt;1&gt;]']);
    expect(svg).toMatch(/<svg [^>]*data-t0="100000" data-t1="301025" data-left="118" data-plot-width="1058"/);
  });
});

describe('axis ticks', () => {
  it('chooses 1/2/5 steps and labels them in ms or s', () => {
    expect(niceStep(1_500_000, 1058)).toBe(200_000);
    expect(niceStep(10_000, 1058)).toBe(1000);
    const L = layoutTimeline(boot([call('x', 500_000, 1000), call('y', 1_999_000, 1000)]), { width: 1200 });
    expect(L.ticks.map((t) => t.label)).toEqual(['0.6 s', '0.8 s', '1.0 s', '1.2 s', '1.4 s', '1.6 s', '1.8 s', '2.0 s']);
    expect(L.ticks[0].x).toBeCloseTo(118 + (100_000 * 1058) / 1_500_000, 1);
    const ms = layoutTimeline(boot([call('x', 100_000, 1000), call('y', 109_000, 1000)]));
    expect(ms.ticks[0].label).toBe('100 ms');
    expect(ms.ticks[1].label).toBe('101 ms');
  });

  it('formats durations', () => {
    expect(formatDuration(37)).toBe('37 µs');
    expect(formatDuration(4000)).toBe('4.000 ms');
    expect(formatDuration(1_234_567)).toBe('1.235 s');
  });
});

describe('renderSvg output', () => {
  const hostile = boot(
    [
      call('<script>alert(1)</script>', 100_000, 500_000, { module: `"&'` }),
      call('plain_fn', 600_000, 1000),
      call('bad\u0001ctl', 700_000, 1000),
    ],
    { source: 'x<y>&"z".log', kernelRelease: '6.1.0-<b>evil</b>' },
  );
  const svg = renderSvg(hostile);

  it('is a well-formed standalone SVG document', () => {
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(() => checkWellFormedXml(svg)).not.toThrow();
    // The checker itself fails on broken XML.
    expect(() => checkWellFormedXml(svg.replace('</svg>', ''))).toThrow(/unclosed/);
    expect(() => checkWellFormedXml('<svg><text>a < b</text></svg>')).toThrow(/stray/);
    expect(() => checkWellFormedXml('<svg><text>a & b</text></svg>')).toThrow(/bad entity/);
  });

  it('escapes every string from the log', () => {
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt; [&quot;&amp;&#39;]: 500.000 ms');
    expect(svg).toContain('6.1.0-&lt;b&gt;evil&lt;/b&gt; — x&lt;y&gt;&amp;&quot;z&quot;.log');
    expect(svg).not.toContain('\u0001');
    expect(svg).toContain('bad\uFFFDctl: 1.000 ms');
  });

  it('has one bar per initcall with a timestamp', () => {
    expect(svg.match(/<rect class="bar[ "]/g)).toHaveLength(3);
    const t = boot([call('a', 1000, 10), call('b', undefined, 10), call('c', 3000, 10)]);
    t.hasTimestamps = true;
    const out = renderSvg(t);
    expect(out.match(/<rect class="bar[ "]/g)).toHaveLength(2);
    expect(out).toContain('1 without a timestamp not drawn');
  });

  it('copes with a boot without initcalls', () => {
    const empty = renderSvg(boot([]));
    expect(() => checkWellFormedXml(empty)).not.toThrow();
    expect(empty).toContain('0 initcalls');
  });
});
