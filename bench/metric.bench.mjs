// Boot metrics (issue 10 §1): how noisy is each of host | guest | icount, what
// does one boot cost in host seconds, and how many boots per side does the
// sequential keep/reject test (src/stats/sequential.ts) need at a 2 % effect.
//
// 1. Real boots (dist/, bootKernel + requestForMetric, as minimize boots):
//    the tiny e2e kernel (tinyconfig + configs/tiny-serial.config, from the
//    cache, built if missing) N_TINY times per metric, and Debian's generic
//    6.1 kernel (linux-image-6.1.0-*-amd64, fetched like test/fixtures/regen.sh
//    into $KTRIM_CACHE/fixtures/debian/ if missing) N_BIG times per metric;
//    the metrics interleaved within each round so host load hits all alike.
// 2. A simulation (seeded RNG) of decideSaving from each measured noise:
//    boot values ~ Normal(mean, sd); minEffectMs = 1 % of the mean, maxRuns 10,
//    alpha 0.05; an effect of 2 % (keep expected) and of 0 (reject expected).
//    icount is decided as a deterministic metric (one boot per side), its
//    boots still drawn with the measured sd: any jitter shows as errors.
//
// Usage: node bench/metric.bench.mjs [N_TINY=5] [N_BIG=3]
//        node bench/metric.bench.mjs --simulate FILE.json   (re-run step 2 on saved boots)
// Env: KTRIM_BENCH_KERNEL (tiny kernel), KTRIM_BENCH_BIG_KERNEL (big kernel) and KTRIM_BENCH_BIG_LABEL (its
//      table label, default debian-6.1), KTRIM_BENCH_SIMS (default 4000),
//      KTRIM_BENCH_VARIANTS (comma list of host,guest,icount,host-cpu,icount-total,icount-shift4; default all).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bootKernel, defaultBootDeps } from '../dist/boot/boot.js';
import { buildInitramfs } from '../dist/boot/initramfs.js';
import { BOOT_METRICS, metricSpec, metricValueMs, requestForMetric } from '../dist/boot/metric.js';
import { decideSaving } from '../dist/stats/sequential.js';
import { summarize } from '../dist/stats/summary.js';
import { cacheRoot } from '../dist/cache.js';
import { tinyKernelImage } from './lib/tiny-kernel.mjs';
import { prng } from '../test/helpers/fuzz.mjs';

const SIMS = Number(process.env.KTRIM_BENCH_SIMS ?? 4000);
const EFFECT = 0.02;
const MIN_EFFECT = 0.01;
const MAX_RUNS = 10;

