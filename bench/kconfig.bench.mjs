#!/usr/bin/env node
// ktrim's Kconfig engine against the kernel's C tool, in one run on Debian's
// linux-source-6.1 x86 tree (issue 4 §6):
//   - ktrim's full parse, cold ($(shell) probes run for real, no cache) and
//     with cached shell results (the on-disk cache the CLI uses);
//   - ktrim's olddefconfig + writeConfig per candidate after one parse
//     (candidates: defconfig with one visible y symbol turned off, as the
//     minimize loop makes them), in full (parse the candidate .config,
//     olddefconfig) and incrementally (olddefconfigFrom the defconfig's state:
//     only the changed symbol's dependents are re-evaluated), each
//     incremental output checked against the full evaluation's; and
//     incrementally from the whole candidate .config text;
//   - `make olddefconfig` on the same defconfig (real make, O= in the cache).
// Goals: parse (cached) ≤ 1/5 of make olddefconfig; per candidate ≤ 1/100.
// Imports the built code: run `npx tsc -p tsconfig.build.json` first (`make bench` does).
// Usage: node bench/kconfig.bench.mjs [candidates] [make runs]   (default 40, 3)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureDebianSource } from '../dist/build/source.js';
import { cacheRoot } from '../dist/cache.js';
import { parseDotConfig } from '../dist/kconfig/dotconfig.js';
import { applyConfigChanges, olddefconfigFrom } from '../dist/kconfig/incremental.js';
import { olddefconfig } from '../dist/kconfig/confdata.js';
import { kernelKconfigEnv, loadKernelKconfig } from '../dist/build/kconfig-host.js';
import { createShellRunner } from '../dist/build/shell-cache.js';
import { writeConfig } from '../dist/kconfig/write.js';
import { createLogger } from '../dist/ui/log.js';

const CANDIDATES = Number(process.argv[2] ?? 40);
const MAKE_RUNS = Number(process.argv[3] ?? 3);
const PARSE_RUNS = 3;
const ARCH = 'x86_64';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (x) => `${x.toFixed(1)} ms`;
const time = (fn) => {
  const t0 = performance.now();
  const r = fn();
  return [performance.now() - t0, r];
};

const logger = createLogger({ quiet: true });
const src = await ensureDebianSource('6.1', { logger });
const outDir = join(cacheRoot(), 'bench', 'kconfig-6.1');
mkdirSync(outDir, { recursive: true });
const make = (target) => {
  const argv = ['make', '-s', '-C', src, `O=${outDir}`, `ARCH=${ARCH}`, target];
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status})`);
  return performance.now() - t0;
};

// The same input for both sides: x86_64 defconfig as the C tool writes it.
make('defconfig'); // also builds scripts/kconfig/conf once (not timed)
const defconfigPath = join(outDir, 'bench-input.config');
copyFileSync(join(outDir, '.config'), defconfigPath);
const inputText = readFileSync(defconfigPath, 'utf8');

// make olddefconfig, timed (conf already built; what a user pays per config).
const makeTimes = [];
for (let i = 0; i < MAKE_RUNS; i++) {
  copyFileSync(defconfigPath, join(outDir, '.config'));
  makeTimes.push(make('olddefconfig'));
}
const makeOutput = readFileSync(join(outDir, '.config'), 'utf8');

// ktrim parse, cold: every $(shell ...) probe runs (fresh runner, no disk cache).
const env = kernelKconfigEnv(src, { arch: ARCH });
const coldTimes = [];
let coldMisses = 0;
for (let i = 0; i < PARSE_RUNS; i++) {
  const cwd = mkdtempSync(join(tmpdir(), 'ktrim-kconfig-bench-'));
  const shell = createShellRunner({ env: { ...process.env, ...env }, cwd, toolchainKey: 'bench-cold' });
  const [t] = time(() => loadKernelKconfig({ srctree: src, arch: ARCH, shell }));
  coldTimes.push(t);
  coldMisses = shell.misses;
  rmSync(cwd, { recursive: true, force: true });
}

// ktrim parse with cached shell results (the CLI's default on-disk cache; first call fills it).
loadKernelKconfig({ srctree: src, arch: ARCH });
const warmTimes = [];
let tree;
for (let i = 0; i < PARSE_RUNS; i++) {
  const [t, tr] = time(() => loadKernelKconfig({ srctree: src, arch: ARCH }));
  warmTimes.push(t);
  tree = tr;
}

// One olddefconfig of the input: must be what make wrote.
const base = parseDotConfig(inputText, defconfigPath);
const [firstMs, firstText] = time(() => writeConfig(olddefconfig(tree, base)));
const identical = firstText === makeOutput;

// Candidates: defconfig with one visible, user-changeable y symbol turned off.
const state0 = olddefconfig(tree, base);
const names = [...tree.byName.values()]
  .filter((s) => (s.type === 'bool' || s.type === 'tristate') && state0.tristate(s) === 2 && state0.isChangeable(s))
  .map((s) => s.name);
const step = Math.max(1, Math.floor(names.length / CANDIDATES));
const picked = names.filter((_, i) => i % step === 0).slice(0, CANDIDATES);
const candTimes = [];
const phase = { read: [], eval: [], write: [] };
let changedTotal = 0;
for (const name of picked) {
  const text = inputText + `# CONFIG_${name} is not set\n`;
  const t0 = performance.now();
  const cfg = parseDotConfig(text, 'candidate');
  const t1 = performance.now();
  const st = olddefconfig(tree, cfg);
  const t2 = performance.now();
  const out = writeConfig(st);
  const t3 = performance.now();
  candTimes.push(t3 - t0);
  phase.read.push(t1 - t0);
  phase.eval.push(t2 - t1);
  phase.write.push(t3 - t2);
  if (out !== firstText) changedTotal++;
}

