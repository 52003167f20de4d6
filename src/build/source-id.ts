/**
 * The identity of a kernel source tree, for cache keys: it must change when
 * the tree does, and be cheap enough for a cache hit to stay under a second.
 *
 * - A git work tree (the source dir is the repository's top level):
 *   HEAD plus a hash of `git status --porcelain` and `git diff HEAD`, so
 *   uncommitted edits count.
 * - An unpacked tarball: the top Makefile's version lines, the tree's real
 *   path, the number of entries and the newest ctime among them (one `find`,
 *   ~0.2 s for 84k entries). ctime cannot be set back by `touch -d`, so any
 *   edit, added or removed file changes the identity.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { InputError } from '../errors.js';
import { makefileKernelVersion } from '../kconfig/tree.js';
import { startChild } from '../process.js';

export interface SourceIdentity {
  /** `<kernelversion>-<12 hex>`, a directory name under builds/. */
  id: string;
  kind: 'git' | 'tree';
  /** e.g. 6.1.192 (VERSION.PATCHLEVEL.SUBLEVEL from the top Makefile). */
  kernelVersion: string;
  /** The real path of the tree. */
  path: string;
}

async function capture(argv: string[], cwd?: string): Promise<{ exitCode: number | undefined; lines: string[] }> {
  const lines: string[] = [];
  const child = startChild(argv, { cwd, onLine: (l) => l.stream === 'stdout' && lines.push(l.text) });
  const res = await child.done;
  return { exitCode: res.exitCode, lines };
}

/**
 * The one "is this a kernel source tree" check (build, kconfig verbs): a
 * directory with a top-level Kconfig and a Makefile with VERSION/PATCHLEVEL
 * lines. Returns the version and those lines; InputError naming the
 * directory otherwise.
 */
export function kernelVersionOf(dir: string): { version: string; lines: string } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError('kernel source directory not found', dir);
  const makefile = join(dir, 'Makefile');
  if (!existsSync(makefile) || !existsSync(join(dir, 'Kconfig'))) {
    throw new InputError('not a kernel source tree (no top-level Makefile and Kconfig)', dir);
  }
  const text = readFileSync(makefile, 'utf8').split('\n').slice(0, 20);
  const get = (k: string) =>
    text
      .find((l) => l.startsWith(`${k} =`))
      ?.slice(k.length + 2)
      .trim();
  const [v, p, s, e] = ['VERSION', 'PATCHLEVEL', 'SUBLEVEL', 'EXTRAVERSION'].map(get);
  if (v === undefined || p === undefined) throw new InputError('no VERSION/PATCHLEVEL lines: not a kernel Makefile', makefile);
  return { version: makefileKernelVersion(text.join('\n')), lines: `${v} ${p} ${s} ${e}` };
}

export async function sourceIdentity(dir: string): Promise<SourceIdentity> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError('kernel source directory not found', dir);
  const path = realpathSync(dir);
  const { version, lines } = kernelVersionOf(path);
  const h = createHash('sha256').update(`ktrim-source-v1\0${version}\0${lines}\0`);
  let kind: SourceIdentity['kind'] = 'tree';
  const top = existsSync(join(path, '.git')) ? await capture(['git', 'rev-parse', '--show-toplevel'], path) : undefined;
  if (top && top.exitCode === 0 && top.lines[0] && realpathSync(top.lines[0]) === path) {
    kind = 'git';
    const head = await capture(['git', 'rev-parse', 'HEAD'], path);
    const status = await capture(['git', 'status', '--porcelain=v1', '--untracked-files=normal'], path);
    h.update(`git\0${head.lines.join('\n')}\0${status.lines.join('\n')}\0`);
    if (status.lines.length) {
      const diff = await capture(['git', 'diff', 'HEAD', '--binary'], path);
      h.update(diff.lines.join('\n'));
    }
  } else {
    h.update(`tree\0${path}\0`);
    // Collect find's output raw and scan it once: a callback per line costs
    // more than the find itself on 84k entries.
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    });
    const scan = startChild(['find', path, '-printf', '%C@\n'], { rawLog: sink });
    const res = await scan.done;
    if (res.exitCode !== 0) throw new InputError('cannot scan the kernel source tree (find failed)', path);
    // One pass over the bytes, no per-line strings: count lines, keep the
    // largest "seconds.fraction" (numeric order: longer integer part first).
    const buf = Buffer.concat(chunks);
    let count = 0;
    let best = { start: 0, end: 0, intLen: -1 };
    let lineStart = 0;
    let dot = -1;
    for (let i = 0; i < buf.length; i++) {
      const c = buf[i];
      if (c === 0x2e) dot = i;
      else if (c === 0x0a) {
        if (i > lineStart) {
          count++;
          const intLen = (dot >= lineStart ? dot : i) - lineStart;
          if (
            intLen > best.intLen ||
            (intLen === best.intLen && Buffer.compare(buf.subarray(lineStart, i), buf.subarray(best.start, best.end)) > 0)
          ) {
            best = { start: lineStart, end: i, intLen };
          }
        }
        lineStart = i + 1;
      }
    }
    const newest = buf.subarray(best.start, best.end).toString('latin1');
    h.update(`${count}\0${newest}`);
  }
  return { id: `${version}-${h.digest('hex').slice(0, 12)}`, kind, kernelVersion: version, path };
}
