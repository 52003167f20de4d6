import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { parseBootLog } from '../../../src/initcall/parse.js';

// Property tests: generated records rendered the way the kernel prints them,
// with every supported prefix, mixed with noise.

const ident = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/), fc.nat(0xfff)).map(([name, n]) => `${name}_${n.toString(16)}`);

interface Call {
  fn: string;
  module?: string;
  pid: number;
  ret: number;
  us: number;
  start: number; // µs
}

const callArb: fc.Arbitrary<Call> = fc.record(
  {
    fn: ident,
    module: fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/),
    pid: fc.integer({ min: 1, max: 99999 }),
    ret: fc.oneof(fc.constant(0), fc.integer({ min: -4095, max: 4095 })),
    us: fc.nat(10_000_000),
    start: fc.nat(100_000_000),
  },
  { requiredKeys: ['fn', 'pid', 'ret', 'us', 'start'] },
);

type Style = 'console' | 'syslog' | 'kmsg' | 'caller' | 'journal' | 'plain';
const styleArb = fc.constantFrom<Style>('console', 'syslog', 'kmsg', 'caller', 'journal', 'plain');

function ts(us: number): string {
  return `[${String(Math.floor(us / 1e6)).padStart(5)}.${String(us % 1e6).padStart(6, '0')}]`;
}

/** Render one message as a kernel log line in the given style. */
function render(style: Style, us: number, pid: number, msg: string): string {
  switch (style) {
    case 'console':
      return `${ts(us)} ${msg}`;
    case 'syslog':
      return `<7>${ts(us)} ${msg}`;
    case 'kmsg':
      return `7,${us % 9973},${us},-;${msg}`;
    case 'caller':
      return `${ts(us)}[${`T${pid}`.padStart(6)}] ${msg}`;
    case 'journal':
      return `Nov 26 09:00:0${us % 10} guest kernel: ${msg}`;
    case 'plain':
      return msg;
  }
}

const sym = (c: Call) => `${c.fn}+0x0/0x${(c.us % 4096).toString(16)}${c.module ? ` [${c.module}]` : ''}`;
const callingMsg = (c: Call) => `calling  ${sym(c)} @ ${c.pid}`;
const returnedMsg = (c: Call) => `initcall ${sym(c)} returned ${c.ret} after ${c.us} usecs`;

/** Noise: any bytes on a line of their own, minus the two things that legitimately cut a log. */
const noiseLine = fc
  .oneof(
    fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
    fc.constantFrom(
      'calling  noise_fn+0x0/0x10 @',
      'initcall noise_fn+0x0/0x10 returned 0 af',
      'ter 12 usecs',
      'initc',
      'probe of x returned',
      '\x1b[2J\x1b[0m',
      '[    1.2',
      'pci 0000:00:00.0: calling  quirk_x+0x0/0x90 @ 1',
      'random: crng init done',
      'entering initcall level: device',
    ),
  )
  .map((s) => s.replace(/[\n]/g, ' '))
  .filter((s) => !s.includes('Linux version') && !s.includes('KTRIM-DMESG') && !s.endsWith('\r'));

describe('parseBootLog properties', () => {
  it('a rendered calling/returned pair round-trips in every prefix style and line ending', () => {
    fc.assert(
      fc.property(callArb, styleArb, fc.constantFrom('\n', '\r\n'), (c, style, eol) => {
        const text = render(style, c.start, c.pid, callingMsg(c)) + eol + render(style, c.start + c.us, c.pid, returnedMsg(c)) + eol;
        const b = parseBootLog(text);
        expect(b.warnings).toEqual([]);
        expect(b.initcalls).toHaveLength(1);
        const r = b.initcalls[0];
        expect([r.fn, r.module, r.pid, r.ret, r.durationUs, r.complete, r.callLine, r.returnLine]).toEqual([
          c.fn,
          c.module,
          c.pid,
          c.ret,
          c.us,
          true,
          1,
          2,
        ]);
        const timed = style !== 'journal' && style !== 'plain';
        expect(b.hasTimestamps).toBe(timed);
        expect(r.startTimeUs).toBe(timed ? c.start : undefined);
        expect(r.endTimeUs).toBe(timed ? c.start + c.us : undefined);
        expect(r.level).toBe(c.module ? 'module' : undefined);
        expect(b.totalInitcallUs).toBe(c.us);
      }),
      { numRuns: 300 },
    );
  });

  it('noise lines anywhere never throw and never lose or alter a well-formed pair', () => {
    const pairs = fc.uniqueArray(callArb, { minLength: 1, maxLength: 8, selector: (c) => c.fn });
    fc.assert(
      fc.property(
        pairs,
        fc.constantFrom<Style>('console', 'syslog', 'kmsg', 'caller'),
        fc.array(fc.array(noiseLine, { maxLength: 3 }), { minLength: 20, maxLength: 20 }),
        (calls, style, noise) => {
          // Sequential initcalls: calling, returned, calling, returned … with noise between any two lines.
          const lines: string[] = [];
          let k = 0;
          const addNoise = () => lines.push(...noise[k++ % noise.length]);
          let t = 1_000_000;
          for (const c of calls) {
            addNoise();
            lines.push(render(style, t, c.pid, callingMsg(c)));
            addNoise();
            t += c.us;
            lines.push(render(style, t, c.pid, returnedMsg(c)));
            t += 1;
          }
          addNoise();
          const b = parseBootLog(lines.join('\n'));
          const got = b.initcalls.filter((r) => calls.some((c) => c.fn === r.fn));
          expect(got.map((r) => [r.fn, r.module, r.ret, r.durationUs, r.complete])).toEqual(
            calls.map((c) => [c.fn, c.module, c.ret, c.us, true]),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes never throw, and every warning points at a real line', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 2000 }), (s) => {
        const b = parseBootLog(s);
        for (const w of b.warnings) {
          expect(w.line).toBeGreaterThanOrEqual(1);
          expect(w.line).toBeLessThanOrEqual(Math.max(1, b.lineCount));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a calling whose returned never comes is always reported, with a warning on its line', () => {
    fc.assert(
      fc.property(fc.array(callArb, { minLength: 1, maxLength: 5 }), styleArb, (calls, style) => {
        const text = calls.map((c) => render(style, c.start, c.pid, callingMsg(c))).join('\n');
        const b = parseBootLog(text);
        expect(b.initcalls.map((r) => [r.fn, r.complete, r.callLine])).toEqual(calls.map((c, i) => [c.fn, false, i + 1]));
        // Random start times go back and forth: those get warnings of their own (figures.ts checkTimestamps).
        expect(b.warnings.filter((w) => w.message.includes('never returned')).map((w) => w.line)).toEqual(calls.map((_, i) => i + 1));
        expect(b.totalInitcallUs).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
