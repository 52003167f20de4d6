/**
 * Every report format on hostile logs (issue 7 §5): a megabyte-long function
 * name, one initcall repeated 150,000 times, markup and terminal/bidi control
 * characters in the `Linux version` line and in names. Each output must stay
 * bounded and inert. The inputs are a real fixture boot, altered.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBootLog } from '../../../src/initcall/parse.js';
import { compareReports, rankBoots, type InitcallReport, type RankedInitcall } from '../../../src/initcall/rank.js';
import type { InitcallRecord, ParsedBoot } from '../../../src/initcall/types.js';
import { renderText } from '../../../src/report/text.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import { renderJson, renderJsonComparison, toJsonReport } from '../../../src/report/json.js';
import { renderSvg, layoutTimeline, MAX_BARS, MAX_ROWS } from '../../../src/report/svg.js';
import { renderHtml } from '../../../src/report/html.js';
import { renderCompareMarkdown, renderCompareText } from '../../../src/report/compare.js';
import { cleanText, elide, escapeXml, mdText } from '../../../src/report/escape.js';
import { MAX_LISTED } from '../../../src/report/format.js';

const FIXTURE = join(process.cwd(), 'test/fixtures/boots/debian-6.1-qemu-1.log');
const log = readFileSync(FIXTURE, 'utf8');
const parse = (text: string) => parseBootLog(text, { source: 'boot.log' });

/** Every format of one set of boots, and --compare against the real fixture. */
function allFormats(boots: ParsedBoot[]): Record<string, string> {
  const report = rankBoots(boots);
  const cmp = compareReports(report, rankBoots([parse(log)]));
  return {
    text: renderText(report),
    md: renderMarkdown(report),
    json: renderJson(report),
    svg: renderSvg(boots[0]),
    html: renderHtml(report, boots),
    'compare text': renderCompareText(cmp),
    'compare md': renderCompareMarkdown(cmp),
    'compare json': renderJsonComparison(cmp),
  };
}

describe('a megabyte-long function name', () => {
  const NAME = 'x'.repeat(1 << 20);
  // The slowest initcall of the fixture gets the long name.
  const victim = rankBoots([parse(log)]).initcalls[0].fn;
  const boot = parse(log.replaceAll(`${victim}+`, `${NAME}+`));
  const outputs = allFormats([boot]);

  it('is in the parsed boot (so the test means something)', () => {
    expect(boot.initcalls.some((r) => r.fn === NAME)).toBe(true);
  });
  it.each(['text', 'md', 'svg', 'html', 'compare text', 'compare md'])('is elided in %s: the output stays small', (format) => {
    // Before: text padded every one of ~680 rows to the name's width (0.7 GB).
    expect(outputs[format].length).toBeLessThan(600_000);
    expect(outputs[format]).toContain('xxxxxxxxxx…xxxxxxxxxx');
  });
  it('is kept whole in JSON, once per place it belongs', () => {
    const json = JSON.parse(outputs.json);
    expect(json.report.initcalls[0].fn).toBe(NAME);
    expect(outputs.json.length).toBeLessThan(3 * NAME.length + 1_000_000);
  });
  it('keeps text rows aligned to a bounded width', () => {
    const widest = outputs.text.split('\n').reduce((m, l) => Math.max(m, l.length), 0);
    expect(widest).toBeLessThan(400);
  });
});

