/**
 * The source index of a kernel tree (src/initcall/attribute.ts), built once
 * with fast-glob and cached per tree: `$KTRIM_CACHE/attribution/<source id>-<arch>-v<format>.json`.
 * The source id (src/build/source-id.ts) changes with any edit of the tree,
 * so a stale index is never used. This is the I/O side; the models are pure.
 */
import fg from 'fast-glob';
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import writeFileAtomic from 'write-file-atomic';
import { sourceIdentity } from '../build/source-id.js';
import { cacheRoot } from '../cache.js';
import { InputError } from '../errors.js';
import {
  deserializeSourceIndex,
  serializeSourceIndex,
  SourceIndexBuilder,
  SOURCE_INDEX_FORMAT,
  type SourceIndex,
  type SourceIndexPart,
} from '../initcall/attribute.js';
import type { Logger } from '../ui/log.js';

export interface LoadIndexOptions {
  cacheDir?: string;
  /** SRCARCH, default x86. */
  arch?: string;
  logger?: Logger;
  /** Build even when a cached index exists (benchmarks). */
  rebuild?: boolean;
}

export interface LoadedIndex {
  index: SourceIndex;
  cached: boolean;
  sourceId: string;
  kernelVersion: string;
  cacheFile: string;
  /** Wall time of the load or build, ms. */
  ms: number;
}

const MAX_HEADER_BYTES = 256 * 1024;

/** The files of a tree that the index reads (paths from the top). */
export async function indexFiles(srctree: string, arch: string): Promise<string[]> {
  // Other architectures' directories are never built for this one.
  const otherArches = existsSync(join(srctree, 'arch'))
    ? readdirSync(join(srctree, 'arch'), { withFileTypes: true })
        .filter((d) => d.isDirectory() && d.name !== arch)
        .map((d) => `arch/${d.name}/**`)
    : [];
  const entries = await fg(['**/*.c', '**/*.h', '**/Makefile', '**/Kbuild'], {
    cwd: srctree,
    ignore: ['tools/**', 'scripts/**', 'Documentation/**', 'usr/include/**', ...otherArches],
    followSymbolicLinks: false,
    onlyFiles: true,
  });
  return entries.sort();
}

/**
 * Read `paths` (from the tree's top) into a builder. Synchronous reads into
 * one reused buffer: the thread-pool round trips and per-file buffers of
 * readFile cost more than the reading itself over ~45k files.
 */
export function addTreeFiles(srctree: string, paths: readonly string[], builder: SourceIndexBuilder): void {
  let buf = Buffer.allocUnsafe(1 << 20);
  for (const path of paths) {
    const fd = openSync(join(srctree, path), 'r');
    let n = 0;
    try {
      // Headers over 256 KiB are generated register tables (amdgpu: 400 MB of
      // the tree), never initcall helpers: not worth reading.
      if (path.endsWith('.h') && fstatSync(fd).size > MAX_HEADER_BYTES) continue;
      for (;;) {
        if (n === buf.length) {
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, n);
          buf = bigger;
        }
        const r = readSync(fd, buf, n, buf.length - n, null);
        if (r === 0) break;
        n += r;
      }
    } finally {
      closeSync(fd);
    }
    const bytes = buf.subarray(0, n);
    // Headers matter only for helper macros, whose bodies call module_init,
    // an *_initcall or a module_/builtin_ helper.
    if (path.endsWith('.h') && !(bytes.includes('module_') || bytes.includes('initcall') || bytes.includes('builtin_'))) continue;
    builder.add({ path, bytes });
  }
}

/** The thread that reads a share of the tree (dist/ only: under ts-jest the sources are .ts, and one thread reads all). */
const WORKER = new URL('./index-worker.js', import.meta.url);

/**
 * CPUs the 1-minute load average leaves idle, rounded (at least 1). On a
 * busy machine more threads only split this process's share of the CPUs
 * and add their start-up and the copying of their results (measured: at
 * load 14 on 2 CPUs, 2 threads took 28 s against 1 thread's 22 s).
 */
function idleCpus(): number {
  return Math.max(1, Math.round(availableParallelism() - loadavg()[0]));
}

/**
 * Read the tree and build its index (no cache). The files are split into
 * contiguous shares, one per idle CPU (at most 4; `threads` overrides), read
 * and scanned in parallel and merged in path order, so the index is the same
 * as one thread's.
 */
export async function buildIndexFromTree(
  srctree: string,
  opts: { arch?: string; kernelVersion?: string; threads?: number } = {},
): Promise<SourceIndex> {
  const arch = opts.arch ?? 'x86';
  const paths = await indexFiles(srctree, arch);
  if (!paths.some((p) => p.includes('/') && /(^|\/)(Makefile|Kbuild)$/.test(p))) {
    throw new InputError('no Kbuild makefiles below the top: not a kernel source tree, or an incomplete one', srctree);
  }
  const threads = existsSync(fileURLToPath(WORKER)) ? Math.max(1, Math.min(opts.threads ?? idleCpus(), 4)) : 1;
  const share = Math.ceil(paths.length / threads);
  const shares = Array.from({ length: threads }, (_, i) => paths.slice(i * share, (i + 1) * share));
  const workers = shares.slice(1).map((mine) => new Worker(WORKER, { workerData: { srctree, paths: mine } }));
  const parts = Promise.all(
    workers.map(
      (w) =>
        new Promise<SourceIndexPart>((resolve, reject) => {
          w.once('message', (part: SourceIndexPart) => resolve(part));
          w.once('error', reject);
          w.once('exit', (code) => reject(new Error(`index worker exited with code ${code}`)));
        }),
    ),
  );
  const builder = new SourceIndexBuilder({ arch, kernelVersion: opts.kernelVersion });
  try {
    addTreeFiles(srctree, shares[0], builder);
    for (const part of await parts) builder.merge(part);
  } catch (e) {
    parts.catch(() => {}); // the first failure is the one reported
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  return builder.finish();
}

/** The tree's index: from the cache when the tree is unchanged, else built and cached. */
export async function loadSourceIndex(srctree: string, opts: LoadIndexOptions = {}): Promise<LoadedIndex> {
  const t0 = performance.now();
  const arch = opts.arch ?? 'x86';
  const id = await sourceIdentity(srctree);
  const dir = join(opts.cacheDir ?? cacheRoot(), 'attribution');
  const cacheFile = join(dir, `${id.id}-${arch}-v${SOURCE_INDEX_FORMAT}.json`);
  if (!opts.rebuild && existsSync(cacheFile)) {
    const index = deserializeSourceIndex(await readFile(cacheFile, 'utf8'));
    if (index) return { index, cached: true, sourceId: id.id, kernelVersion: id.kernelVersion, cacheFile, ms: performance.now() - t0 };
  }
  opts.logger?.info(`indexing initcall registrations and Kbuild makefiles of ${id.path} (once per tree)`);
  const index = await buildIndexFromTree(id.path, { arch, kernelVersion: id.kernelVersion });
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(cacheFile, serializeSourceIndex(index));
  return { index, cached: false, sourceId: id.id, kernelVersion: id.kernelVersion, cacheFile, ms: performance.now() - t0 };
}
