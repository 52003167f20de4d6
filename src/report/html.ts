/**
 * The report as one self-contained HTML file: inline CSS and JavaScript, no
 * URL of any kind (a Content-Security-Policy forbids every fetch, so the page
 * works offline and leaks nothing). It holds a header with the boot-level
 * figures, the timeline SVG of each boot (a selector picks one), and a table
 * of every initcall, sortable by clicking a column header and filterable.
 * Every string that came from a log is escaped. Pure: returns a string.
 */
import type { InitcallReport, RankedInitcall } from '../initcall/rank.js';
import type { ParsedBoot } from '../initcall/types.js';
import type { Summary } from '../stats/summary.js';
import { escapeHtml as esc, NAME_MAX } from './escape.js';
import { capped, elide, MAX_LISTED } from './format.js';
import { formatDuration, renderSvgElement } from './svg.js';

export interface HtmlOptions {
  title?: string;
}

/** Width of the inlined timelines (px). */
const HTML_SVG_WIDTH = 1400;
/** Timelines drawn (the first boots); each is bounded by svg.ts's MAX_BARS. */
export const MAX_TIMELINES = 20;
/** Warnings listed in the header, over all boots. */
const MAX_WARNINGS = 100;

/** µs → ms with 3 decimals, the unit of every table column. */
function ms(us: number): string {
  return (us / 1000).toFixed(3);
}

