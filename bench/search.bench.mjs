#!/usr/bin/env node
// Search efficiency (issue 10 §5): ktest's make_min_config against ktrim's
// search (dist/minimize/search.js) on the same model of a kernel and the same
// start config, with simulated builds and boots (bench/search/model.mjs: the
// 6.1 Kconfig tree through ktrim's engine, Debian's 6.1 config, the captured
// Debian 6.1 boots attributed to their gating symbols, each metric's noise).
// Reports builds and boots used and the final boot time (the model's
// noise-free time to /init). Goal: ktrim ≤ 1/10 of ktest's builds for an
// equal or better final time.
// Imports the built code: run `npx tsc -p tsconfig.build.json` first (`make bench` does).
// Usage: node bench/search.bench.mjs [--quick]   (--quick: ktest and two icount rows: defaults, old defaults)
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DEFAULT_MAX_PLAN_CHANGES } from '../dist/minimize/candidates.js';
import { createLogger } from '../dist/ui/log.js';
import { ktestMakeMinConfig } from './search/ktest.mjs';
import { ktrimSearch, minimizeCandidates } from './search/ktrim.mjs';
import { loadKernelModel, METRIC_NOISE } from './search/model.mjs';

const QUICK = process.argv.includes('--quick');
const MIN_SAVING_MS = 2; // ktrim minimize's defaults
const MAX_RUNS = 5;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
const fmt = (ms) => ms.toFixed(1);

console.log(`${new Date().toISOString()}; ${cpus().length} CPUs, load average ${load()}`);
let t = performance.now();
const model = await loadKernelModel({ logger: createLogger({ quiet: true }) });
const start = model.evaluate(model.startState);
console.log(
  `model: ${model.configPath}; ${model.tree.byName.size} symbols; ${model.initcalls.length} initcalls (${fmt(model.initcallMs)} ms) + fixed ${fmt(model.fixedMs)} ms = ${fmt(start.timeMs)} ms to /init; essential: ${model.essential.join(' ')}; loaded in ${((performance.now() - t) / 1000).toFixed(1)} s`,
);

const rows = [];
t = performance.now();
const kt = ktestMakeMinConfig(model, {
  onProgress: (c, left) => {
    if (c.builds % 100 === 0) console.log(`  ktest: ${c.builds} builds, ${left} configs left to test`);
  },
});
rows.push({
  name: 'ktest make_min_config',
  builds: kt.counts.builds,
  boots: kt.counts.boots,
  failed: kt.counts.failedBoots,
  final: kt.truth.timeMs,
  note: `${kt.startCount} set symbols to test; ${kt.counts.passes} removed by a passing boot, ${kt.keptCount} kept; boots ≈ ${((kt.counts.boots * METRIC_NOISE.host.hostSecondsPerBoot) / 3600).toFixed(1)} h of host time (plain TCG)`,
  secs: (performance.now() - t) / 1000,
});
console.log(`ktest: ${JSON.stringify(kt.counts)}; final ${fmt(kt.truth.timeMs)} ms (${kt.truth.activeInitcalls} initcalls)`);

// ktrim as `ktrim minimize` runs it: its defaults (the lab's needs kept,
// propose's plans up to --max-plan-changes 200 offered, large ones last), then
// the opt-outs one at a time and together (the behaviour before: every plan of
// ≤ 8 changes, nothing kept) for comparison.
const candidateSets = new Map();
const candidatesFor = ({ keepLabNeeds = true, maxPlanChanges = DEFAULT_MAX_PLAN_CHANGES }) => {
  const key = `${keepLabNeeds}/${maxPlanChanges}`;
  if (!candidateSets.has(key)) candidateSets.set(key, minimizeCandidates(model, { keepLabNeeds, maxPlanChanges }));
  return candidateSets.get(key);
};
const OLD = { keepLabNeeds: false, maxPlanChanges: 8 };
const runs = QUICK
  ? [{ metric: 'icount' }, { metric: 'icount', ...OLD }]
  : [
      { metric: 'icount' },
      { metric: 'guest' },
      { metric: 'host' },
      { metric: 'icount', jobs: 2 },
      { metric: 'icount', keepLabNeeds: false },
      { metric: 'icount', maxPlanChanges: 8 },
      { metric: 'icount', ...OLD },
      { metric: 'guest', ...OLD },
    ];
for (const r of runs) {
  t = performance.now();
  const candidates = candidatesFor(r);
  const k = await ktrimSearch(model, { metric: r.metric, jobs: r.jobs, minSavingMs: MIN_SAVING_MS, maxRuns: MAX_RUNS, candidates });
  const name =
    `ktrim, ${r.metric}` +
    (r.jobs ? `, --jobs ${r.jobs}` : '') +
    (r.keepLabNeeds === false ? ', --no-keep-lab-needs' : '') +
    (r.maxPlanChanges !== undefined ? `, --max-plan-changes ${r.maxPlanChanges}` : '') +
    (r.keepLabNeeds === undefined && r.maxPlanChanges === undefined ? ' (defaults)' : '');
  rows.push({
    name,
    builds: k.counts.builds,
    boots: k.counts.boots,
    failed: k.counts.failedBoots,
    final: k.final.timeMs,
    note: `${k.result.accepted.length} of ${candidates.candidates.length} candidates kept, ${k.result.evaluations} evaluations in ${k.result.rounds} rounds; noise sd ${(METRIC_NOISE[r.metric].relSd * 100).toFixed(2)} %; boots ≈ ${((k.counts.boots * METRIC_NOISE[r.metric].hostSecondsPerBoot) / 3600).toFixed(1)} h of host time`,
    secs: (performance.now() - t) / 1000,
  });
  console.log(`${name}: ${JSON.stringify(k.counts)}; final ${fmt(k.final.timeMs)} ms`);
}

const ktRow = rows[0];
console.log(`\nstart config: ${fmt(start.timeMs)} ms to /init (model); load average now ${load()}\n`);
console.log(
  '| search | builds | boots (failed) | final boot time | saved | builds vs ktest | goal (≤ 1/10 builds, final ≤ ktest + 1 %) | notes |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |');
for (const r of rows) {
  const ratio = r.builds / ktRow.builds;
  const goal =
    r === ktRow
      ? '—'
      : ratio <= 0.1 && r.final <= ktRow.final * 1.01
        ? 'met'
        : `not met (${ratio > 0.1 ? 'builds' : ''}${ratio > 0.1 && r.final > ktRow.final * 1.01 ? ', ' : ''}${r.final > ktRow.final * 1.01 ? 'final time' : ''})`;
  console.log(
    `| ${r.name} | ${r.builds} | ${r.boots} (${r.failed}) | ${fmt(r.final)} ms | ${fmt(start.timeMs - r.final)} ms | ${r === ktRow ? '1' : `1/${(1 / ratio).toFixed(1)}`} | ${goal} | ${r.note}; ${r.secs.toFixed(0)} s to simulate |`,
  );
}
