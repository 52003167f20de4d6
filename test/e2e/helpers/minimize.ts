/**
 * What the `ktrim minimize` end-to-end tests read back from a run: its E:
 * lines, its journal, and whether the user's inputs stayed as they were.
 */
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('E:'));

export const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

export interface JournalLine {
  type: string;
  configHash?: string;
  baseHash?: string;
  cacheHit?: boolean;
  ok?: boolean;
  role?: string;
  why?: string;
  kernel?: string;
  buildDir?: string;
  trial?: string[];
  verdict?: { kind: string; stage?: string; why: string };
  ending?: string;
  detail?: string;
  logs?: { console?: string };
}

/** Every record of <out>/journal.jsonl; throws on a line that is not a whole JSON record. */
export const records = (out: string): JournalLine[] =>
  readFileSync(join(out, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalLine);

/** Files of the kernel tree newer than `stamp`, or a .config / include/config that a build in the tree would leave. */
export async function treeChanges(source: string, stamp: string): Promise<string[]> {
  const r = await execa('find', [source, '-newer', stamp, '-print'], { reject: false });
  const dirty = ['.config', 'include/config'].filter((p) => existsSync(join(source, p)));
  return [...r.stdout.split('\n').filter(Boolean), ...dirty];
}

/** The start of every e2e minimize command line: the tiny kernel's source, x86_64, the icount metric, make -j2. */
export const minimizeArgs = (source: string, config: string, timeoutS: number) => [
  'minimize',
  ...['--source', source, '--config', config, '--arch', 'x86_64'],
  ...['--metric', 'icount', '--timeout', String(timeoutS), '--make-jobs', '2'],
];
