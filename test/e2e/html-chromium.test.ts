// The HTML report of three real Debian 6.1 boots, opened in headless Chromium
// (Debian's `chromium`) the way a person would open it: what is on screen,
// what clicking does, and that the page asks nothing of the network.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseBootLog } from '../../src/initcall/parse.js';
import { rankBoots, type InitcallReport } from '../../src/initcall/rank.js';
import type { ParsedBoot } from '../../src/initcall/types.js';
import { renderHtml } from '../../src/report/html.js';
import { renderSvg } from '../../src/report/svg.js';

const CHROMIUM = '/usr/bin/chromium';
const FIXTURES = ['debian-6.1-qemu-1.log', 'debian-6.1-qemu-2.log', 'debian-6.1-qemu-3.log'];

let dir: string;
let browser: Browser;
let boots: ParsedBoot[];
let report: InitcallReport;
let htmlPath: string;

async function launch(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // No network on this machine: keep Chromium from trying (QUIC, updates, sync, ...).
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${join(dir, 'profile')}`,
    ],
  });
}

interface Opened {
  page: Page;
  requests: string[];
  errors: string[];
  dialogs: string[];
}

/** Open a file, recording every request, console error, page error and dialog. */
async function open(path: string): Promise<Opened> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1500, height: 1000 });
  const o: Opened = { page, requests: [], errors: [], dialogs: [] };
  page.on('request', (r) => o.requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') o.errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => o.errors.push(`pageerror: ${String(e)}`));
  page.on('dialog', (d) => {
    o.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  return o;
}

/** Text of the first `count` rows of the initcall table, cell by cell. */
function firstRows(page: Page, count: number): Promise<string[][]> {
  return page.evaluate(
    (n) =>
      Array.from(document.querySelectorAll<HTMLTableRowElement>('#initcall-table tbody tr:not([hidden])'))
        .slice(0, n)
        .map((tr) => Array.from(tr.cells, (c) => c.textContent ?? '')),
    count,
  );
}

/**
 * Text of every element matching a selector. (page.evaluate rather than
 * $$eval: $$eval makes a handle per element, seconds for 2000 bars.)
 */
function texts(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => Array.from(document.querySelectorAll(sel), (e) => e.textContent ?? ''), selector);
}

/** Bars a person can see: rect.bar with a non-zero on-screen box. */
function visibleBars(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      Array.from(document.querySelectorAll('rect.bar')).filter((r) => {
        const b = r.getBoundingClientRect();
        return b.width > 0 && b.height > 0;
      }).length,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ktrim-html-'));
  boots = FIXTURES.map((f) => parseBootLog(readFileSync(join('test/fixtures/boots', f), 'utf8'), { source: f }));
  report = rankBoots(boots);
  htmlPath = join(dir, 'report.html');
  writeFileSync(htmlPath, renderHtml(report, boots));
  browser = await launch();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('HTML report of 3 Debian 6.1 boots in Chromium', () => {
  let o: Opened;
  beforeAll(async () => {
    o = await open(htmlPath);
  }, 60_000);

  it('shows one table row per initcall (670, counted by hand in the logs)', async () => {
    expect(report.initcalls).toHaveLength(670);
    expect(await o.page.evaluate(() => document.querySelectorAll('#initcall-table tbody tr').length)).toBe(670);
    expect(await o.page.$eval('#shown', (e) => e.textContent)).toBe('670');
  });

  it('shows crypto_algapi_init first, with its median over the 3 boots', async () => {
    // Its three runs: 347976, 330924 and 199239 usecs.
    const [row] = await firstRows(o.page, 1);
    expect(row.slice(0, 2)).toEqual(['1', 'crypto_algapi_init']);
    expect(row[4]).toBe('330.924');
    expect(row[6]).toBe('199.239');
    expect(row[7]).toBe('347.976');
    expect(row[9]).toBe('3/3');
  });

  it('sorts by median when its header is clicked: descending, then ascending', async () => {
    const header = await o.page.$('#initcall-table th[data-key="median"]');
    await header!.click();
    expect(await o.page.$eval('#initcall-table th[data-key="median"]', (th) => th.getAttribute('aria-sort'))).toBe('descending');
    let rows = await firstRows(o.page, 3);
    expect(rows.map((r) => [r[1], r[4]])).toEqual([
      ['crypto_algapi_init', '330.924'],
      ['acpi_init', '≈168.000'],
      [rows[2][1], rows[2][4]],
    ]);
    await header!.click();
    expect(await o.page.$eval('#initcall-table th[data-key="median"]', (th) => th.getAttribute('aria-sort'))).toBe('ascending');
    rows = await firstRows(o.page, 50);
    expect(rows[0][4].replace('≈', '')).toBe('0.000');
    const medians = rows.map((r) => Number(r[4].replace('≈', '')));
    for (let i = 1; i < medians.length; i++) expect(medians[i]).toBeGreaterThanOrEqual(medians[i - 1]);
    // From the keyboard: focus the "max ms" header, press Enter.
    await o.page.focus('#initcall-table th[data-key="max"]');
    await o.page.keyboard.press('Enter');
    expect(await o.page.$eval('#initcall-table th[data-key="max"]', (th) => th.getAttribute('aria-sort'))).toBe('descending');
    expect((await firstRows(o.page, 1))[0].slice(1, 2).concat((await firstRows(o.page, 1))[0][7])).toEqual([
      'crypto_algapi_init',
      '347.976',
    ]);
    // Back to rank order: click the # header.
    await (await o.page.$('#initcall-table th[data-key="rank"]'))!.click();
    expect((await firstRows(o.page, 1))[0][1]).toBe('crypto_algapi_init');
  });

  it('sorts names as text', async () => {
    await (await o.page.$('#initcall-table th[data-key="name"]'))!.click();
    const names = (await firstRows(o.page, 670)).map((r) => r[1]);
    expect(names).toEqual([...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0)));
    await (await o.page.$('#initcall-table th[data-key="rank"]'))!.click();
  });

  it('filters the table by what is typed in the filter box', async () => {
    const expected = report.initcalls.filter((r) => r.fn.includes('crypto')).length;
    expect(expected).toBeGreaterThan(3);
    await o.page.type('#filter', 'crypto');
    expect(await o.page.$eval('#shown', (e) => e.textContent)).toBe(String(expected));
    const rows = await firstRows(o.page, 1000);
    expect(rows).toHaveLength(expected);
    expect(rows.every((r) => r[1].includes('crypto'))).toBe(true);
    await o.page.$eval('#filter', (e) => {
      (e as HTMLInputElement).value = '';
      e.dispatchEvent(new Event('input'));
    });
    expect(await o.page.$eval('#shown', (e) => e.textContent)).toBe('670');
  });

  it('draws one visible bar per timestamped initcall of the selected boot', async () => {
    const timed = boots.map((b) => b.initcalls.filter((r) => r.startTimeUs !== undefined).length);
    expect(timed).toEqual([670, 670, 670]);
    expect(await visibleBars(o.page)).toBe(670);
    // All three SVGs are in the page; the selector shows another one.
    expect(await o.page.evaluate(() => document.querySelectorAll('rect.bar').length)).toBe(3 * 670);
    await o.page.select('#boot-select', '2');
    expect(await visibleBars(o.page)).toBe(670);
    const heading = await o.page.$eval('.svg-wrap:not([hidden]) text.heading', (t) => t.textContent);
    expect(heading).toContain('debian-6.1-qemu-3.log');
    await o.page.select('#boot-select', '0');
  });

  it('gives each bar a hover title naming its function and duration', async () => {
    const titles = await texts(o.page, '.svg-wrap:not([hidden]) rect.bar > title');
    expect(titles).toHaveLength(670);
    const crypto = titles.find((t) => t.startsWith('crypto_algapi_init:'));
    expect(crypto).toMatch(/^crypto_algapi_init: 347\.976 ms \(.*at 2\.133319 s/);
    const pci = titles.find((t) => t.startsWith('pci_subsys_init:'));
    expect(pci).toMatch(/^pci_subsys_init: 0 µs /);
    // The widest bar is crypto_algapi_init's, wide enough for its label.
    const widest = await o.page.evaluate(() => {
      const rs = Array.from(document.querySelectorAll('.svg-wrap:not([hidden]) rect.bar'));
      let best = rs[0];
      for (const r of rs) if (r.getBoundingClientRect().width > best.getBoundingClientRect().width) best = r;
      return { title: best.querySelector('title')?.textContent ?? '', width: best.getBoundingClientRect().width };
    });
    expect(widest.title).toMatch(/^crypto_algapi_init:/);
    // 1400 px SVG, 1258 px plot, 347976 µs over a 0 → 2.749054 s window.
    expect(widest.width).toBeCloseTo((347_976 * 1258) / 2_749_054, 0);
    const labels = await texts(o.page, '.svg-wrap:not([hidden]) text.bar-label');
    expect(labels).toContain('crypto_algapi_init');
  });

  it('zooms into the range dragged across the timeline, and back on double-click', async () => {
    const svgSel = '.svg-wrap:not([hidden]) svg';
    const svg = (await o.page.$(svgSel))!;
    const box = (await svg.boundingBox())!;
    const t1 = 2_749_054; // the window of boot 1: 0 → last printk stamp used (Run /init)
    const xAt = (us: number) => box.x + 118 + (us * 1258) / t1;
    const y = box.y + 105;
    const widthOf = (fn: string) =>
      o.page.evaluate(
        (sel, name) =>
          Number(
            Array.from(document.querySelectorAll(sel))
              .find((r) => r.querySelector('title')!.textContent!.startsWith(`${name}:`))!
              .getAttribute('width'),
          ),
        `${svgSel} rect.bar`,
        fn,
      );
    const before = await widthOf('init_zswap');
    await o.page.mouse.move(xAt(2_100_000), y);
    await o.page.mouse.down();
    await o.page.mouse.move(xAt(2_300_000), y, { steps: 4 });
    await o.page.mouse.up();
    const view = (await o.page.$eval(svgSel, (s) => s.getAttribute('data-view')))!.split(' ').map(Number);
    // Mouse positions are whole pixels: 1 px ≈ 2.2 ms at this scale.
    expect(Math.abs(view[0] - 2_100_000)).toBeLessThan(4500);
    expect(Math.abs(view[1] - 2_300_000)).toBeLessThan(4500);
    expect(await o.page.$eval(`${svgSel} text.view`, (t) => t.textContent)).toMatch(/^zoomed to 2\.\d{6} s → 2\.\d{6} s/);
    const zswap = boots[0].initcalls.find((r) => r.fn === 'init_zswap')!;
    const after = await widthOf('init_zswap');
    expect(after).toBeCloseTo((zswap.durationUs! * 1258) / (view[1] - view[0]), 1);
    expect(after / before).toBeGreaterThan(12);
    const ticks = await o.page.$$eval(`${svgSel} g.axis text`, (ts) => ts.map((t) => t.textContent));
    expect(ticks).toContain('2.20 s');
    expect(await o.page.$$eval(`${svgSel} text.bar-label`, (ts) => ts.map((t) => t.textContent))).toEqual(
      expect.arrayContaining(['init_zswap', 'crypto_algapi_init']),
    );
    expect(await o.page.$eval(`${svgSel} g.marker`, (g) => (g as SVGGElement).style.display)).toBe('none');
    await o.page.mouse.click(xAt(2_200_000), y, { count: 2 });
    expect(await widthOf('init_zswap')).toBeCloseTo(before, 2);
    expect(await o.page.$eval(`${svgSel} text.view`, (t) => t.textContent)).toBe('');
    // The double-click did not count as a click on the bar under it. The page defers a
    // click by 300 ms to tell it from a double-click (html.ts); a page timer of the same
    // delay started after it runs after it (HTML timer ordering), so this waits for that
    // event, not for a guessed time.
    await o.page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    expect(await o.page.evaluate(() => document.querySelectorAll('tr.highlight').length)).toBe(0);
  });

  it('shows the table row of a bar that is clicked', async () => {
    const center = await o.page.evaluate(() => {
      const r = Array.from(document.querySelectorAll('.svg-wrap:not([hidden]) rect.bar')).find(
        (b) => b.getAttribute('data-key') === 'init_kprobe_trace',
      )!;
      const b = r.getBoundingClientRect();
      return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
    });
    await o.page.mouse.click(center.x, center.y);
    await o.page.waitForSelector('tr.highlight', { timeout: 5000 });
    const shown = await o.page.evaluate(() => {
      const tr = document.querySelector<HTMLTableRowElement>('tr.highlight')!;
      const b = tr.getBoundingClientRect();
      return { name: tr.cells[1].textContent, inView: b.top >= 0 && b.bottom <= window.innerHeight };
    });
    expect(shown).toEqual({ name: 'init_kprobe_trace', inView: true });
    await o.page.evaluate(() => {
      document.querySelector('tr.highlight')!.classList.remove('highlight');
      window.scrollTo(0, 0);
    });
  });

  it('shows the header figures', async () => {
    const figures = await o.page.$$eval('dl.figures dt', (dts) =>
      Object.fromEntries(dts.map((dt) => [dt.textContent, (dt.nextElementSibling as HTMLElement).innerText])),
    );
    expect(figures['Kernel']).toMatch(/^6\.1\.0-56-amd64 /);
    expect(figures['Boots']).toBe(`3: ${FIXTURES.join(', ')}`);
    expect(figures['Initcalls']).toBe('670 distinct');
    expect(figures['Time to /init']).toMatch(/^\d\.\d{3} s median/);
    expect(figures['Long tail']).toMatch(/^\d+ initcalls under 1\.000 ms/);
    expect(figures['Command line']).toBe('console=ttyS0 initcall_debug log_buf_len=4M panic=-1');
  });

  it('made no request but the file itself, and logged no error', () => {
    expect(o.requests).toEqual([pathToFileURL(htmlPath).href]);
    expect(o.errors).toEqual([]);
    expect(o.dialogs).toEqual([]);
  });

  it('looks right (screenshot for a person to check)', async () => {
    const png = join(tmpdir(), 'ktrim-html-report.png');
    await o.page.screenshot({ path: png });
    expect(statSync(png).size).toBeGreaterThan(20_000);
  });
});

describe('hostile log text in Chromium', () => {
  it('shows markup from the log as text and runs none of it', async () => {
    const evil = `<script>alert(1)</script> "&' <img src=x onerror=alert(2)>`;
    // A function name cannot hold spaces in a `calling` line; this one holds the rest.
    const evilFn = `<script>alert(3)</script>&"'`;
    const text = readFileSync('test/fixtures/boots/debian-6.1-qemu-1.log', 'utf8')
      .replace(/ommand line: console=ttyS0 /g, `ommand line: console=ttyS0 ${evil} `)
      .replace(/cubictcp_register/g, evilFn);
    const boot = parseBootLog(text, { source: 'evil<b>.log' });
    expect(boot.commandLine).toContain(evil);
    expect(boot.initcalls.filter((r) => r.fn === evilFn)).toHaveLength(1);
    const path = join(dir, 'evil.html');
    writeFileSync(path, renderHtml(rankBoots([boot]), [boot]));
    const e = await open(path);
    try {
      const cmd = await e.page.$eval('dd.cmdline', (d) => d.textContent);
      expect(cmd).toBe(`console=ttyS0 ${evil} initcall_debug log_buf_len=4M panic=-1`);
      expect(await e.page.$$eval('dd img, header script', (x) => x.length)).toBe(0);
      expect(await e.page.$eval('text.heading', (t) => t.textContent)).toBe('6.1.0-56-amd64 — evil<b>.log');
      const names = await texts(e.page, '#initcall-table td.name');
      expect(names).toContain(evilFn);
      const titles = await texts(e.page, 'rect.bar > title');
      expect(titles.filter((t) => t.startsWith(`${evilFn}: `))).toHaveLength(1);
      expect(await e.page.$$eval('script', (x) => x.length)).toBe(1);
      expect(e.dialogs).toEqual([]);
      expect(e.errors).toEqual([]);
      expect(e.requests).toEqual([pathToFileURL(path).href]);
    } finally {
      await e.page.close();
    }
  });
});

