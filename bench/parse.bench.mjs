#!/usr/bin/env node
// Parse throughput (issue §6): parseBootLog on a 100k-line capture built from
// the real fixtures, against `grep -c calling` on the same file in the same
// run (the baseline: a tool that only scans lines). Then a 20-log report
// (parse + rank + text), against `grep -c calling` over the same 20 files.
// Imports the built code: run `npx tsc -p tsconfig.build.json` first
// (`make bench` does). Goal: ≥ 1 M lines/s.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseBootLog } from '../dist/initcall/parse.js';
import { rankBoots } from '../dist/initcall/rank.js';
import { renderText } from '../dist/report/text.js';

const TARGET_LINES = 100_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const GOAL_LINES_PER_S = 1_000_000;
const FIXTURES = [1, 2, 3].map((i) => `test/fixtures/boots/debian-6.1-qemu-${i}.log`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** CPU time (ms) of this process per run, collected by time(): on a shared machine wall time mostly measures the other jobs. */
const cpuMs = new Map();

/** Median wall time (ms) of fn over RUNS runs, after one warm-up run; its median CPU time goes to cpuMs. */
function time(fn) {
  fn();
  const ms = [];
  const cpu = [];
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  cpuMs.set(fn, median(cpu));
  return median(ms);
}

const grepCount = (files) => {
  try {
    return execFileSync('grep', ['-c', 'calling', ...files], { encoding: 'utf8' });
  } catch (err) {
    if (err.status === 1) return err.stdout; // no match is not an error here
    throw err;
  }
};

/**
 * The capture's text. Built in a function so that its 100k line strings are
 * garbage before the timing starts: held in the bench's heap, every major GC
 * during a parse marked them too, which no `ktrim report` process does.
 */
function captureText() {
  const sources = FIXTURES.map((f) => readFileSync(f, 'utf8').replace(/\n$/, '').split('\n'));
  const lines = [];
  for (let i = 0; lines.length < TARGET_LINES; i++) {
    const src = sources[i % sources.length];
    lines.push(...src.filter((l) => !l.includes('KTRIM-DMESG-') && (i === 0 || !l.includes('Linux version '))));
  }
  lines.length = TARGET_LINES;
  return lines.join('\n') + '\n';
}

const dir = mkdtempSync(join(tmpdir(), 'ktrim-bench-'));
try {
  // A 100k-line capture: the three real boots one after the other, repeated.
  // The parser reads only the dmesg dump between KTRIM-DMESG-BEGIN/END markers
  // when there is one, and cuts a multi-boot capture into boots and parses the
  // richest one only: either would measure a scan, not parsing. So the markers
  // go, and only the first copy keeps its `Linux version` line: every line is parsed.
  const big = join(dir, 'capture-100k.log');
  const text = captureText();
  writeFileSync(big, text);

  let parsed;
  const parseFn = () => {
    parsed = parseBootLog(text, { source: big });
  };
  const parseMs = time(parseFn);
  const parseCpuRate = TARGET_LINES / (cpuMs.get(parseFn) / 1000);
  const grepMs = time(() => grepCount([big]));
  const parseRate = TARGET_LINES / (parseMs / 1000);
  const grepRate = TARGET_LINES / (grepMs / 1000);

  // 20 logs of one kernel: the three fixtures copied round-robin.
  const logs = Array.from({ length: 20 }, (_, i) => {
    const p = join(dir, `boot-${String(i + 1).padStart(2, '0')}.log`);
    writeFileSync(p, readFileSync(FIXTURES[i % FIXTURES.length]));
    return p;
  });
  const logLines = logs.reduce((t, p) => t + readFileSync(p, 'utf8').split('\n').length - 1, 0);
  let out = '';
  const reportMs = time(() => {
    const boots = logs.map((p) => parseBootLog(readFileSync(p, 'utf8'), { source: p }));
    out = renderText(rankBoots(boots), { top: 25 });
  });
  const grep20Ms = time(() => grepCount(logs));
  // The same 20 logs through the built CLI, as a user runs it (node start included).
  const cliMs = time(() =>
    execFileSync(process.execPath, ['bin/ktrim', 'report', ...logs, '--top', '25'], { stdio: ['ignore', 'ignore', 'inherit'] }),
  );

  const f = (x) => Math.round(x).toLocaleString('en-US');
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`machine: ${cpus().length} × ${cpu}, node ${process.version}; median of ${RUNS} runs`);
  console.log(`capture: ${f(TARGET_LINES)} lines, ${(text.length / 1e6).toFixed(1)} MB, ${f(parsed.initcalls.length)} initcalls parsed`);
  console.log(
    `load:     ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} (1/5/15 min)`,
  );
  console.log(
    `parse:    ${parseMs.toFixed(1)} ms  ${f(parseRate)} lines/s; CPU ${cpuMs.get(parseFn).toFixed(1)} ms  ${f(parseCpuRate)} lines per CPU second`,
  );
  console.log(`grep -c:  ${grepMs.toFixed(1)} ms  ${f(grepRate)} lines/s (baseline, includes process start)`);
  console.log(`ratio:    parse is ${(parseRate / grepRate).toFixed(2)} × grep's speed`);
  console.log(
    `goal:     ≥ ${f(GOAL_LINES_PER_S)} lines/s: ${parseRate >= GOAL_LINES_PER_S ? 'met' : 'NOT met'} (wall), ${parseCpuRate >= GOAL_LINES_PER_S ? 'met' : 'NOT met'} (CPU)`,
  );
  console.log(
    `report:   20 logs, ${f(logLines)} lines: ${reportMs.toFixed(1)} ms (read + parse + rank + text), grep -c: ${grep20Ms.toFixed(1)} ms, ratio ${(reportMs / grep20Ms).toFixed(1)} × grep's time`,
  );
  console.log(`cli:      node bin/ktrim report <20 logs> --top 25: ${cliMs.toFixed(1)} ms`);
  if (!out.includes('crypto_algapi_init')) throw new Error('the 20-log report lost its top initcall');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
