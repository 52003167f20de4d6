// One reading of a boot: `analyze` (src/boot/landmarks.ts) and `report`
// (parseBootLog, streamed as report reads a file) must agree on the landmarks
// of every real log we have. Before issue 7 §3 they did not: analyze took
// `con_init @ 0` as the first initcall (0 µs against 1,129,387 µs) and the
// last "Freeing unused kernel" line instead of the first.
import { describe, it, expect } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { guestLandmarks, hostLandmarks } from '../../../src/boot/landmarks.js';
import { parseTimestampedConsole } from '../../../src/boot/analyze.js';
import { BootLogParser, parseBootLog } from '../../../src/initcall/parse.js';
import { parsePrefix, stripAnsi } from '../../../src/initcall/prefix.js';
import type { BootLandmarks } from '../../../src/initcall/types.js';

const BOOTS = 'test/fixtures/boots';
const LOGS = readdirSync(BOOTS)
  .filter((f) => f.endsWith('.log'))
  .map((f) => join(BOOTS, f));
const KEPT = 'test/unit/boot/fixtures/debian-6.1-tcg-initcall-debug.console.ts.log';
const KEYS = ['kernelEntryUs', 'firstInitcallUs', 'lastInitcallUs', 'freeingInitMemUs', 'runInitUs'] as const;
const HOST = {
  kernelEntryUs: 'kernelEntryMs',
  firstInitcallUs: 'firstInitcallMs',
  lastInitcallUs: 'lastInitcallMs',
  freeingInitMemUs: 'freeingInitMemMs',
  runInitUs: 'runInitMs',
} as const;

/** `ktrim report`'s reading: the file streamed in 64 KiB chunks. */
function reportLandmarks(text: string): BootLandmarks {
  const p = new BootLogParser();
  for (let i = 0; i < text.length; i += 65536) p.push(text.slice(i, i + 65536));
  return p.end().landmarks;
}

const pick = (l: Partial<Record<(typeof KEYS)[number], number>>) =>
  Object.fromEntries(KEYS.filter((k) => l[k] !== undefined).map((k) => [k, l[k]]));

describe('analyze and report agree on the landmarks of every real log', () => {
  it('has real logs to check', () => {
    expect(LOGS.length).toBeGreaterThanOrEqual(10);
  });

  for (const file of LOGS) {
    it(`${file}: guest (dmesg) landmarks = report's; host lines carry report's timestamps`, () => {
      const text = readFileSync(file, 'latin1');
      const report = reportLandmarks(text);
      expect(report).toEqual(parseBootLog(text).landmarks);
      // analyze reads a dmesg dump the way report reads the whole capture
      expect(pick(guestLandmarks(text, []))).toEqual(pick(report));
      // On the console (lines before the end marker), each landmark line analyze picks prints
      // the same printk time report found, when the message reached the console at all.
      const lines = text.split('\n').map((t, i) => ({ ms: i, text: t }));
      const host = hostLandmarks(lines);
      let checked = 0;
      for (const k of KEYS) {
        const i = host[HOST[k]];
        if (i === undefined || report[k] === undefined) continue;
        const ts = parsePrefix(stripAnsi(lines[i].text.replace(/\r/g, ''))).ts;
        if (ts === undefined) continue;
        expect([k, ts]).toEqual([k, report[k]]);
        checked++;
      }
      if (/console|smp2/.test(file)) expect(checked).toBeGreaterThan(0);
    });
  }

  it(`${KEPT}: analyze's guest landmarks = report on the same capture`, () => {
    const kept = readFileSync(KEPT, 'latin1');
    const boot = parseTimestampedConsole(kept, KEPT);
    // The serial capture as `ktrim report` gets it: the host arrival times gone.
    const raw = kept
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.replace(/^\d+(?:\.\d+)? ?/, ''))
      .join('\n');
    const report = reportLandmarks(raw);
    expect(pick(boot.guest)).toEqual(pick(report));
    // the values the issue found apart, now one reading
    expect(report.firstInitcallUs).toBe(873_727);
    expect(report.freeingInitMemUs).toBe(3_600_500);
  });

  it('debian-6.1-qemu-1.log: the first initcall is init_hw_perf_events at 1,129,387 µs, not con_init @ 0', () => {
    const text = readFileSync(join(BOOTS, 'debian-6.1-qemu-1.log'), 'latin1');
    expect(guestLandmarks(text, []).firstInitcallUs).toBe(1_129_387);
  });
});