describe('one initcall repeated 150,000 times', () => {
  const COUNT = 150_000;
  // The timelines need fewer calls to show the bound (and take longer).
  const DRAWN = 30_000;
  // A real boot's records, repeated: the report sees foo, foo#2, … foo#150000.
  const real = parse(log);
  const template = real.initcalls.find((r) => r.complete && r.durationUs !== undefined && r.startTimeUs !== undefined)!;
  const initcalls: InitcallRecord[] = Array.from({ length: DRAWN }, (_, i) => ({
    ...template,
    startTimeUs: template.startTimeUs! + i * 10,
    endTimeUs: template.startTimeUs! + i * 10 + 5,
    durationUs: 5 + (i % 7),
    ret: i % 2 ? -19 : 0,
    pid: 1 + (i % 500),
    callLine: 2 * i + 1,
    returnLine: 2 * i + 2,
  }));
  const boot: ParsedBoot = { ...real, initcalls, probes: [], asyncWaits: [], warnings: [] };

  // rankBoots on 150,000 records is slow; the renderers are what is tested,
  // so the ranked list is built the way rank.ts names repeats (fn#N).
  const base = rankBoots([real]);
  const r0 = base.initcalls[0];
  const ranked: RankedInitcall[] = Array.from({ length: COUNT }, (_, i) => ({
    ...r0,
    occurrence: i,
    key: i === 0 ? r0.fn : `${r0.fn}#${i + 1}`,
    errorCodes: i % 2 ? [-19] : [],
    errorBoots: i % 2,
    incomplete: i % 3 === 0 ? 1 : 0,
    incompleteAt: i % 3 === 0 ? [{ source: 'boot.log', line: i }] : [],
  }));
  const report: InitcallReport = { ...base, initcalls: ranked };

  it('text and md render (no "Maximum call stack size exceeded"), at most MAX_LISTED rows', () => {
    const text = renderText(report);
    expect(text).toContain(`… ${COUNT - MAX_LISTED} more initcalls not shown (at most ${MAX_LISTED} listed)`);
    expect(text).toMatch(/… and \d+ more\n/);
    expect(text.length).toBeLessThan(2_000_000);
    const md = renderMarkdown(report);
    expect(md).toContain(`${COUNT - MAX_LISTED} more initcalls not shown`);
    expect(md.length).toBeLessThan(2_000_000);
  });
  it('JSON is bounded and says it was truncated', () => {
    const doc = toJsonReport(report);
    expect(doc.initcallCount).toBe(COUNT);
    expect(doc.truncated).toBe(true);
    expect(doc.report.initcalls.length).toBeLessThanOrEqual(2 * MAX_LISTED);
    expect(renderJson(report).length).toBeLessThan(30_000_000);
    expect(toJsonReport(base).truncated).toBe(false);
  });
  it('compare renders in every format, bounded', () => {
    const cmp = compareReports(report, base);
    expect(renderCompareText(cmp).length).toBeLessThan(2_000_000);
    expect(renderCompareMarkdown(cmp).length).toBeLessThan(2_000_000);
    expect(renderJsonComparison(cmp).length).toBeLessThan(30_000_000);
  });
  it('SVG draws at most MAX_BARS bars on at most MAX_ROWS + 1 rows and counts the rest', () => {
    const layout = layoutTimeline(boot);
    expect(layout.bars.length).toBe(MAX_BARS);
    expect(layout.notDrawn).toBe(DRAWN - MAX_BARS);
    expect(layout.rows.length).toBeLessThanOrEqual(MAX_ROWS + 1);
    expect(layout.rows.at(-1)!.label).toBe(`${500 - MAX_ROWS} more PIDs`);
    const svg = renderSvg(boot);
    expect(svg).toContain(`${DRAWN - MAX_BARS} shorter calls not drawn`);
    expect(svg.length).toBeLessThan(3_000_000);
  });
  it('HTML is bounded (table rows and timelines)', () => {
    const html = renderHtml(report, [boot, boot]);
    expect(html).toContain(`of ${COUNT} shown (at most ${MAX_LISTED} listed)`);
    expect(html.length).toBeLessThan(15_000_000);
  });
});

