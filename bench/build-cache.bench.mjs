// ktrim build's cache hit: the same request again must run no make and take < 1 s
// (CLI wall time, node start included). Baselines measured in the same run, interleaved:
//   - `node bin/ktrim --version`: the floor any ktrim command pays (node + module loading);
//   - a no-op `make bzImage` in a copy of the cached build directory: what a build tool
//     without a cache would still pay for an unchanged config.
// Also times buildKernel()'s hit as a library call (what the minimize loop pays).
// Kernel: Debian linux-source-6.1, tinyconfig + configs/tiny-serial.config (built if missing, ~6 min).
// Usage: node bench/build-cache.bench.mjs [N]   (default N = 5)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildKernel } from '../dist/build/build.js';
import { realMakeRunner } from '../dist/build/make.js';
import { ensureDebianSource } from '../dist/build/source.js';
import { cacheRoot } from '../dist/cache.js';
import { createLogger } from '../dist/ui/log.js';

const N = Number(process.argv[2] ?? 5);
const fragment = join(process.cwd(), 'configs', 'tiny-serial.config');
const logger = createLogger({ quiet: true });
const source = await ensureDebianSource('6.1', { logger });
const request = { source, base: 'tinyconfig', config: fragment, arch: 'x86_64', jobs: 2 };
const first = await buildKernel(request, { make: realMakeRunner, logger });
if (!first.cacheHit) console.log(`built the tiny kernel first: ${first.seconds.toFixed(1)} s`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
function timed(argv, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', ...opts });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

const copy = mkdtempSync(join(cacheRoot(), 'tmp-bench-noop-'));
cpSync(first.objDir, join(copy, 'obj'), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
const noopArgv = ['make', '-C', source, `O=${join(copy, 'obj')}`, 'ARCH=x86_64', '-j2', `CC=${first.cc ?? 'gcc'}`, 'bzImage'];
const env = { ...process.env, CCACHE_DIR: process.env.CCACHE_DIR ?? join(cacheRoot(), 'ccache'), NO_COLOR: '1' };
timed(noopArgv, { env }); // the first run after the copy may refresh stamps; not counted

const rows = { version: [], hitCli: [], hitLib: [], noopMake: [] };
try {
  for (let i = 0; i < N; i++) {
    rows.version.push(timed(['node', 'bin/ktrim', '--version']).ms);
    const hit = timed(['node', 'bin/ktrim', 'build', '--source', source, '--base', 'tinyconfig', '--config', fragment, '--json'], { env });
    const res = JSON.parse(hit.stdout);
    if (!res.cacheHit || res.makeCommands.length) throw new Error('expected a cache hit with no make command');
    rows.hitCli.push(hit.ms);
    const t0 = performance.now();
    const lib = await buildKernel(request, { make: { run: () => Promise.reject(new Error('a cache hit ran make')) }, logger });
    if (!lib.cacheHit) throw new Error('library call missed the cache');
    rows.hitLib.push(performance.now() - t0);
    rows.noopMake.push(timed(noopArgv, { env }).ms);
  }
} finally {
  rmSync(copy, { recursive: true, force: true });
}

const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
console.log(`build-cache: N=${N}, load average ${loadavg()[0].toFixed(1)}, median wall times`);
console.log(`  ktrim --version (node floor)     ${m.version.toFixed(0)} ms`);
console.log(`  ktrim build, cache hit (CLI)     ${m.hitCli.toFixed(0)} ms   goal < 1000 ms: ${m.hitCli < 1000 ? 'met' : 'NOT met'}`);
console.log(`  buildKernel(), cache hit (lib)   ${m.hitLib.toFixed(0)} ms`);
console.log(`  no-op make bzImage (baseline)    ${m.noopMake.toFixed(0)} ms`);
console.log(`  cache hit / no-op make           ${(m.hitCli / m.noopMake).toFixed(3)}`);
console.log(`  cache hit - node floor           ${(m.hitCli - m.version).toFixed(0)} ms`);
