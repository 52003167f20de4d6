import { describe, expect, it } from '@jest/globals';
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, JOURNAL_FILE, parseJournal } from '../../../src/minimize/journal.js';

const fresh = () => mkdtemp(join(tmpdir(), 'ktrim-journal-'));

describe('Journal', () => {
  it('starts with a start record carrying the run key and header, one JSON object per line', async () => {
    const dir = await fresh();
    const j = await Journal.open(dir, { runKey: 'run-a', resume: false, header: { config: 'x.config' } });
    await j.append({ type: 'evaluation', configHash: 'h1', decision: 'kept' });
    const lines = (await readFile(join(dir, JOURNAL_FILE), 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).type)).toEqual(['start', 'evaluation']);
    expect(JSON.parse(lines[0])).toMatchObject({ v: 1, type: 'start', run: 'run-a', config: 'x.config' });
    expect(j.resumed).toBe(false);
    expect(j.evaluation('h1')).toMatchObject({ decision: 'kept' });
    expect(j.evaluation('h2')).toBeUndefined();
  });

  it('an --out under /proc (tune, bisect) is an input error naming it, not a hang in a recursive mkdir', async () => {
    await expect(Journal.open('/proc/ktrim-journal-test/out', { runKey: 'k', resume: false })).rejects.toThrow(
      /cannot create the output directory \(ENOENT: \/proc takes no new directories\)/,
    );
  });

  it('resumes the same run: finished evaluations are found by config hash', async () => {
    const dir = await fresh();
    const a = await Journal.open(dir, { runKey: 'k', resume: false });
    await a.append({ type: 'evaluation', configHash: 'abc', ok: true });
    const b = await Journal.open(dir, { runKey: 'k', resume: true });
    expect(b.resumed).toBe(true);
    expect(b.records()).toHaveLength(2);
    expect(b.evaluation('abc')).toMatchObject({ ok: true });
  });

  it('refuses the same run without --resume and another run altogether, leaving the file as it was', async () => {
    const dir = await fresh();
    const a = await Journal.open(dir, { runKey: 'k', resume: false });
    await a.append({ type: 'evaluation', configHash: 'abc' });
    const before = await readFile(join(dir, JOURNAL_FILE), 'utf8');
    await expect(Journal.open(dir, { runKey: 'k', resume: false })).rejects.toThrow(/pass --resume/);
    await expect(Journal.open(dir, { runKey: 'other', resume: true })).rejects.toThrow(/another run/);
    expect(await readFile(join(dir, JOURNAL_FILE), 'utf8')).toBe(before);
  });

  it('refuses a file that is not a journal', async () => {
    const dir = await fresh();
    await writeFile(join(dir, JOURNAL_FILE), 'hello\nworld\n');
    await expect(Journal.open(dir, { runKey: 'k', resume: true })).rejects.toThrow(/not a ktrim journal/);
  });

  it('ignores a torn last line (kill -9 mid-write) and cuts it off before appending', async () => {
    const dir = await fresh();
    const a = await Journal.open(dir, { runKey: 'k', resume: false });
    await a.append({ type: 'evaluation', configHash: 'one' });
    await appendFile(join(dir, JOURNAL_FILE), '{"v":1,"type":"evaluation","configHash":"two","ok":tr');
    const b = await Journal.open(dir, { runKey: 'k', resume: true });
    expect(b.records().map((r) => r.type)).toEqual(['start', 'evaluation']);
    expect(b.evaluation('two')).toBeUndefined();
    await b.append({ type: 'evaluation', configHash: 'three' });
    const parsed = parseJournal(await readFile(join(dir, JOURNAL_FILE), 'utf8'));
    expect(parsed.torn).toBe(false);
    expect(parsed.records.map((r) => r.configHash)).toEqual([undefined, 'one', 'three']);
  });

  it('keeps whole lines when appends run concurrently', async () => {
    const dir = await fresh();
    const j = await Journal.open(dir, { runKey: 'k', resume: false });
    await Promise.all(Array.from({ length: 20 }, (_, i) => j.append({ type: 'evaluation', configHash: `h${i}`, pad: 'x'.repeat(5000) })));
    const parsed = parseJournal(await readFile(join(dir, JOURNAL_FILE), 'utf8'));
    expect(parsed.records).toHaveLength(21);
    expect(parsed.torn).toBe(false);
  });
});