// The same candidates incrementally: olddefconfigFrom(base state, change) + writeConfig.
const incTimes = [];
const incPhase = { eval: [], write: [] };
let incShortcut = 0;
let incMismatch = 0;
for (const name of picked) {
  const changes = { [name]: 'n' };
  const t0 = performance.now();
  const st = olddefconfigFrom(state0, changes);
  const t1 = performance.now();
  const out = writeConfig(st);
  const t2 = performance.now();
  incTimes.push(t2 - t0);
  incPhase.eval.push(t1 - t0);
  incPhase.write.push(t2 - t1);
  if (st.incremental) incShortcut++;
  if (out !== writeConfig(olddefconfig(tree, applyConfigChanges(base, changes)))) incMismatch++;
}

// The same candidates as whole .config texts (what a caller holding files has):
// parse + olddefconfigFrom(base state, candidate .config) + writeConfig.
const wholeTimes = [];
let wholeShortcut = 0;
let wholeMismatch = 0;
for (const name of picked) {
  const text = inputText + `# CONFIG_${name} is not set\n`;
  const t0 = performance.now();
  const cfg = parseDotConfig(text, 'candidate');
  const st = olddefconfigFrom(state0, cfg);
  const out = writeConfig(st);
  wholeTimes.push(performance.now() - t0);
  if (st.incremental) wholeShortcut++;
  if (out !== writeConfig(olddefconfig(tree, cfg))) wholeMismatch++;
}
const wholeMed = median(wholeTimes);

const makeMed = median(makeTimes);
const coldMed = median(coldTimes);
const warmMed = median(warmTimes);
const candMed = median(candTimes);
const incMed = median(incTimes);
const lines = [
  `kconfig bench, Debian linux-source-6.1 (${src.split('/').pop()}), ARCH=${ARCH}, input: defconfig`,
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
  `make olddefconfig (C conf, ${MAKE_RUNS} runs):        median ${ms(makeMed)}  [${makeTimes.map(ms).join(', ')}]`,
  `ktrim parse, cold (${coldMisses} $(shell) runs, ${PARSE_RUNS} runs): median ${ms(coldMed)}  [${coldTimes.map(ms).join(', ')}]  = ${(coldMed / makeMed).toFixed(2)} × make`,
  `ktrim parse, cached shell (${PARSE_RUNS} runs):        median ${ms(warmMed)}  [${warmTimes.map(ms).join(', ')}]  = ${(warmMed / makeMed).toFixed(3)} × make (best ${(Math.min(...warmTimes) / Math.min(...makeTimes)).toFixed(3)})  (goal ≤ 0.2)`,
  `ktrim olddefconfig + write, first:               ${ms(firstMs)}; output identical to make's: ${identical ? 'yes' : 'NO'}`,
  `ktrim olddefconfig + write per candidate (${picked.length}):  median ${ms(candMed)}  min ${ms(Math.min(...candTimes))}  max ${ms(Math.max(...candTimes))}  = ${(candMed / makeMed).toFixed(4)} × make (best ${(Math.min(...candTimes) / Math.min(...makeTimes)).toFixed(4)})  (goal ≤ 0.01); ${changedTotal} candidates changed the output`,
  `  per-candidate phases (median): parse .config ${ms(median(phase.read))}, olddefconfig ${ms(median(phase.eval))}, writeConfig ${ms(median(phase.write))}`,
  `ktrim olddefconfigFrom + write per candidate (${picked.length}): median ${ms(incMed)}  min ${ms(Math.min(...incTimes))}  max ${ms(Math.max(...incTimes))}  = ${(incMed / makeMed).toFixed(4)} × make (best ${(Math.min(...incTimes) / Math.min(...makeTimes)).toFixed(4)})  (goal ≤ 0.01); ${incShortcut} incremental, ${picked.length - incShortcut} fell back to full; outputs identical to full: ${incMismatch ? `NO (${incMismatch} differ)` : 'yes'}`,
  `  incremental phases (median): olddefconfigFrom ${ms(median(incPhase.eval))}, writeConfig ${ms(median(incPhase.write))}`,
  `ktrim parse + olddefconfigFrom(whole .config) + write (${picked.length}): median ${ms(wholeMed)}  min ${ms(Math.min(...wholeTimes))}  max ${ms(Math.max(...wholeTimes))}  = ${(wholeMed / makeMed).toFixed(4)} × make; ${wholeShortcut} incremental; outputs identical to full: ${wholeMismatch ? `NO (${wholeMismatch} differ)` : 'yes'}`,
  `tree: ${tree.files.length} Kconfig files, ${tree.byName.size} symbols`,
];
console.log(lines.join('\n'));
const ok = identical && warmMed <= makeMed / 5 && candMed <= makeMed / 100;
console.log(
  `goals: parse ≤ 1/5 make: ${warmMed <= makeMed / 5 ? 'met' : 'MISSED'}; per candidate ≤ 1/100 make: full ${candMed <= makeMed / 100 ? 'met' : 'MISSED'}, incremental ${incMed <= makeMed / 100 ? 'met' : 'MISSED'}`,
);
if (!identical || incMismatch || wholeMismatch) process.exitCode = 1;
void ok;
