#!/usr/bin/env node
// A long capture (issue 7 §5): 2,000 boots, ~200 MB, one after the other as
// `journalctl -k` without -b or a serial log of a reboot loop gives them.
// `ktrim report` must read it in linear time and bounded memory (it streams
// the file and keeps one boot besides the best so far). Measures wall time
// and peak RSS of `node bin/ktrim report BIG --json` through /usr/bin/time,
// against `wc -l BIG` in the same run (the baseline: a tool that only scans
// lines), and the same report on a capture of half the boots (linearity:
// time ratio ≈ 2). Run `npx tsc -p tsconfig.build.json` first.
// Goals: < 300 MB peak RSS, ≥ 1 M lines/s.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const BOOTS = Number(process.env.BENCH_BOOTS ?? 2000);
const RSS_GOAL_MB = 300;
const RATE_GOAL = 1_000_000;
const B = 'test/fixtures/boots';

/** One boot per real log: the dmesg dump when the capture has one (markers dropped), else the whole log. */
function bootsOf(file) {
  const text = readFileSync(join(B, file), 'utf8');
  const begin = /KTRIM-DMESG-BEGIN\r?\n/.exec(text);
  const end = text.indexOf('KTRIM-DMESG-END');
  const body = begin ? text.slice(begin.index + begin[0].length, end < 0 ? text.length : end) : text;
  if (body.includes('KTRIM-')) throw new Error(`${file}: markers left in the boot`);
  return body.endsWith('\n') ? body : body + '\n';
}
const SOURCES = [
  'debian-6.1-qemu-1.log',
  'debian-6.1-qemu-2.log',
  'debian-6.1-qemu-3.log',
  'debian-6.1-smp2.log',
  'debian-6.1-dmesg-raw.log',
  'debian-6.1-journal.log',
  'debian-6.12-qemu-1.log',
  'debian-6.1-modules.log',
].map(bootsOf);

function writeCapture(path, boots) {
  const fd = openSync(path, 'w');
  let lines = 0;
  for (let i = 0; i < boots; i++) {
    const t = SOURCES[i % SOURCES.length];
    writeSync(fd, t);
    lines += t.split('\n').length - 1;
  }
  closeSync(fd);
  return lines;
}

/** Wall seconds, peak RSS (MB) and CPU seconds (user + sys) of a command, from GNU time. */
function measure(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', 'KTRIM-TIME %e %M %U %S', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const m = /KTRIM-TIME (\S+) (\d+) (\S+) (\S+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { s: Number(m[1]), rssMb: Number(m[2]) / 1024, cpu: Number(m[3]) + Number(m[4]), stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'ktrim-bigcap-'));
try {
  const big = join(dir, `capture-${BOOTS}.log`);
  const half = join(dir, `capture-${BOOTS / 2}.log`);
  const lines = writeCapture(big, BOOTS);
  const halfLines = writeCapture(half, BOOTS / 2);
  const mb = statSync(big).size / 1e6;
  const load0 = loadavg()[0];
  const wc = measure('wc', ['-l', big]);
  const full = measure(process.execPath, ['bin/ktrim', 'report', big, '--json', '--top', '10']);
  const halfRun = measure(process.execPath, ['bin/ktrim', 'report', half, '--json', '--top', '10']);
  const floor = measure(process.execPath, ['bin/ktrim', '--version']);
  const load1 = loadavg()[0];
  const doc = JSON.parse(full.stdout);
  if (doc.report.boots[0].initcalls < 600) throw new Error('the report lost the boot');
  if (!(doc.report.boots[0].warnings >= 1)) throw new Error('no several-boots warning');
  const rate = lines / (full.s - floor.s);
  // On a shared machine wall time mostly measures the other jobs: CPU time is the fairer figure.
  const cpuRate = lines / (full.cpu - floor.cpu);
  // The cost of the second half alone: reading and parsing, without node, module loading and rendering.
  const marginal = (lines - halfLines) / (full.cpu - halfRun.cpu);
  const f = (x) => Math.round(x).toLocaleString('en-US');
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}; load average ${load0.toFixed(1)} → ${load1.toFixed(1)}`,
  );
  console.log(`capture:  ${BOOTS} boots, ${f(lines)} lines, ${mb.toFixed(0)} MB (half: ${f(halfLines)} lines)`);
  const row = (name, m) => `${name.padEnd(9)} ${m.s.toFixed(2)} s wall, ${m.cpu.toFixed(2)} s CPU, ${m.rssMb.toFixed(0)} MB peak RSS`;
  console.log(row('wc -l:', wc) + ' (baseline)');
  console.log(row('report:', full) + `; ${(full.cpu / wc.cpu).toFixed(1)} × wc's CPU time`);
  console.log(
    row('half:', halfRun) + `; full/half CPU ratio ${((full.cpu - floor.cpu) / (halfRun.cpu - floor.cpu)).toFixed(2)} (linear: 2)`,
  );
  console.log(row('floor:', floor) + ' (ktrim --version: node and module loading)');
  console.log(`rate:     ${f(cpuRate)} lines per CPU second, ${f(rate)} lines per wall second (report minus the floor)`);
  console.log(`marginal: ${f(marginal)} lines per CPU second (the second half of the boots: read + parse only)`);
  console.log(
    `goals:    peak RSS < ${RSS_GOAL_MB} MB: ${full.rssMb < RSS_GOAL_MB ? 'met' : 'NOT met'}; ≥ ${f(RATE_GOAL)} lines/CPU s: ${cpuRate >= RATE_GOAL ? 'met' : 'NOT met'} (whole run), ${marginal >= RATE_GOAL ? 'met' : 'NOT met'} (marginal)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
