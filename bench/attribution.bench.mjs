#!/usr/bin/env node
// Attribution's source index over Debian's linux-source-6.1 x86 tree (issue 9 §8):
//   - cold: fast-glob + read every .c/.h/Makefile/Kbuild + build the index
//     (buildIndexFromTree, no cache), RUNS times with one thread per CPU
//     (at most 4) and RUNS times with one;
//   - warm: loadSourceIndex with the per-tree cache present (source id + JSON
//     read), RUNS times;
//   - attribution of the three Debian 6.1 logs with the warm index.
// Goals: cold < 10 s, warm < 1 s. Wall and CPU time are both printed: on a
// loaded machine the wall time mostly measures the other processes.
// Imports the built code: run `npx tsc -p tsconfig.build.json` first (`make bench` does).
// Usage: node bench/attribution.bench.mjs [runs]   (default 3)
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildIndexFromTree, loadSourceIndex } from '../dist/attribute/index-cache.js';
import { ensureDebianSource } from '../dist/build/source.js';
import { attributeInitcalls } from '../dist/initcall/attribute.js';
import { parseBootLog } from '../dist/initcall/parse.js';
import { createLogger } from '../dist/ui/log.js';

const RUNS = Number(process.argv[2] ?? 3);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
async function timed(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await fn();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000, r };
}

const src = await ensureDebianSource('6.1', { logger: createLogger({ quiet: true }) });
console.log(
  `tree ${src}; ${cpus().length} CPUs, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);

// Cold: one thread per CPU (at most 4), then one thread (the default uses the CPUs the load leaves idle).
const cold = [];
const cold1 = [];
let index;
for (let i = 0; i < RUNS; i++) {
  const t = await timed(() => buildIndexFromTree(src, { kernelVersion: '6.1', threads: Math.min(availableParallelism(), 4) }));
  index = t.r;
  cold.push(t);
  console.log(
    `cold #${i + 1} (${Math.min(availableParallelism(), 4)} threads): wall ${(t.wall / 1000).toFixed(2)} s, cpu ${(t.cpu / 1000).toFixed(2)} s, load ${loadavg()[0].toFixed(1)}`,
  );
}
for (let i = 0; i < RUNS; i++) {
  const t = await timed(() => buildIndexFromTree(src, { kernelVersion: '6.1', threads: 1 }));
  cold1.push(t);
  console.log(
    `cold #${i + 1} (1 thread): wall ${(t.wall / 1000).toFixed(2)} s, cpu ${(t.cpu / 1000).toFixed(2)} s, load ${loadavg()[0].toFixed(1)}`,
  );
}
console.log(
  `index: ${index.fileCount} .c files, ${index.registrations.size} registered functions, ${index.helpers.size} helper macros, ${index.kbuild.files.size} Kbuild objects from ${index.kbuild.reachedCount}/${index.kbuild.makefileCount} makefiles`,
);

await loadSourceIndex(src); // make sure the cache exists
const warm = [];
for (let i = 0; i < RUNS; i++) {
  const t = await timed(() => loadSourceIndex(src));
  if (!t.r.cached) throw new Error('warm load rebuilt the index');
  warm.push(t);
  console.log(`warm #${i + 1}: wall ${t.wall.toFixed(0)} ms, cpu ${t.cpu.toFixed(0)} ms`);
}

const { index: warmIndex, kernelVersion } = await loadSourceIndex(src);
const logs = ['debian-6.1-qemu-1.log', 'debian-6.1-qemu-2.log', 'debian-6.1-qemu-3.log'].map((n) =>
  parseBootLog(readFileSync(join('test/fixtures/boots', n), 'utf8'), { source: n }),
);
const a = await timed(() => attributeInitcalls(logs, warmIndex, { treeVersion: kernelVersion }));
const r = a.r.rates;
console.log(
  `attribute 3 Debian logs: ${a.wall.toFixed(1)} ms; ${r.resolved}/${r.total} resolved, ≥ 1 ms ${r.resolvedOver1ms}/${r.totalOver1ms}`,
);

const med = (xs, k) => median(xs.map((x) => x[k]));
console.log(
  `SUMMARY cold median wall ${(med(cold, 'wall') / 1000).toFixed(2)} s (cpu ${(med(cold, 'cpu') / 1000).toFixed(2)} s, goal < 10 s; ` +
    `1 thread: wall ${(med(cold1, 'wall') / 1000).toFixed(2)} s, cpu ${(med(cold1, 'cpu') / 1000).toFixed(2)} s); ` +
    `warm median wall ${med(warm, 'wall').toFixed(0)} ms (cpu ${med(warm, 'cpu').toFixed(0)} ms, goal < 1000 ms)`,
);