describe('markup and control characters from the log', () => {
  const EVIL = '<script>alert(1)</script> <img src=x onerror=alert(2)> \u0000\u0008\u009b31m\u202egnp.exe\u2066 [x](javascript:y) *b* `c`';
  const boot = parse(log.replace(/Linux version 6\.1\.0-56-amd64/g, `Linux version 6.1.0-56-amd64 ${EVIL}`));
  const boot2 = parse(log.replace(/Linux version 6\.1\.0-56-amd64/g, `Linux version ${EVIL}`));
  const outputs: Record<string, string> = { ...allFormats([boot]), 'md (release)': renderMarkdown(rankBoots([boot2])) };

  it('reaches the parsed kernel version (so the test means something)', () => {
    expect(boot.kernelVersion).toContain('<script>');
    expect(boot.kernelVersion).toContain('\u202e');
  });
  it.each(Object.keys(outputs))('%s carries no NUL, backspace, C1 CSI or bidi control', (format) => {
    // eslint-disable-next-line no-control-regex
    expect(outputs[format]).not.toMatch(/[\u0000\u0008\u009b\u202e\u2066]/);
  });
  it('JSON keeps the exact text, as \\u escapes', () => {
    expect(JSON.parse(outputs.json).report.kernels[0]).toBe(boot.kernelVersion);
    expect(outputs.json).toContain('\\u0000\\b\\u009b31m\\u202egnp.exe\\u2066');
  });
  it.each(['md', 'md (release)', 'compare md', 'html', 'svg'])('%s carries no live markup', (format) => {
    // Markdown escapes `<` with a backslash, HTML and SVG as an entity.
    expect(outputs[format]).not.toMatch(/(?<!\\)<(script>alert|img)/);
  });
  it('Markdown shows the characters escaped, in the heading and in "Kernel:"', () => {
    const md = outputs['md (release)'];
    expect(md).toMatch(/^### Initcalls of \\<script\\>alert\(1\)\\<\/script\\>, 1 boot$/m);
    expect(md).toContain('- Kernel: \\<script\\>alert(1)\\</script\\> \\<img src=x onerror=alert(2)\\>');
    expect(md).toContain('\\[x\\](javascript:y) \\*b\\* \\`c\\`');
  });
  it('text shows them as U+FFFD', () => {
    expect(outputs.text).toContain(
      'Kernel:            6.1.0-56-amd64 <script>alert(1)</script> <img src=x onerror=alert(2)> \uFFFD\uFFFD\uFFFD31m\uFFFDgnp.exe\uFFFD',
    );
  });
});

describe('the sanitizer', () => {
  it('replaces controls, C1, bidi controls and lone surrogates; keeps other text', () => {
    expect(cleanText('a\u0000b\u001b[31mc\u007fd\u0085e\u009bf\u200eg\u202ah\u2069i\ud800j\tk')).toBe(
      'a\uFFFDb\uFFFD[31mc\uFFFDd\uFFFDe\uFFFDf\uFFFDg\uFFFDh\uFFFDi\uFFFDj k',
    );
    expect(cleanText('ünïcode 😀 µs — ok')).toBe('ünïcode 😀 µs — ok');
  });
  it('elides to a bound, without splitting a surrogate pair', () => {
    expect(cleanText('y'.repeat(5000)).length).toBe(1024);
    expect(elide('abcdefghij', 5)).toBe('ab…ij');
    const s = elide('😀'.repeat(10), 6);
    expect(s).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });
  it('escapes Markdown prose so it cannot open HTML, links, lists or headings', () => {
    expect(mdText('<b>&amp; _x_')).toBe('\\<b\\>\\&amp; \\_x\\_');
    expect(mdText('- item')).toBe('\\- item');
    expect(mdText('1. first')).toBe('1\\. first');
    expect(mdText('6.1.0-28-amd64 (gcc-12)')).toBe('6.1.0-28-amd64 (gcc-12)');
    expect(mdText('a === b')).toBe('a \\=== b');
  });
  it('escapeXml is cleanText plus entities', () => {
    expect(escapeXml('<\u202e>')).toBe('&lt;\uFFFD&gt;');
  });
});
