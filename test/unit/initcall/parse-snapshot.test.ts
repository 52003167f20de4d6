import { describe, it, expect } from '@jest/globals';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BootLogParser, parseBootLog } from '../../../src/initcall/parse.js';
import { parseSystemMap } from '../../../src/initcall/symbols.js';
import type { ParseOptions, ParsedBoot } from '../../../src/initcall/types.js';

// The parser against results taken before its speed work (test/fixtures/parse-snapshots,
// written by generate.mjs there from a known-good build): every real and malformed
// fixture, whole and streamed in small chunks, must give the same JSON. A result that
// changes on purpose needs the snapshot regenerated in the same commit.
const SNAP = join(process.cwd(), 'test/fixtures/parse-snapshots');
const DIRS = ['boots', 'malformed'];

type Snapshot = Record<string, unknown>;
const snapshot = (file: string): Snapshot => JSON.parse(gunzipSync(readFileSync(join(SNAP, file))).toString('utf8')) as Snapshot;

/** Own keys holding `undefined` (invisible in JSON, visible to `in` and Object.keys): the parser sets none. */
function undefinedKeys(x: unknown, path = ''): string[] {
  if (x === null || typeof x !== 'object') return [];
  return Object.entries(x).flatMap(([k, v]) => (v === undefined ? [`${path}.${k}`] : undefinedKeys(v, `${path}.${k}`)));
}

/** The same JSON as the snapshot, keys in the same order, and no key set to undefined. */
function expectSnapshot(got: ParsedBoot, want: unknown): void {
  const text = JSON.stringify(got);
  expect(JSON.parse(text)).toEqual(want); // a readable diff first
  expect(text).toBe(JSON.stringify(want));
  expect(undefinedKeys(got)).toEqual([]);
}

/** Streamed in `size`-char chunks: the cuts fall inside lines, CRLFs and prefixes. */
function streamed(text: string, size: number, options: ParseOptions) {
  const p = new BootLogParser(options);
  for (let i = 0; i < text.length; i += size) p.push(text.slice(i, i + size));
  return p.end();
}

describe('parseBootLog against the snapshots', () => {
  for (const dir of DIRS) {
    const fixtures = readdirSync(join(process.cwd(), 'test/fixtures', dir)).filter((f) => f.endsWith('.log'));
    it(`${dir}: a snapshot for each of the ${fixtures.length} logs`, () => {
      expect(fixtures.length).toBeGreaterThan(8);
      for (const name of fixtures) expect(existsSync(join(SNAP, `${dir}--${name}.json.gz`))).toBe(true);
    });
    for (const name of fixtures.sort()) {
      it(`${dir}/${name}`, () => {
        const path = join(process.cwd(), 'test/fixtures', dir, name);
        const bytes = readFileSync(path);
        const mapPath = path.replace(/\.log$/, '.System.map');
        const symbols = existsSync(mapPath) ? parseSystemMap(readFileSync(mapPath, 'utf8'), mapPath) : undefined;
        const snap = snapshot(`${dir}--${name}.json.gz`);
        const utf8 = bytes.toString('utf8');
        const latin1 = bytes.toString('latin1');
        expectSnapshot(parseBootLog(utf8, { source: name }), snap.utf8);
        for (const size of [7, 4093]) expectSnapshot(streamed(utf8, size, { source: name }), snap.utf8);
        expectSnapshot(parseBootLog(latin1, { source: name }), snap.latin1 ?? snap.utf8);
        if (symbols) expectSnapshot(parseBootLog(utf8, { source: name, symbols }), snap.withSymbols);
        else expect(snap.withSymbols).toBeUndefined();
      });
    }
  }

  it("the parse bench's capture (three boots, every line parsed)", () => {
    const lines: string[] = [];
    [1, 2, 3].forEach((n, i) => {
      const src = readFileSync(`test/fixtures/boots/debian-6.1-qemu-${n}.log`, 'utf8').replace(/\n$/, '').split('\n');
      lines.push(...src.filter((l) => !l.includes('KTRIM-DMESG-') && (i === 0 || !l.includes('Linux version '))));
    });
    const text = lines.join('\n') + '\n';
    const snap = snapshot('capture--qemu-1-2-3.json.gz');
    expect((snap.utf8 as { initcalls: unknown[] }).initcalls).toHaveLength(3 * 670);
    expectSnapshot(parseBootLog(text, { source: 'capture' }), snap.utf8);
    expectSnapshot(streamed(text, 65536, { source: 'capture' }), snap.utf8);
  });
});
