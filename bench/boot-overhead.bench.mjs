// ktrim's boot overhead: the same kernel and initramfs booted N times by the
// bare qemu command line (spawned by a minimal script that watches for the
// marker) and N times by ktrim's bootKernel() (dist/), interleaved so host
// load hits both alike. Goal: ktrim / bare ≤ 1.05.
//
// Kernel: $KTRIM_BENCH_KERNEL, else the tiny e2e kernel (Debian linux-source-6.1,
// tinyconfig + configs/tiny-serial.config) from the cache, built if missing.
// Usage: node bench/boot-overhead.bench.mjs [N]   (default N = 5)
import { spawn } from 'node:child_process';
import { loadavg, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { bootKernel, composeAppend, defaultBootDeps } from '../dist/boot/boot.js';
import { buildInitramfs } from '../dist/boot/initramfs.js';
import { chooseAccel, qemuArgv } from '../dist/boot/qemu.js';
import { tinyKernelImage } from './lib/tiny-kernel.mjs';
import { welchTTest } from '../dist/stats/ttest.js';

const N = Number(process.argv[2] ?? 5);
const MEMORY_MB = 128;

/** The bare command line: spawn, wait for KTRIM-DONE (as ktrim does), kill, wait for exit. */
function bareBoot(argv) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const q = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'ignore'] });
    let buf = '';
    let markerMs;
    q.stdout.on('data', (d) => {
      buf += d.toString('latin1');
      if (markerMs === undefined && buf.includes('KTRIM-MARKER end')) markerMs = performance.now() - t0;
      if (buf.includes('KTRIM-DONE')) q.kill('SIGTERM');
    });
    q.on('error', reject);
    q.on('exit', () =>
      markerMs === undefined
        ? reject(new Error('bare qemu exited before the marker'))
        : resolve({ markerMs, wallMs: performance.now() - t0 }),
    );
  });
}

async function ktrimBoot(kernel, initrd, deps) {
  const t0 = performance.now();
  const r = await bootKernel({ kernel, initrd, memoryMb: MEMORY_MB, smp: 1, timeoutS: 120 }, deps);
  if (r.ending !== 'marker') throw new Error(`ktrim boot ended with ${r.ending}: ${r.endingDetail}`);
  // wall: from the call (ktrim's own set-up included) to qemu gone
  return { markerMs: r.host.markerMs, wallMs: performance.now() - t0 };
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1 || 1));
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const fmt = (xs) => `${mean(xs).toFixed(0)} ± ${sd(xs).toFixed(0)} ms (median ${median(xs).toFixed(0)})`;

const kernel = await tinyKernelImage();
const deps = defaultBootDeps();
const initrd = (await buildInitramfs()).path;
const accel = chooseAccel({ accel: 'auto' }, deps.qemu);
const argv = qemuArgv(
  { kernel, initrd, append: composeAppend({}), smp: 1, memoryMb: MEMORY_MB, timeoutMs: 0 },
  accel,
  'qemu-system-x86_64',
);
console.log(
  `kernel ${kernel}\n$ ${argv.join(' ')}\n${N} boots each, interleaved; accel ${accel}; load ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`,
);
await bareBoot(argv); // warm the page cache for both
const bare = [];
const kt = [];
for (let i = 0; i < N; i++) {
  // alternate who goes first in each pair
  if (i % 2 === 0) {
    bare.push(await bareBoot(argv));
    kt.push(await ktrimBoot(kernel, initrd, deps));
  } else {
    kt.push(await ktrimBoot(kernel, initrd, deps));
    bare.push(await bareBoot(argv));
  }
}
// Means and medians: on a loaded host one spike in one boot can decide a ratio of means.
const ratio = (f, key) => f(kt.map((x) => x[key])) / f(bare.map((x) => x[key]));
const ratioMarker = ratio(median, 'markerMs');
const ratioWall = ratio(median, 'wallMs');
console.log(
  `spawn → end marker: bare ${fmt(bare.map((x) => x.markerMs))}, ktrim ${fmt(kt.map((x) => x.markerMs))}, ratio of means ${ratio(mean, 'markerMs').toFixed(3)}, of medians ${ratioMarker.toFixed(3)}`,
);
console.log(
  `start → qemu gone:  bare ${fmt(bare.map((x) => x.wallMs))}, ktrim ${fmt(kt.map((x) => x.wallMs))}, ratio of means ${ratio(mean, 'wallMs').toFixed(3)}, of medians ${ratioWall.toFixed(3)}`,
);
const tMarker = welchTTest(
  bare.map((x) => x.markerMs),
  kt.map((x) => x.markerMs),
);
const tWall = welchTTest(
  bare.map((x) => x.wallMs),
  kt.map((x) => x.wallMs),
);
console.log(
  `Welch t-test ktrim vs bare: marker p=${tMarker.p.toFixed(3)}, wall p=${tWall.p.toFixed(3)} (p ≥ 0.05: the difference is within the noise)`,
);
console.log(
  `goal ktrim/bare ≤ 1.05 (medians): ${ratioWall <= 1.05 && ratioMarker <= 1.05 ? 'met' : 'NOT met'}; load now ${loadavg()[0].toFixed(1)}`,
);
