// The parser reads the two commonest line forms through a fast path
// (grammar.ts fastRecord) and everything else through the general grammar
// (prefix.ts + grammar.ts recognize). Both must give the same record for
// every line the fast path accepts: on every line of every real fixture, and
// on generated lines near the accepted forms (random spacing, digits, cut
// and inserted characters, ANSI, CR, brackets in names).
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fastRecord, newFastRecord, recognize } from '../../../src/initcall/grammar.js';
import { splitMessages, stripAnsi } from '../../../src/initcall/prefix.js';
import { BootLogParser, parseBootLog } from '../../../src/initcall/parse.js';

const FIXTURES = [
  ...readdirSync('test/fixtures/boots')
    .filter((f) => f.endsWith('.log'))
    .map((f) => join('test/fixtures/boots', f)),
  'test/unit/boot/fixtures/debian-6.1-tcg-initcall-debug.console.ts.log',
];

/** The record the general path reads from a line, in the fast path's terms; undefined when none or several. */
function general(line: string) {
  const msgs = splitMessages(stripAnsi(line));
  if (msgs.length !== 1) return undefined;
  const r = recognize(msgs[0].body);
  if (!r) return undefined;
  if (r.kind === 'call' && r.trailing === '') return { kind: 'call', ts: msgs[0].ts, token: r.token, module: r.module, pid: r.pid };
  if (r.kind === 'ret') return { kind: 'ret', ts: msgs[0].ts, token: r.token, module: r.module, ret: r.ret, us: r.us };
  return { kind: r.kind };
}

/** The fast path's record for a line, or undefined when it declines. */
function fast(line: string) {
  const f = newFastRecord();
  if (!fastRecord(line, 0, line.length, f)) return undefined;
  return f.kind === 'call'
    ? { kind: 'call', ts: f.ts, token: f.token, module: f.module, pid: f.pid }
    : { kind: 'ret', ts: f.ts, token: f.token, module: f.module, ret: f.ret, us: f.us };
}

describe('fast path = general grammar', () => {
  it('on every line of every real fixture', () => {
    let accepted = 0;
    let lines = 0;
    for (const file of FIXTURES) {
      for (let line of readFileSync(file, 'latin1').split('\n')) {
        if (line.endsWith('\r')) line = line.slice(0, -1);
        lines++;
        const f = fast(line);
        if (f === undefined) continue;
        accepted++;
        expect([file, line, general(line)]).toEqual([file, line, f]);
      }
    }
    // the fast path carries the bulk of the calling/returned lines
    expect(lines).toBeGreaterThan(20_000);
    expect(accepted).toBeGreaterThan(10_000);
  });

  const digits = fc.stringMatching(/^[0-9]{1,14}$/);
  const spaces = fc.stringMatching(/^ {0,6}$/);
  const stamp = fc.tuple(spaces, digits, fc.stringMatching(/^[0-9]{0,8}$/)).map(([s, a, b]) => `[${s}${a}.${b}]`);
  const tokenChars = fc.constantFrom('a', 'z', '_', '0', '9', '+', '/', 'x', '.', '[', ']', ' ', '\x1b', '\r', '-', '@');
  const token = fc.oneof(
    fc.tuple(fc.stringMatching(/^[a-z_][a-z0-9_]{0,12}$/), fc.nat(0xfff)).map(([n, s]) => `${n}+0x0/0x${s.toString(16)}`),
    fc.tuple(fc.nat(99), fc.stringMatching(/^[a-z_]{1,8}$/)).map(([c, n]) => `${c}_${n}+0x0/0x50`),
    fc.string({ unit: tokenChars, minLength: 1, maxLength: 12 }),
  );
  const mod = fc.oneof(
    fc.constant(''),
    fc.stringMatching(/^[a-z_]{0,6}$/).map((m) => ` [${m}]`),
    fc.string({ unit: tokenChars, maxLength: 6 }).map((m) => ` [${m}]`),
  );
  const num = fc.oneof(digits, fc.integer({ min: -4095, max: 4095 }).map(String), fc.string({ unit: tokenChars, maxLength: 4 }));
  const prefix = fc.oneof(
    fc.constant(''),
    fc.nat(9).map((n) => `<${n}>`),
    fc.constant('<>'),
    fc.constant('<7'),
  );
  const call = fc.tuple(prefix, stamp, token, mod, num).map(([p, t, tok, m, pid]) => `${p}${t} calling  ${tok}${m} @ ${pid}`);
  const ret = fc
    .tuple(
      prefix,
      stamp,
      token,
      mod,
      fc.oneof(
        fc.constant(''),
        num.map((r) => `${r} `),
      ),
      num,
      fc.constantFrom(' usecs', ' msecs', ' usec', 'usecs', ' usecs '),
    )
    .map(([p, t, tok, m, r, us, unit]) => `${p}${t} initcall ${tok}${m} returned ${r}after ${us}${unit}`);
  // A character cut out or put in anywhere: lines one edit away from an accepted form.
  const edited = fc.tuple(fc.oneof(call, ret), fc.nat(200), fc.oneof(fc.constant(''), tokenChars), fc.boolean()).map(([l, at, c, cut]) => {
    const i = at % (l.length + 1);
    return l.slice(0, i) + c + l.slice(cut ? i + 1 : i);
  });

  it('on generated lines near the accepted forms', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(call, ret, edited), (line) => {
        const f = fast(line);
        if (f === undefined) return;
        accepted++;
        expect(general(line)).toEqual(f);
      }),
      { numRuns: 5_000, seed: 7 },
    );
    expect(accepted).toBeGreaterThan(300);
  });
});

describe('streaming = whole text', () => {
  it('any cut of the input into chunks gives the same boot (real logs, several boots in one)', () => {
    const texts = ['debian-6.1-console.log', 'debian-6.1-dmesg-raw.log', 'debian-6.1-journal.log'].map((f) =>
      readFileSync(join('test/fixtures/boots', f), 'latin1'),
    );
    // three boots in one input, the richest in the middle, a CRLF one, a cut at the end
    const multi = texts[2].slice(0, 40_000) + texts[1] + texts[2].replace(/\n/g, '\r\n').slice(0, 90_001);
    const inputs = [texts[0], multi];
    const wholes = inputs.map((t) => JSON.stringify(parseBootLog(t)));
    fc.assert(
      fc.property(fc.nat(1), fc.array(fc.nat(70_000), { maxLength: 12 }), (which, cuts) => {
        const text = inputs[which];
        const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const p = new BootLogParser();
        let from = 0;
        for (const c of [...at, text.length]) {
          p.push(text.slice(from, c));
          from = c;
        }
        expect(JSON.stringify(p.end())).toBe(wholes[which]);
      }),
      { numRuns: 12, seed: 11 },
    );
    const m = parseBootLog(multi);
    expect(m.warnings.map((w) => w.message)).toContain(
      'input holds 3 boots (Linux version at lines 1, 454, 2178); parsed only the one at line 454',
    );
    expect(m.initcalls).toHaveLength(670); // dmesg-raw's whole boot
  });
});