function summaryText(s: Summary | null): string {
  if (!s) return '—';
  let t = formatDuration(s.median);
  if (s.n > 1) {
    t += ` median (mean ${formatDuration(s.mean)}`;
    if (s.sd !== null) t += ` ± ${formatDuration(s.sd)} sd`;
    t += `, ${formatDuration(s.min)} – ${formatDuration(s.max)}, n = ${s.n})`;
  }
  return t;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(2)} %`;
}

/** A table cell that sorts by `value` (null sorts last) and shows `text`. */
function numCell(value: number | null, text: string, cls = 'num', title?: string): string {
  const t = title ? ` title="${esc(title)}"` : '';
  return `<td class="${cls}" data-v="${value === null ? '' : value}"${t}>${esc(text)}</td>`;
}

/** A text cell: log text is cleaned and at most `max` long (names: NAME_MAX). */
function textCell(text: string, cls: string, max = NAME_MAX): string {
  return `<td class="${cls}">${esc(text, max)}</td>`;
}

const COLUMNS: { key: string; label: string; type: 'num' | 'text'; title: string }[] = [
  { key: 'rank', label: '#', type: 'num', title: 'Rank by median duration' },
  { key: 'name', label: 'initcall', type: 'text', title: 'Function (#N: its Nth run in one boot)' },
  { key: 'module', label: 'module', type: 'text', title: 'Module it came from (empty: built in)' },
  { key: 'level', label: 'level', type: 'text', title: 'Initcall level' },
  { key: 'median', label: 'median ms', type: 'num', title: 'Median duration over the boots' },
  { key: 'sd', label: 'sd ms', type: 'num', title: 'Sample standard deviation' },
  { key: 'min', label: 'min ms', type: 'num', title: 'Shortest run' },
  { key: 'max', label: 'max ms', type: 'num', title: 'Longest run' },
  { key: 'share', label: '% share', type: 'num', title: 'Share of the total synchronous initcall time' },
  { key: 'boots', label: 'boots', type: 'num', title: 'Boots it was called in' },
  { key: 'ret', label: 'return codes', type: 'text', title: 'Non-zero return codes (boots); calls that never returned' },
];

function initcallRow(r: RankedInitcall, rank: number, bootCount: number): string {
  const s = r.stats;
  // The first 100 boots: a title of 2,000 numbers per row would make the page megabytes long.
  const perBoot =
    r.durationsUs
      .slice(0, 100)
      .map((d) => (d === null ? '—' : ms(d)))
      .join(', ') + (r.durationsUs.length > 100 ? ', …' : '');
  const medianTitle = `per boot (ms): ${perBoot}${r.jiffyUs ? `; every duration is a multiple of ${r.jiffyUs} µs (jiffy-quantized)` : ''}`;
  const medianText = s ? `${r.jiffyUs ? '≈' : ''}${ms(s.median)}` : '—';
  let name = r.occurrence > 0 ? `${elide(r.fn, NAME_MAX)}#${r.occurrence + 1}` : r.fn;
  if (r.async) name += ' (async)';
  const ret: string[] = [];
  if (r.errorCodes.length > 0)
    ret.push(`${r.errorCodes.slice(0, 10).join(', ')}${r.errorCodes.length > 10 ? ', …' : ''} (${r.errorBoots}/${bootCount})`);
  if (r.incomplete > 0) ret.push(`never returned (${r.incomplete}/${bootCount})`);
  const cls = [r.incomplete > 0 ? 'incomplete' : '', r.errorCodes.length > 0 ? 'error' : '', r.async ? 'async' : '']
    .filter(Boolean)
    .join(' ');
  return (
    `<tr${cls ? ` class="${cls}"` : ''} data-key="${esc(r.key)}">` +
    numCell(rank, String(rank), 'num rank') +
    textCell(name, 'name') +
    textCell(r.module ?? '', 'module') +
    textCell(r.level ?? '', 'level') +
    numCell(s ? s.median : null, medianText, 'num median', medianTitle) +
    numCell(s?.sd ?? null, s?.sd != null ? ms(s.sd) : '—', 'num sd') +
    numCell(s ? s.min : null, s ? ms(s.min) : '—', 'num min') +
    numCell(s ? s.max : null, s ? ms(s.max) : '—', 'num max') +
    numCell(r.share, r.share === null ? '—' : r.async ? 'async' : (r.share * 100).toFixed(2), 'num share') +
    numCell(r.boots, `${r.boots}/${bootCount}`, 'num boots') +
    textCell(ret.join('; '), 'ret', 1024) +
    `</tr>`
  );
}

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.4 "DejaVu Sans", Verdana, sans-serif; margin: 0 24px 40px; color: #222; background: #fff; }
h1 { font-size: 20px; margin: 18px 0 8px; }
h2 { font-size: 16px; margin: 26px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
dl.figures { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 0; }
dl.figures dt { font-weight: bold; color: #555; }
dl.figures dd { margin: 0; }
dd.cmdline, dd.kernel { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; word-break: break-all; }
ul.warnings { color: #8a4b00; background: #fff6e5; border: 1px solid #f0d9a8; padding: 6px 6px 6px 28px; }
.svg-wrap { overflow-x: auto; border: 1px solid #ddd; margin-top: 8px; }
.svg-wrap[hidden] { display: none; }
.svg-wrap svg { display: block; cursor: crosshair; user-select: none; }
svg rect.bar:hover, svg rect.wait:hover { stroke: #000; stroke-width: 1.5px; }
.controls { display: flex; gap: 16px; align-items: center; margin: 6px 0; }
input#filter { width: 320px; padding: 3px 6px; font: inherit; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: left; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.name, td.module { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
td.ret { color: #a33; }
thead th { position: sticky; top: 0; background: #f3f3f3; border-bottom: 2px solid #ccc; }
#initcall-table thead th { cursor: pointer; user-select: none; }
#initcall-table thead th:hover { background: #e6eefa; }
th[aria-sort="descending"]::after { content: " ▼"; }
th[aria-sort="ascending"]::after { content: " ▲"; }
tr.incomplete td.name { color: #c0392b; }
tr.async td.name { font-style: italic; }
tbody tr:hover { background: #f5f9ff; }
tbody tr.highlight, tbody tr.highlight:hover { background: #ffe9a8; }
tr[hidden] { display: none; }
footer { margin-top: 24px; color: #777; font-size: 12px; }
`;

// Sorting, filtering and the boot selector. Numbers sort by data-v, empty
// values (never returned) always last; numeric columns start descending.
const SCRIPT = `
(function () {
  'use strict';
  var table = document.getElementById('initcall-table');
  var tbody = table.tBodies[0];
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var current = { col: 0, dir: 'ascending' };
  function value(row, col, type) {
    var cell = row.cells[col];
    if (type === 'num') { var v = cell.getAttribute('data-v'); return v === '' ? null : Number(v); }
    return cell.textContent.toLowerCase();
  }
  function sortBy(col, dir) {
    var type = headers[col].getAttribute('data-type');
    var sign = dir === 'ascending' ? 1 : -1;
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(function (a, b) {
      var x = value(a, col, type), y = value(b, col, type);
      if (x === null || x === '') { if (!(y === null || y === '')) return 1; }
      else if (y === null || y === '') return -1;
      else if (x < y) return -sign;
      else if (x > y) return sign;
      return Number(a.cells[0].getAttribute('data-v')) - Number(b.cells[0].getAttribute('data-v'));
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r); });
    tbody.appendChild(frag);
    headers.forEach(function (h, i) {
      if (i === col) h.setAttribute('aria-sort', dir); else h.removeAttribute('aria-sort');
    });
    current = { col: col, dir: dir };
  }
  headers.forEach(function (h, i) {
    h.addEventListener('click', function () {
      var dir;
      if (current.col === i) dir = current.dir === 'ascending' ? 'descending' : 'ascending';
      else dir = h.getAttribute('data-type') === 'num' && i !== 0 ? 'descending' : 'ascending';
      sortBy(i, dir);
    });
    h.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); h.click(); }
    });
  });
  var filter = document.getElementById('filter');
  var count = document.getElementById('shown');
  filter.addEventListener('input', function () {
    var q = filter.value.trim().toLowerCase();
    var shown = 0;
    Array.prototype.forEach.call(tbody.rows, function (r) {
      var text = (r.cells[1].textContent + ' ' + r.cells[2].textContent + ' ' + r.cells[3].textContent).toLowerCase();
      var hide = q !== '' && text.indexOf(q) < 0;
      r.hidden = hide;
      if (!hide) shown++;
    });
    count.textContent = String(shown);
  });
  // Timeline zoom: drag across a timeline to zoom into that time range,
  // double-click (or "reset zoom") to see the whole boot again. Bars carry
  // their times (data-s, data-e in µs); the axis, labels and landmarks are
  // laid out again from them, with the same rules as svg.ts.
  function niceStep(range, width) {
    var raw = range * 90 / Math.max(width, 1);
    if (!(raw > 0) || !isFinite(raw)) return 1;
    var pow = Math.pow(10, Math.floor(Math.log10(raw)));
    var ms = [1, 2, 5, 10];
    for (var i = 0; i < ms.length; i++) if (ms[i] * pow >= raw) return Math.max(1, ms[i] * pow);
    return 10 * pow;
  }
  function tickLabel(us, step, end) {
    if (step < 1000) return (us / 1000).toFixed(Math.max(0, -Math.floor(Math.log10(step / 1000) + 1e-9))) + ' ms';
    if (end < 1e6) return Math.round(us / 1000) + ' ms';
    return (us / 1e6).toFixed(Math.max(0, -Math.floor(Math.log10(step / 1e6) + 1e-9))) + ' s';
  }
  function stamp(us) { return (us / 1e6).toFixed(6) + ' s'; }
  function relayout(svg, t0, t1) {
    var ns = svg.namespaceURI;
    var left = Number(svg.getAttribute('data-left'));
    var width = Number(svg.getAttribute('data-plot-width'));
    var k = width / (t1 - t0);
    var xOf = function (us) { return left + (us - t0) * k; };
    var bars = svg.querySelector('g.bars');
    Array.prototype.forEach.call(bars.querySelectorAll('text.bar-label'), function (t) { t.remove(); });
    Array.prototype.forEach.call(bars.querySelectorAll('rect.bar, rect.wait'), function (r) {
      var s = Number(r.getAttribute('data-s')), e = Number(r.getAttribute('data-e'));
      var x = xOf(s), w = Math.max(1, (e - s) * k);
      r.setAttribute('x', x.toFixed(2));
      r.setAttribute('width', w.toFixed(2));
      var name = r.getAttribute('data-name');
      if (name === null) return;
      var visLeft = Math.max(x, left), visW = Math.min(x + w, left + width) - visLeft;
      var chars = Math.floor((visW - 6) / 6.2);
      if (chars < 5 && chars < name.length) return;
      if (chars < name.length) name = name.slice(0, chars - 1) + '\u2026';
      var t = document.createElementNS(ns, 'text');
      t.setAttribute('class', 'bar-label');
      t.setAttribute('x', (visLeft + 3).toFixed(2));
      t.setAttribute('y', String(Number(r.getAttribute('y')) + Number(r.getAttribute('height')) / 2 + 4));
      t.setAttribute('pointer-events', 'none');
      t.textContent = name;
      r.after(t);
    });
    var axis = svg.querySelector('g.axis');
    var first = axis.querySelector('line');
    var y1 = first ? first.getAttribute('y1') : '0', y2 = first ? first.getAttribute('y2') : '0';
    var ty = first ? axis.querySelector('text').getAttribute('y') : '0';
    while (axis.firstChild) axis.firstChild.remove();
    var step = niceStep(t1 - t0, width);
    for (var us = Math.ceil(t0 / step) * step; us <= t1 + 1e-6; us += step) {
      var line = document.createElementNS(ns, 'line');
      var x = xOf(us).toFixed(2);
      line.setAttribute('x1', x); line.setAttribute('x2', x);
      line.setAttribute('y1', y1); line.setAttribute('y2', y2);
      line.setAttribute('stroke', '#d0d0d0'); line.setAttribute('stroke-width', '1');
      var label = document.createElementNS(ns, 'text');
      label.setAttribute('x', x); label.setAttribute('y', ty); label.setAttribute('text-anchor', 'middle');
      label.textContent = tickLabel(us, step, t1);
      axis.appendChild(line); axis.appendChild(label);
    }
    Array.prototype.forEach.call(svg.querySelectorAll('g.marker'), function (g) {
      var us = Number(g.getAttribute('data-us'));
      var x = xOf(us);
      g.style.display = us < t0 || us > t1 ? 'none' : '';
      var l = g.querySelector('line'), t = g.querySelector('text');
      l.setAttribute('x1', x.toFixed(2)); l.setAttribute('x2', x.toFixed(2));
      var leftSide = x - left > 200;
      t.setAttribute('x', (leftSide ? x - 3 : x + 3).toFixed(2));
      t.setAttribute('text-anchor', leftSide ? 'end' : 'start');
    });
    var full = t0 === Number(svg.getAttribute('data-t0')) && t1 === Number(svg.getAttribute('data-t1'));
    svg.querySelector('text.view').textContent = full ? '' : 'zoomed to ' + stamp(t0) + ' → ' + stamp(t1) + ' (double-click to reset)';
    svg.setAttribute('data-view', full ? '' : t0 + ' ' + t1);
  }
  // A click on a bar shows its row in the table.
  function showRow(target) {
    var key = target && target.getAttribute && target.getAttribute('data-key');
    if (!key) return;
    var row = Array.prototype.find.call(tbody.rows, function (r) { return r.getAttribute('data-key') === key; });
    if (!row) return;
    if (row.hidden) { filter.value = ''; filter.dispatchEvent(new Event('input')); }
    Array.prototype.forEach.call(tbody.querySelectorAll('tr.highlight'), function (r) { r.classList.remove('highlight'); });
    row.classList.add('highlight');
    row.scrollIntoView({ block: 'center' });
  }
  Array.prototype.forEach.call(document.querySelectorAll('svg.ktrim-timeline'), function (svg) {
    var left = Number(svg.getAttribute('data-left'));
    var width = Number(svg.getAttribute('data-plot-width'));
    var view = function () {
      var v = svg.getAttribute('data-view');
      if (v) return v.split(' ').map(Number);
      return [Number(svg.getAttribute('data-t0')), Number(svg.getAttribute('data-t1'))];
    };
    var toSvgX = function (ev) {
      var box = svg.getBoundingClientRect();
      return (ev.clientX - box.left) * Number(svg.getAttribute('width')) / box.width;
    };
    var clamp = function (x) { return Math.min(left + width, Math.max(left, x)); };
    var drag = null;
    var pendingClick = 0;
    svg.addEventListener('mousedown', function (ev) {
      if (ev.button !== 0) return;
      var x = toSvgX(ev);
      if (x < left || x > left + width) return;
      ev.preventDefault();
      var sel = document.createElementNS(svg.namespaceURI, 'rect');
      sel.setAttribute('class', 'selection');
      sel.setAttribute('x', String(x)); sel.setAttribute('width', '0');
      sel.setAttribute('y', '0'); sel.setAttribute('height', svg.getAttribute('height'));
      sel.setAttribute('fill', 'rgba(31, 95, 168, 0.18)'); sel.setAttribute('pointer-events', 'none');
      svg.appendChild(sel);
      drag = { x0: x, sel: sel };
    });
    svg.addEventListener('mousemove', function (ev) {
      if (!drag) return;
      var x = clamp(toSvgX(ev));
      drag.sel.setAttribute('x', String(Math.min(x, drag.x0)));
      drag.sel.setAttribute('width', String(Math.abs(x - drag.x0)));
    });
    var finish = function (ev) {
      if (!drag) return;
      var x = clamp(toSvgX(ev)), x0 = drag.x0;
      drag.sel.remove();
      drag = null;
      if (Math.abs(x - x0) < 4) {
        // Wait: the click may be the first half of a double-click (zoom out).
        var target = ev.target;
        if (ev.type === 'mouseup' && ev.detail === 1) pendingClick = setTimeout(function () { showRow(target); }, 300);
        return;
      }
      var v = view(), k = (v[1] - v[0]) / width;
      var a = v[0] + (Math.min(x, x0) - left) * k, b = v[0] + (Math.max(x, x0) - left) * k;
      relayout(svg, a, b);
    };
    svg.addEventListener('mouseup', finish);
    svg.addEventListener('mouseleave', finish);
    svg.addEventListener('dblclick', function () {
      clearTimeout(pendingClick);
      relayout(svg, Number(svg.getAttribute('data-t0')), Number(svg.getAttribute('data-t1')));
    });
  });
  var select = document.getElementById('boot-select');
  if (select) {
    select.addEventListener('change', function () {
      Array.prototype.forEach.call(document.querySelectorAll('.svg-wrap'), function (w) {
        w.hidden = w.getAttribute('data-boot') !== select.value;
      });
    });
  }
})();
`;

export function renderHtml(report: InitcallReport, boots: ParsedBoot[], options: HtmlOptions = {}): string {
  const n = report.boots.length;
  const kernels = report.kernels.length > 0 ? report.kernels : ['(unknown: no "Linux version" line)'];
  const title = options.title ?? `ktrim report: ${report.boots[0]?.kernelRelease ?? kernels[0]} (${n} boot${n === 1 ? '' : 's'})`;
  const cmdlines = [...new Set(boots.map((b) => b.commandLine).filter((c): c is string => c !== undefined))];
  const o: string[] = [];

  o.push('<!DOCTYPE html>');
  o.push('<html lang="en"><head><meta charset="utf-8">');
  o.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">`);
  o.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  o.push(`<title>${esc(title)}</title>`);
  o.push(`<style>${CSS}</style></head><body>`);

  // Header: the figures a kernel engineer looks at first.
  o.push(`<header><h1>${esc(title)}</h1><dl class="figures">`);
  const fig = (dt: string, dd: string, cls = '') => o.push(`<dt>${esc(dt)}</dt><dd${cls ? ` class="${cls}"` : ''}>${dd}</dd>`);
  // Several kernels or command lines: one escaped, length-capped line each, at most MAX_TIMELINES.
  const lines = (xs: readonly string[], maxChars: number) =>
    capped(xs, MAX_TIMELINES)
      .shown.map((x) => esc(x, maxChars))
      .join('<br>');
  fig(kernels.length > 1 ? 'Kernels' : 'Kernel', lines(kernels, 256), 'kernel');
  const sources = capped(report.boots, MAX_TIMELINES);
  fig(
    'Boots',
    esc(`${n}: ${sources.shown.map((b) => elide(b.source, NAME_MAX)).join(', ')}${sources.omitted ? ` and ${sources.omitted} more` : ''}`),
  );
  fig('Initcalls', esc(`${report.initcalls.length} distinct`));
  fig('Total initcall time', esc(`${summaryText(report.totalInitcallUs)} (synchronous calls)`));
  fig('Time to /init', esc(report.timeToInitUs ? summaryText(report.timeToInitUs) : 'unknown (no timestamps or no "Run /init" line)'));
  if (report.outsideInitcallUs) fig('Outside initcalls', esc(summaryText(report.outsideInitcallUs)));
  const lt = report.longTail;
  fig(
    'Long tail',
    esc(
      `${lt.count} initcalls under ${formatDuration(lt.thresholdUs)} (median): together ${formatDuration(lt.totalUs)}, ${pct(lt.share)} of the initcall time`,
    ),
  );
  if (cmdlines.length > 0) fig(cmdlines.length > 1 ? 'Command lines' : 'Command line', lines(cmdlines, 4096), 'cmdline');
  o.push('</dl>');
  const warnings = [...report.warnings];
  boots.forEach((b) => {
    for (const w of b.warnings.slice(0, 20)) warnings.push(`${b.source}:${w.line}: ${w.message}`);
    if (b.warnings.length > 20) warnings.push(`${b.source}: ${b.warnings.length - 20} more warnings`);
  });
  const shownWarnings = capped(warnings, MAX_WARNINGS);
  if (shownWarnings.omitted > 0) shownWarnings.shown.push(`${shownWarnings.omitted} more warnings`);
  if (warnings.length > 0) o.push(`<ul class="warnings">${shownWarnings.shown.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`);
  o.push('</header>');

  // Timelines.
  o.push('<section id="timeline"><h2>Timeline</h2>');
  if (boots.length === 0) {
    o.push('<p>No boot logs given: no timeline.</p>');
  } else {
    o.push(
      '<p class="hint">One row per PID (PID 1 runs the synchronous initcalls); bar width = duration; hover a bar for its name, duration and log line, click it to see its row in the table. Drag across a timeline to zoom in, double-click to zoom out.</p>',
    );
    const drawn = capped(boots, MAX_TIMELINES);
    if (boots.length > 1) {
      o.push('<div class="controls"><label>Boot <select id="boot-select">');
      drawn.shown.forEach((b, i) =>
        o.push(`<option value="${i}"${i === 0 ? ' selected' : ''}>${esc(`${i + 1}: ${elide(b.source, NAME_MAX)}`)}</option>`),
      );
      o.push('</select></label>');
      if (drawn.omitted > 0) o.push(`<span>timelines of the first ${MAX_TIMELINES} boots; ${drawn.omitted} more not drawn</span>`);
      o.push('</div>');
    }
    drawn.shown.forEach((b, i) => {
      o.push(`<div class="svg-wrap" data-boot="${i}"${i === 0 ? '' : ' hidden'}>`);
      o.push(renderSvgElement(b, { idPrefix: `boot${i}`, width: HTML_SVG_WIDTH }));
      o.push('</div>');
    });
  }
  o.push('</section>');

  // The table.
  o.push('<section id="initcalls"><h2>Initcalls</h2>');
  o.push(
    `<div class="controls"><input id="filter" type="search" placeholder="filter by name, module or level" aria-label="filter initcalls">` +
      `<span><span id="shown">${Math.min(report.initcalls.length, MAX_LISTED)}</span> of ${report.initcalls.length} shown` +
      `${report.initcalls.length > MAX_LISTED ? ` (at most ${MAX_LISTED} listed)` : ''}; click a column header to sort</span></div>`,
  );
  o.push('<table id="initcall-table"><thead><tr>');
  COLUMNS.forEach((c, i) =>
    o.push(
      `<th tabindex="0" data-type="${c.type}" data-key="${c.key}"${c.type === 'num' ? ' class="num"' : ''} title="${esc(c.title)}"${i === 0 ? ' aria-sort="ascending"' : ''}>${esc(c.label)}</th>`,
    ),
  );
  o.push('</tr></thead><tbody>');
  capped(report.initcalls, MAX_LISTED).shown.forEach((r, i) => o.push(initcallRow(r, i + 1, n)));
  o.push('</tbody></table></section>');

  // Groups, when asked for (--group-by module|level).
  if (report.groupBy !== 'fn' && report.groups.length > 0) {
    o.push(`<section id="groups"><h2>By ${esc(report.groupBy)}</h2><table id="group-table"><thead><tr>`);
    for (const h of [
      '#',
      report.groupBy,
      'initcalls',
      'median ms',
      'sd ms',
      'min ms',
      'max ms',
      '% share',
      'never returned',
      'error boots',
    ]) {
      o.push(`<th>${esc(h)}</th>`);
    }
    o.push('</tr></thead><tbody>');
    capped(report.groups, MAX_LISTED).shown.forEach((g, i) => {
      o.push(
        '<tr>' +
          numCell(i + 1, String(i + 1)) +
          textCell(g.name, 'name') +
          numCell(g.initcalls, String(g.initcalls)) +
          numCell(g.stats.median, ms(g.stats.median)) +
          numCell(g.stats.sd, g.stats.sd !== null ? ms(g.stats.sd) : '—') +
          numCell(g.stats.min, ms(g.stats.min)) +
          numCell(g.stats.max, ms(g.stats.max)) +
          numCell(g.share, (g.share * 100).toFixed(2)) +
          numCell(g.incomplete, String(g.incomplete)) +
          numCell(g.errorBoots, String(g.errorBoots)) +
          '</tr>',
      );
    });
    o.push('</tbody></table></section>');
  }

  // Per boot.
  o.push('<section id="boots"><h2>Boots</h2><table id="boot-table"><thead><tr>');
  for (const h of [
    '#',
    'log',
    'kernel',
    'initcalls',
    'total initcall ms',
    'time to /init ms',
    'never returned',
    'errors',
    'timestamps',
    'lines',
    'warnings',
  ]) {
    o.push(`<th>${esc(h)}</th>`);
  }
  o.push('</tr></thead><tbody>');
  report.boots.forEach((b, i) => {
    o.push(
      '<tr>' +
        numCell(i + 1, String(i + 1)) +
        textCell(b.source, 'name') +
        textCell(b.kernelRelease ?? b.kernelVersion ?? '', 'module') +
        numCell(b.initcalls, String(b.initcalls)) +
        numCell(b.totalInitcallUs, ms(b.totalInitcallUs)) +
        numCell(b.timeToInitUs ?? null, b.timeToInitUs !== undefined ? ms(b.timeToInitUs) : '—') +
        numCell(b.incomplete, String(b.incomplete)) +
        numCell(b.errors, String(b.errors)) +
        textCell(b.hasTimestamps ? 'yes' : 'no', 'flag') +
        numCell(b.lineCount, String(b.lineCount)) +
        numCell(b.warnings, String(b.warnings)) +
        '</tr>',
    );
  });
  o.push('</tbody></table></section>');
  o.push('<footer>Generated by ktrim. Times in milliseconds unless marked; ≈ marks jiffy-quantized durations.</footer>');
  o.push(`<script>${SCRIPT}</script>`);
  o.push('</body></html>');
  return o.join('\n') + '\n';
}
