// Boot-level checks (figures.ts) on a real log with one value garbled at a
// time, as the fuzzing of issue 7 §5 found them taken silently: a duration of
// 1e23 µs, a timestamp of 99999999999 s, timestamps going back 5 s; console
// initcalls shown as 0 µs; two static functions of one name shown as fn#2.
// debian-6.1-qemu-1.log: pci_subsys_init calls at line 1181 (1.650182 s) and
// returns at line 1186 (1.650957 s) "after 0 usecs"; the dump's last line
// (before KTRIM-DMESG-END) is at 2.830822 s.
import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parseBootLog } from '../../../src/initcall/parse.js';
import { rankBoots } from '../../../src/initcall/rank.js';

const BOOTS = 'test/fixtures/boots';
const text = (f: string) => readFileSync(`${BOOTS}/${f}`, 'latin1');
const QEMU1 = text('debian-6.1-qemu-1.log');
const lines = QEMU1.split('\n');
const orig = parseBootLog(QEMU1);
const edit = (lineNo: number, f: (l: string) => string) => lines.map((l, i) => (i === lineNo - 1 ? f(l) : l)).join('\n');
const pci = (b: ReturnType<typeof parseBootLog>) => b.initcalls.find((r) => r.fn === 'pci_subsys_init')!;

describe('values the log contradicts are flagged and left out', () => {
  it('the real log has none', () => {
    expect(orig.garbledValues).toBe(0);
    expect(orig.warnings).toEqual([]);
    expect(orig.lastTimestampUs).toBe(2_830_822);
  });

  it('"after 1e23 usecs" between timestamps 775 µs apart: estimated from them, not ranked #1', () => {
    const b = parseBootLog(edit(1186, (l) => l.replace('after 0 usecs', 'after 100000000000000000000000 usecs')));
    expect(pci(b)).toMatchObject({ durationUs: 775, durationEstimated: true, garbled: ['durationUs'], complete: true });
    expect(b.garbledValues).toBe(1);
    expect(b.warnings).toEqual([{ line: 1186, message: expect.stringMatching(/^pci_subsys_init: "after 1e\+23 usecs" contradicts/) }]);
    expect(b.totalInitcallUs).toBe(orig.totalInitcallUs + 775);
    expect(rankBoots([b]).initcalls[0].key).toBe(rankBoots([orig]).initcalls[0].key);
  });

  it('a timestamp of 99999999999 s: left out, "outside initcalls" and the end of the log unchanged', () => {
    const b = parseBootLog(edit(1181, (l) => l.replace('[    1.650182]', '[99999999999.000000]')));
    expect(pci(b).startTimeUs).toBeUndefined();
    expect(pci(b).garbled).toEqual(['startTimeUs']);
    expect(b.garbledValues).toBe(1);
    expect(b.warnings.map((w) => w.line)).toEqual([1181]);
    // pci_subsys_init's 775 µs interval is no longer known to be covered
    expect(b.outsideInitcallUs! - orig.outsideInitcallUs!).toBeGreaterThanOrEqual(0);
    expect(b.outsideInitcallUs! - orig.outsideInitcallUs!).toBeLessThanOrEqual(775);
    expect(b.landmarks).toEqual(orig.landmarks);
    expect(b.lastTimestampUs).toBe(2_830_822);
  });

  it('timestamps going back 5 s get a warning where they go back', () => {
    const shifted = lines
      .map((l, i) =>
        i >= 999 && i < 1499 ? l.replace(/^\[ *(\d+)\.(\d{6})\]/, (_m, s, f) => `[${String(Number(s) + 5).padStart(5)}.${f}]`) : l,
      )
      .join('\n');
    const b = parseBootLog(shifted);
    const back = b.warnings.filter((w) => /^timestamps go back by (5\.0|4\.9)/.test(w.message));
    expect(back).toHaveLength(1);
    expect(back[0].line).toBeGreaterThanOrEqual(1500);
    expect(b.garbledValues).toBe(0);
  });
});

describe('console initcalls (PID 0, before timekeeping)', () => {
  it('are flagged; a 0 µs the timestamps contradict is estimated from them', () => {
    const b = parseBootLog(text('debian-6.1-qemu-3.log'));
    const con = b.initcalls.filter((r) => r.console);
    expect(con.map((r) => [r.fn, r.durationUs, r.durationEstimated])).toEqual([
      ['con_init', 3156, true], // 0.305768 → 0.308924 s
      ['hvc_console_init', 22, true],
      ['xen_cons_init', 27, true],
      ['univ8250_console_init', 12_137, true], // 0.309034 → 0.321171 s
    ]);
    // qemu-1's ran while the printk clock still read 0: nothing to estimate from
    expect(orig.initcalls.filter((r) => r.console).map((r) => [r.fn, r.durationUs, r.durationEstimated])).toEqual([
      ['con_init', 0, undefined],
      ['hvc_console_init', 0, undefined],
      ['xen_cons_init', 0, undefined],
      ['univ8250_console_init', 0, undefined],
    ]);
  });
});

describe('names and the end of the log', () => {
  it('two static functions of one name are told apart by size; one run twice stays fn#2', () => {
    const b = parseBootLog(
      [
        '[    1.000000] calling  init_once+0x0/0x10 @ 1',
        '[    1.000100] initcall init_once+0x0/0x10 returned 0 after 90 usecs',
        '[    1.000200] calling  init_once+0x0/0x20 @ 1',
        '[    1.000500] initcall init_once+0x0/0x20 returned 0 after 250 usecs',
        '[    1.000600] calling  twice+0x0/0x20 @ 1',
        '[    1.000700] initcall twice+0x0/0x20 returned 0 after 50 usecs',
        '[    1.000800] calling  twice+0x0/0x20 @ 1',
        '[    1.000900] initcall twice+0x0/0x20 returned 0 after 60 usecs',
      ].join('\n'),
    );
    expect(b.initcalls.map((r) => [r.fn, r.size])).toEqual([
      ['init_once', 0x10],
      ['init_once', 0x20],
      ['twice', 0x20],
      ['twice', 0x20],
    ]);
    expect(rankBoots([b]).initcalls.map((r) => r.key)).toEqual(['init_once/0x20', 'init_once/0x10', 'twice#2', 'twice']);
  });

  it('a call that never returned: the log still ends at its last timestamp', () => {
    const cut = lines.slice(0, 1185).join('\n');
    const b = parseBootLog(cut);
    expect(pci(b).complete).toBe(false);
    expect(b.lastTimestampUs).toBe(1_650_891); // line 1185, a plain message after the call
  });
});
