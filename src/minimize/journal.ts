/**
 * The run journal: `<out>/journal.jsonl`, one JSON object per line, each
 * appended and fsync'd before the work it records is relied on. A kill -9
 * can tear only the last line; it is ignored on read (and cut off before the
 * next append, so the file stays one object per line).
 *
 * The first record is `{type:'start', run: runKey, ...header}`. The run key
 * names what the run is (source, start config, options that change answers):
 * a journal of another run is never overwritten; the same run continues only
 * with `resume`. `evaluation(hash)` is how a resumed search skips the work it
 * already did: the oracle looks the config hash up before building.
 *
 * Used by `ktrim minimize` and `ktrim bisect` (see /work/helpers/loop-api.md).
 */
import { existsSync } from 'node:fs';
import { open, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { makeOutputDir } from '../output.js';

/** One JSON object per line in <out>/journal.jsonl. */
export interface JournalRecord {
  v: 1;
  type: string;
  /** ISO time it was written. */
  at: string;
  [k: string]: unknown;
}

export const JOURNAL_FILE = 'journal.jsonl';

/** Records of a journal's text; a torn (unparsable or unterminated) last line is dropped. `validBytes` ends the last whole line kept. */
export function parseJournal(text: string): { records: JournalRecord[]; validBytes: number; torn: boolean } {
  const records: JournalRecord[] = [];
  let offset = 0;
  let validBytes = 0;
  let torn = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const last = i === lines.length - 1;
    const bytes = Buffer.byteLength(line) + (last ? 0 : 1);
    if (last && line === '') break;
    let rec: JournalRecord | undefined;
    try {
      const parsed = JSON.parse(line) as JournalRecord;
      if (parsed && typeof parsed === 'object' && typeof parsed.type === 'string') rec = parsed;
    } catch {
      rec = undefined;
    }
    if (!rec || last) {
      // A record without its newline was being written when the process died.
      if (last || i === lines.length - 2) {
        torn = true;
        break;
      }
      throw new Error(`line ${i + 1} is not a journal record`);
    }
    records.push(rec);
    offset += bytes;
    validBytes = offset;
  }
  return { records, validBytes, torn };
}

export class Journal {
  readonly path: string;
  readonly resumed: boolean;
  private readonly recs: JournalRecord[];
  private readonly byHash = new Map<string, JournalRecord>();
  private queue: Promise<void> = Promise.resolve();

  private constructor(path: string, resumed: boolean, recs: JournalRecord[]) {
    this.path = path;
    this.resumed = resumed;
    this.recs = recs;
    for (const r of recs) this.index(r);
  }

  /**
   * Opens/creates <dir>/journal.jsonl. An existing journal of ANOTHER run
   * (different runKey) -> InputError (nothing overwritten); an existing
   * journal of this run without `resume` -> InputError telling to pass --resume.
   */
  static async open(dir: string, opts: { runKey: string; resume: boolean; header?: Record<string, unknown> }): Promise<Journal> {
    const path = join(dir, JOURNAL_FILE);
    try {
      await makeOutputDir(dir);
    } catch (err) {
      throw new InputError(`cannot create the output directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, dir);
    }
    if (existsSync(path)) {
      const text = await readFile(path, 'utf8');
      let parsed: ReturnType<typeof parseJournal>;
      try {
        parsed = parseJournal(text);
      } catch (err) {
        throw new InputError(`not a ktrim journal (${(err as Error).message}): refusing to overwrite it`, path);
      }
      const start = parsed.records[0];
      if (parsed.records.length === 0 && text.trim() === '') {
        // An empty file (killed before the first record): start afresh below.
      } else if (!start || start.type !== 'start') {
        throw new InputError('not a ktrim journal (no start record): refusing to overwrite it; use another --out', path);
      } else if (start.run !== opts.runKey) {
        throw new InputError(
          'holds the journal of another run (different source, config or options): refusing to overwrite it; use another --out',
          path,
        );
      } else if (!opts.resume) {
        throw new InputError('holds the journal of this same run: pass --resume to continue it, or use another --out', path);
      } else {
        if (parsed.torn) await truncate(path, parsed.validBytes);
        return new Journal(path, true, parsed.records);
      }
    }
    const j = new Journal(path, false, []);
    await j.append({ type: 'start', run: opts.runKey, ...opts.header });
    return j;
  }

  records(): readonly JournalRecord[] {
    return this.recs;
  }

  /** Append one record (serialized: concurrent appends keep whole lines), fsync'd. */
  append(rec: Omit<JournalRecord, 'v' | 'at'>): Promise<void> {
    const full = { v: 1, at: new Date().toISOString(), ...rec } as JournalRecord;
    const line = JSON.stringify(full) + '\n';
    const write = async () => {
      let fh;
      try {
        fh = await open(this.path, 'a');
        await fh.write(line);
        await fh.sync();
      } catch (err) {
        throw new InputError(`cannot write the journal (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, this.path);
      } finally {
        await fh?.close();
      }
      this.recs.push(full);
      this.index(full);
    };
    const p = this.queue.then(write);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** The finished evaluation of this config hash, if journaled (resume never repeats it). */
  evaluation(configHash: string): JournalRecord | undefined {
    return this.byHash.get(configHash);
  }

  private index(r: JournalRecord): void {
    if (r.type === 'evaluation' && typeof r.configHash === 'string') this.byHash.set(r.configHash, r);
  }
}
