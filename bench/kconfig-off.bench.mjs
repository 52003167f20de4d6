#!/usr/bin/env node
// `ktrim kconfig off` (planOff) on Debian's 6.1 distro config, one symbol at
// a time for 10 symbols, with its trials evaluated in full (every trial a
// whole olddefconfig: the way before issue 8 §4) and through olddefconfigFrom
// (only what a trial's changes reach), against `make olddefconfig` on the same
// config in the same run. Both ways must give the same plan (checked).
// Imports the built code: run `npx tsc -p tsconfig.build.json` first (`make bench` does).
// Usage: node bench/kconfig-off.bench.mjs [make runs]   (default 3)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadKernelKconfig } from '../dist/build/kconfig-host.js';
import { ensureDebianSource } from '../dist/build/source.js';
import { cacheRoot } from '../dist/cache.js';
import { parseDotConfig } from '../dist/kconfig/dotconfig.js';
import { planOff } from '../dist/kconfig/explain.js';
import { createLogger } from '../dist/ui/log.js';

const MAKE_RUNS = Number(process.argv[2] ?? 3);
const ARCH = 'x86_64';
// On in Debian's config, user-visible, from small leaves to symbols with large blast radii.
const SYMBOLS = ['USB_PRINTER', 'INPUT_JOYSTICK', 'BTRFS_FS', 'XFS_FS', 'NFS_FS', 'BT', 'SOUND', 'WLAN', 'DRM_I915', 'KVM'];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const logger = createLogger({ quiet: true });
const src = await ensureDebianSource('6.1', { logger });
const debianDir = join(cacheRoot(), 'kconfig-parity', 'debian');
const cfgName = existsSync(debianDir) ? readdirSync(debianDir).find((f) => f.startsWith('config-6.1-')) : undefined;
if (!cfgName) throw new Error(`no Debian 6.1 config in ${debianDir}: run the kconfig parity e2e test once (it downloads it)`);
const cfgPath = join(debianDir, cfgName);
const config = parseDotConfig(readFileSync(cfgPath, 'utf8'), cfgPath, { strict: false });

const outDir = join(cacheRoot(), 'bench', 'kconfig-off-6.1');
mkdirSync(outDir, { recursive: true });
const makeTimes = [];
for (let i = 0; i <= MAKE_RUNS; i++) {
  copyFileSync(cfgPath, join(outDir, '.config'));
  const t0 = performance.now();
  const r = spawnSync('make', ['-s', '-C', src, `O=${outDir}`, `ARCH=${ARCH}`, 'olddefconfig'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`make olddefconfig failed (${r.status})`);
  if (i > 0) makeTimes.push(performance.now() - t0); // the first run builds conf
}

const tree = loadKernelKconfig({ srctree: src, arch: ARCH });
const rows = [];
for (const sym of SYMBOLS) {
  const t0 = performance.now();
  const full = planOff(tree, config, [sym], { incremental: false });
  const t1 = performance.now();
  const inc = planOff(tree, config, [sym]);
  const t2 = performance.now();
  if (inc.newConfig !== full.newConfig || JSON.stringify(inc.changes) !== JSON.stringify(full.changes))
    throw new Error(`${sym}: incremental plan differs from the full one`);
  rows.push({ sym, changes: inc.changes.length, radius: inc.blastRadius.length, full: t1 - t0, inc: t2 - t1 });
}
const makeMs = median(makeTimes);
const totalFull = rows.reduce((s, r) => s + r.full, 0);
const totalInc = rows.reduce((s, r) => s + r.inc, 0);
console.log(`kconfig off on Debian ${cfgName} (${config.values.size} symbols), ${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)}`);
console.log(`make olddefconfig (conf built, median of ${MAKE_RUNS}): ${makeMs.toFixed(0)} ms`);
console.log('symbol            changes  blast radius   full trials   olddefconfigFrom   speed-up');
for (const r of rows) {
  console.log(
    `${r.sym.padEnd(17)} ${String(r.changes).padStart(7)}  ${String(r.radius).padStart(12)}  ${r.full.toFixed(0).padStart(9)} ms  ${r.inc.toFixed(0).padStart(13)} ms  ${(r.full / r.inc).toFixed(1).padStart(8)}x`,
  );
}
console.log(
  `total 10 symbols: full ${totalFull.toFixed(0)} ms (${(totalFull / makeMs).toFixed(2)}x make olddefconfig), ` +
    `olddefconfigFrom ${totalInc.toFixed(0)} ms (${(totalInc / makeMs).toFixed(2)}x make olddefconfig), speed-up ${(totalFull / totalInc).toFixed(1)}x`,
);