describe('a log that ends inside an initcall, in Chromium', () => {
  it('draws the call that never returned hatched, up to the right edge, and says so in the table', async () => {
    const lines = readFileSync('test/fixtures/boots/debian-6.1-qemu-1.log', 'utf8').split('\n');
    const last = lines.map((l) => l.includes('calling  crypto_algapi_init+')).lastIndexOf(true);
    const boot = parseBootLog(lines.slice(0, last + 1).join('\n') + '\n', { source: 'hang.log' });
    const hang = boot.initcalls.filter((r) => !r.complete);
    expect(hang.map((r) => r.fn)).toEqual(['crypto_algapi_init']);
    const path = join(dir, 'hang.html');
    writeFileSync(path, renderHtml(rankBoots([boot]), [boot]));
    const e = await open(path);
    try {
      const row = await e.page.evaluate(() => {
        const tr = Array.from(document.querySelectorAll<HTMLTableRowElement>('#initcall-table tbody tr')).find(
          (r) => r.cells[1].textContent === 'crypto_algapi_init',
        )!;
        return {
          cls: tr.className,
          median: tr.cells[4].textContent,
          ret: tr.cells[10].textContent,
          last: tr === tr.parentElement!.lastElementChild,
        };
      });
      expect(row).toEqual({ cls: 'incomplete', median: '—', ret: 'never returned (1/1)', last: true });
      const bar = await e.page.evaluate(() => {
        const svg = document.querySelector('svg.ktrim-timeline')!;
        const r = document.querySelector('rect.bar.incomplete')!;
        const b = r.getBoundingClientRect();
        return {
          title: r.querySelector('title')!.textContent,
          fill: r.getAttribute('fill'),
          width: b.width,
          rightFromSvg: b.right - svg.getBoundingClientRect().left,
        };
      });
      expect(bar.title).toMatch(/^crypto_algapi_init: never returned \(.*at 2\.133319 s/);
      expect(bar.fill).toBe('url(#boot0-hatch)');
      expect(bar.width).toBeGreaterThan(20);
      expect(bar.rightFromSvg).toBeCloseTo(118 + 1258, 0);
      expect(e.errors).toEqual([]);
      await e.page.screenshot({ path: join(tmpdir(), 'ktrim-html-hang.png') });
    } finally {
      await e.page.close();
    }
  });
});

describe('a log without printk timestamps in Chromium', () => {
  it('lays the calls end to end and says so', async () => {
    const text = readFileSync('test/fixtures/boots/debian-6.1-qemu-1.log', 'utf8').replace(/^\[ *\d+\.\d+\] /gm, '');
    const boot = parseBootLog(text, { source: 'no-stamps.log' });
    expect(boot.hasTimestamps).toBe(false);
    const path = join(dir, 'no-stamps.html');
    writeFileSync(path, renderHtml(rankBoots([boot]), [boot]));
    const e = await open(path);
    try {
      expect(await e.page.$eval('text.subtitle', (t) => t.textContent)).toContain(
        'no printk timestamps: calls laid end to end by duration',
      );
      const bars = await e.page.evaluate(() =>
        Array.from(document.querySelectorAll('rect.bar'), (r) => {
          const b = r.getBoundingClientRect();
          return { left: b.left, right: b.right, width: b.width, y: b.top };
        }),
      );
      expect(bars.filter((b) => b.width > 0)).toHaveLength(670);
      // PID 1's calls follow each other: each starts where the previous one ended.
      const pid1 = bars.filter((b) => b.y === bars[bars.length - 1].y);
      expect(pid1.length).toBeGreaterThan(600);
      for (let i = 1; i < pid1.length; i++)
        expect(Math.abs(pid1[i].left - (pid1[i - 1].left + Math.max(0, pid1[i - 1].right - pid1[i - 1].left)))).toBeLessThan(1.01);
      expect(e.errors).toEqual([]);
    } finally {
      await e.page.close();
    }
  });
});

describe('standalone SVG in Chromium', () => {
  it('parses as XML and has a bar per initcall', async () => {
    const svg = renderSvg(boots[0]);
    const page = await browser.newPage();
    try {
      const result = await page.evaluate((s) => {
        const doc = new DOMParser().parseFromString(s, 'image/svg+xml');
        return {
          error: doc.getElementsByTagName('parsererror').length,
          root: doc.documentElement.localName,
          bars: doc.querySelectorAll('rect.bar').length,
          titled: doc.querySelectorAll('rect.bar > title').length,
        };
      }, svg);
      expect(result).toEqual({ error: 0, root: 'svg', bars: 670, titled: 670 });
    } finally {
      await page.close();
    }
  });
});
