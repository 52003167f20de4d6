#!/usr/bin/env node
// The long fuzz run (issue 7 §5): FUZZ_RUNS (default 100,000) cases over
// mutations of the real fixtures, in-process through the functions the
// commands call (the harness of test/e2e/fuzz.test.ts, on the built dist/),
// with the sizes of huge names and repetitions scaled up (FUZZ_BIG, default
// 10: names up to 2 MB, one pair repeated up to 50,000 times). Every case must end with a result or one typed input
// error. Prints cases, failures found (each kept under
// .ktrim-tmp/fuzz-failures for a bug report), outcomes per verb, time and
// load. Imports the built code: run `npx tsc -p tsconfig.build.json` first
// (`make bench` does).
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { caseArbitrary, describeCase, keepFailure, loadSeeds, ROOT, runInProcess } from '../test/helpers/fuzz.mjs';
import { runReport } from '../dist/commands/report.js';
import { readDotConfigFile } from '../dist/commands/diff.js';
import { readWarnings } from '../dist/commands/kconfig.js';
import { createLogger } from '../dist/ui/log.js';
import { KtrimError } from '../dist/errors.js';
import { diffConfigs, formatDiffconfig, formatDiffconfigMerge, summarizeDiff } from '../dist/kconfig/diffconfig.js';
import { parseDotConfig } from '../dist/kconfig/dotconfig.js';
import { mergeFragments } from '../dist/kconfig/merge.js';
import { loadKconfigSync } from '../dist/kconfig/tree.js';
import { olddefconfig } from '../dist/kconfig/confdata.js';
import { writeConfig } from '../dist/kconfig/write.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const BIG = Number(process.env.FUZZ_BIG ?? 10);
/** Stop keeping inputs after this many failures (the count goes on). */
const KEEP = 50;

const api = {
  runReport,
  createLogger,
  KtrimError,
  readDotConfigFile,
  diffConfigs,
  formatDiffconfig,
  formatDiffconfigMerge,
  summarizeDiff,
  parseDotConfig,
  mergeFragments,
  loadKconfigSync,
  olddefconfig,
  writeConfig,
  readWarnings,
};

const seeds = loadSeeds();
const dir = mkdtempSync(join(tmpdir(), 'ktrim-fuzz-bench-'));
const outcomes = {};
const failures = [];
/** Input errors by message (file and line stripped): which checks the mutations hit. */
const errors = new Map();
const slowest = { ms: 0, case: '' };
const load0 = loadavg()[0];
const t0 = performance.now();
let n = 0;
let peakRss = 0;
// Interrupted (Ctrl-C, a CI timeout): skip the remaining cases and print the figures so far.
let stopped = false;
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => (stopped = true));
try {
  await fc.assert(
    fc.asyncProperty(caseArbitrary(fc, seeds, BIG), async (c) => {
      if (stopped) return true;
      const caseDir = join(dir, `c${n++}`);
      const key = `${c.verb}${c.format ? ` ${c.format}` : ''}`;
      const t = performance.now();
      try {
        const r = await runInProcess(api, seeds, c, caseDir);
        outcomes[key] ??= { ok: 0, 'input-error': 0 };
        outcomes[key][r.outcome]++;
        if (r.detail) {
          const why = r.detail
            .replace(/^[^:]*(:\d+)?: /, '')
            .replace(/"[^"]*"/g, '"…"')
            .slice(0, 70);
          errors.set(why, (errors.get(why) ?? 0) + 1);
        }
      } catch (err) {
        const kept = failures.length < KEEP ? keepFailure(seeds, c, join(ROOT, '.ktrim-tmp/fuzz-failures', `bench-${SEED}-${n}`)) : '';
        failures.push({ message: err.message.slice(0, 400), case: describeCase(c).slice(0, 400), kept });
      } finally {
        rmSync(caseDir, { recursive: true, force: true });
      }
      const ms = performance.now() - t;
      if (ms > slowest.ms) Object.assign(slowest, { ms, case: describeCase(c).slice(0, 300) });
      if (n % 100 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (n % 1000 === 0) {
        process.stderr.write(`\r${n}/${RUNS} cases, ${failures.length} failures, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      }
      return true;
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const seconds = (performance.now() - t0) / 1000;
process.stderr.write('\n');

// Failures grouped by their first line, so one bug found 500 times reads as one.
const byMessage = new Map();
for (const f of failures) {
  const k = f.message.split(' | ')[0].slice(0, 160);
  if (!byMessage.has(k)) byMessage.set(k, { count: 0, example: f });
  byMessage.get(k).count++;
}
console.log(
  `fuzz: ${n} cases${stopped ? ` (interrupted, of ${RUNS})` : ''} (seed ${SEED}, size scale ${BIG}) in ${seconds.toFixed(0)} s (${(n / seconds).toFixed(0)} cases/s)`,
);
console.log(
  `load average ${load0.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end, ${cpus().length} CPUs; peak RSS ${(peakRss / 1e6).toFixed(0)} MB`,
);
console.log(`slowest case ${(slowest.ms / 1000).toFixed(1)} s: ${slowest.case}`);
for (const [k, v] of Object.entries(outcomes).sort())
  console.log(`  ${k.padEnd(14)} ok ${String(v.ok).padStart(6)}  input error ${String(v['input-error']).padStart(6)}`);
console.log('most common input errors:');
for (const [k, v] of [...errors].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${String(v).padStart(6)} × ${k}`);
console.log(`failures: ${failures.length} (${byMessage.size} distinct)`);
for (const [k, v] of byMessage)
  console.log(`  ${v.count} × ${k}\n      e.g. ${v.example.case}${v.example.kept ? `\n      inputs: ${v.example.kept}` : ''}`);
process.exitCode = failures.length ? 1 : 0;