/** Debian's generic 6.1 kernel, unpacked where test/fixtures/regen.sh keeps it. */
function bigKernel() {
  if (process.env.KTRIM_BENCH_BIG_KERNEL) return process.env.KTRIM_BENCH_BIG_KERNEL;
  const fix = join(cacheRoot(), 'fixtures');
  const findIn = (root) =>
    existsSync(join(root, 'boot'))
      ? readdirSync(join(root, 'boot'))
          .filter((f) => f.startsWith('vmlinuz-'))
          .map((f) => join(root, 'boot', f))[0]
      : undefined;
  const debian = join(fix, 'debian');
  const have = existsSync(debian)
    ? readdirSync(debian)
        .filter((d) => /^linux-image-6\.1\.0-\d+-amd64$/.test(d))
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
        .map((d) => findIn(join(debian, d)))
        .filter(Boolean)
    : [];
  if (have.length) return have.at(-1);
  const pkg = execFileSync('apt-cache', ['search', '--names-only', '^linux-image-6\\.1\\.0-[0-9]+-amd64$'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter(Boolean)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .at(-1);
  if (!pkg) throw new Error('no linux-image-6.1.0-*-amd64 in apt (run apt-get update) and none in the cache');
  const debs = join(fix, 'debs');
  mkdirSync(debs, { recursive: true });
  console.log(`apt-get download ${pkg}`);
  execFileSync('apt-get', ['-o', 'APT::Sandbox::User=root', 'download', pkg], { cwd: debs, stdio: 'inherit' });
  const deb = readdirSync(debs).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  const root = join(debian, pkg);
  mkdirSync(root, { recursive: true });
  execFileSync('dpkg-deb', ['-x', join(debs, deb), root]);
  return findIn(root);
}

/**
 * What is measured: the three metrics, and icount at shift=4 (16 ns per
 * instruction) to see what a cheaper icount would cost and give.
 */
const ALL_VARIANTS = [
  ...BOOT_METRICS.map((m) => ({ name: m, metric: m, req: (r) => requestForMetric(r, m) })),
  {
    name: 'icount-shift4',
    metric: 'icount',
    req: (r) => requestForMetric({ ...r, extraQemuArgs: ['-icount', 'shift=4,sleep=off'] }, 'guest'),
  },
];
// KTRIM_BENCH_VARIANTS=host,guest: measure only those (e.g. the noisy ones again at a calmer moment)
const VARIANTS = process.env.KTRIM_BENCH_VARIANTS
  ? ALL_VARIANTS.filter((v) => process.env.KTRIM_BENCH_VARIANTS.split(',').includes(v.name))
  : ALL_VARIANTS;

/** One boot of a variant: the metric's value, both guest figures, and host seconds. */
async function bootOnce(kernel, initrd, v, deps) {
  const m = v.metric;
  const req = v.req({ kernel, initrd, smp: 1, memoryMb: 256, timeoutS: 900 });
  const t0 = performance.now();
  const r = await bootKernel(req, deps);
  const hostS = (performance.now() - t0) / 1000;
  if (r.ending !== 'marker') throw new Error(`${m} boot of ${kernel} ended with ${r.ending}: ${r.endingDetail}`);
  return {
    value: metricValueMs(r, m),
    uptimeMs: r.guest.initUptimeUs !== undefined ? r.guest.initUptimeUs / 1000 : undefined,
    printkMs: r.guest.runInitUs !== undefined ? r.guest.runInitUs / 1000 : undefined,
    hostInitMs: r.host.initMs,
    // qemu's CPU time at /init (boot lab, issue 11): a host-side figure less exposed to load
    cpuInitMs: r.host.cpuInitMs,
    hostS,
  };
}

async function measure(label, kernel, n, deps, initrd) {
  const boots = Object.fromEntries(VARIANTS.map((v) => [v.name, []]));
  for (let i = 0; i < n; i++) {
    // rotate the order each round: no variant always goes first after a pause
    const order = VARIANTS.map((_, k) => VARIANTS[(k + i) % VARIANTS.length]);
    for (const v of order) {
      const b = await bootOnce(kernel, initrd, v, deps);
      boots[v.name].push(b);
      console.log(
        `${label} round ${i + 1}/${n} ${v.name.padEnd(13)} ${b.value.toFixed(3)} ms (uptime ${b.uptimeMs} ms) host ${b.hostS.toFixed(1)} s, load ${loadavg()[0].toFixed(1)}`,
      );
    }
  }
  return { label, kernel, n, boots };
}

// ---------------------------------------------------------------- simulation --
function normal(rng) {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
const quantile = (xs, q) => {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(q * v.length))];
};
const medianOf = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

/** Run decideSaving to a decision SIMS times; boots per side and the share decided 'faster'. */
function simulate({ mean, sd, deterministic }, effect, seed) {
  const rng = prng(seed);
  const opts = { minEffectMs: MIN_EFFECT * mean, maxRuns: MAX_RUNS, deterministic };
  const draw = (mu) => mu + sd * normal(rng);
  const runs = [];
  let faster = 0;
  for (let s = 0; s < SIMS; s++) {
    const baseline = [];
    const trial = [];
    let d = decideSaving(baseline, trial, opts);
    while (d.kind === 'more') {
      baseline.push(draw(mean));
      trial.push(draw(mean * (1 - effect)));
      d = decideSaving(baseline, trial, opts);
    }
    runs.push(trial.length);
    if (d.kind === 'faster') faster++;
  }
  return { median: medianOf(runs), p90: quantile(runs, 0.9), faster: faster / SIMS };
}

function analyse(results) {
  const rows = [];
  for (const { label, boots: measured } of results) {
    // host-cpu from the host metric's boots when it had none of its own (raw files from before it was a metric)
    const cpu = (measured.host ?? []).filter((b) => b.cpuInitMs !== undefined);
    const boots =
      cpu.length && !measured['host-cpu'] ? { ...measured, 'host-cpu': cpu.map((b) => ({ ...b, value: b.cpuInitMs })) } : measured;
    Object.keys(boots).forEach((m, k) => {
      const xs = boots[m].map((b) => b.value);
      const s = summarize(xs);
      const hostS = summarize(boots[m].map((b) => b.hostS)).mean;
      // decided as the metric is used (icount: one boot per side), boots drawn with the measured sd
      const deterministic = metricSpec(ALL_VARIANTS.find((v) => v.name === m)?.metric ?? 'host').deterministic;
      const noise = { mean: s.mean, sd: s.sd ?? 0, deterministic };
      const at2 = simulate(noise, EFFECT, 1000 + k);
      const at0 = simulate(noise, 0, 2000 + k);
      const uptimes = boots[m].map((b) => b.uptimeMs).filter((x) => x !== undefined);
      rows.push({
        kernel: label,
        metric: m,
        n: s.n,
        mean: s.mean,
        sd: s.sd,
        cvPct: s.sd === null ? null : (100 * s.sd) / s.mean,
        min: s.min,
        max: s.max,
        uptimeSpread: uptimes.length ? [Math.min(...uptimes), Math.max(...uptimes)] : null,
        hostS,
        deterministic,
        identical: s.min === s.max,
        boots2pct: at2,
        falseKeep: at0.faster,
        falseReject: 1 - at2.faster,
        hostSPerDecision: 2 * at2.median * hostS,
      });
    });
  }
  return rows;
}

function table(rows) {
  const f = (x, d = 1) => (x === null || x === undefined ? '-' : x.toFixed(d));
  const lines = [
    '| kernel | metric | n | mean ms | sd ms | sd % | min–max ms | /proc/uptime min–max ms | host s/boot | boots/side at 2 % (median, p90) | false keep (0 %) | false reject (2 %) | host s/decision (median) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.kernel} | ${r.metric} | ${r.n} | ${f(r.mean)} | ${f(r.sd, 2)} | ${f(r.cvPct, 2)} | ${f(r.min)}–${f(r.max)} | ${r.uptimeSpread ? `${r.uptimeSpread[0]}–${r.uptimeSpread[1]}` : '-'} | ${f(r.hostS)} | ${r.boots2pct.median}, ${r.boots2pct.p90} | ${(100 * r.falseKeep).toFixed(1)} % | ${(100 * r.falseReject).toFixed(1)} % | ${f(r.hostSPerDecision, 0)} |`,
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------- main --
let results;
const simIdx = process.argv.indexOf('--simulate');
if (simIdx >= 0) {
  results = JSON.parse(readFileSync(process.argv[simIdx + 1], 'utf8')).results;
} else {
  const nTiny = Number(process.argv[2] ?? 5);
  const nBig = Number(process.argv[3] ?? 3);
  const t0 = performance.now();
  const started = new Date().toISOString();
  const loadBefore = execFileSync('uptime', { encoding: 'utf8' }).trim();
  const deps = defaultBootDeps();
  const initrd = (await buildInitramfs()).path;
  const tiny = await tinyKernelImage();
  const big = bigKernel();
  console.log(`${started}; ${cpus().length} CPUs; ${loadBefore}\ntiny ${tiny}\nbig ${big}`);
  results = [];
  if (nTiny > 0) results.push(await measure('tiny', tiny, nTiny, deps, initrd));
  if (nBig > 0) results.push(await measure(process.env.KTRIM_BENCH_BIG_LABEL ?? 'debian-6.1', big, nBig, deps, initrd));
  const loadAfter = execFileSync('uptime', { encoding: 'utf8' }).trim();
  const out = join(cacheRoot(), 'bench', `metric-${started.replace(/[:.]/g, '-')}.json`);
  mkdirSync(join(cacheRoot(), 'bench'), { recursive: true });
  writeFileSync(out, JSON.stringify({ started, loadBefore, loadAfter, results }, null, 1));
  console.log(`boots took ${((performance.now() - t0) / 60000).toFixed(1)} min; ${loadAfter}; raw figures in ${out}`);
}
const rows = analyse(results);
console.log(
  `\nsimulation: ${SIMS} runs per cell, Normal(mean, sd) boots, effect ${EFFECT * 100} %, minEffectMs ${MIN_EFFECT * 100} % of the mean, maxRuns ${MAX_RUNS}, alpha 0.05\n`,
);
console.log(table(rows));
