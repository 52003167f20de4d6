#!/usr/bin/env node
// Each non-interactive conf mode with ktrim's engine (runConfMode, tinyconfig)
// against `make <mode>` on the same tree in the same run (Debian's 6.1 and
// 6.12, ARCH=x86_64), output checked byte-identical. ktrim's time is the mode
// alone on a parsed tree (the parse is timed once per tree: the loop parses
// once and runs many modes); make's includes conf's own parse and compiler
// probes, as a user pays it. Also glibc's rand() vs GlibcRandom through gcc.
// Imports the built code: run `npx tsc -p tsconfig.build.json` first (`make bench` does).
// Usage: node bench/kconfig-modes.bench.mjs [make runs per mode]   (default 1)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadKernelKconfig } from '../dist/build/kconfig-host.js';
import { ensureDebianSource } from '../dist/build/source.js';
import { cacheRoot } from '../dist/cache.js';
import { parseDotConfig } from '../dist/kconfig/dotconfig.js';
import { runConfMode, tinyconfig } from '../dist/kconfig/conf.js';
import { GlibcRandom } from '../dist/kconfig/random.js';
import { createLogger } from '../dist/ui/log.js';

const MAKE_RUNS = Number(process.argv[2] ?? 1);
const ARCH = 'x86_64';
const SEED = '0x6b74';
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const logger = createLogger({ quiet: true });
const readCfg = (p) => parseDotConfig(readFileSync(p, 'utf8'), p, { strict: false });

// glibc's rand() through gcc, 100 seeds x 50 draws.
{
  const dir = join(cacheRoot(), 'bench', 'kconfig-modes');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'rand.c'),
    '#include <stdio.h>\n#include <stdlib.h>\nint main(void){unsigned s;while(scanf("%u",&s)==1){srand(s);for(int i=0;i<50;i++)printf("%d ",rand());printf("\\n");}return 0;}\n',
  );
  const cc = spawnSync('gcc', ['-O2', '-o', join(dir, 'rand'), join(dir, 'rand.c')]);
  if (cc.status !== 0) throw new Error('gcc failed');
  const seeds = Array.from({ length: 100 }, (_, i) => (i * 2654435761) >>> 0);
  const c = spawnSync(join(dir, 'rand'), { input: seeds.join('\n') + '\n' })
    .stdout.toString()
    .split('\n');
  const k = seeds.map((s) => {
    const g = new GlibcRandom(s);
    return Array.from({ length: 50 }, () => g.rand()).join(' ') + ' ';
  });
  const same = k.filter((l, i) => l === c[i]).length;
  console.log(`glibc rand(): ${same}/${seeds.length} seeds give the same 50 numbers as gcc's srand/rand`);
  if (same !== seeds.length) process.exitCode = 1;
}

for (const series of ['6.1', '6.12']) {
  const src = await ensureDebianSource(series, { logger });
  const out = join(cacheRoot(), 'bench', `kconfig-modes-${series}`);
  mkdirSync(out, { recursive: true });
  const make = (args, env = {}) => {
    const t0 = performance.now();
    const r = spawnSync('make', ['-s', '-C', src, `O=${out}`, `ARCH=${ARCH}`, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    if (r.status !== 0) throw new Error(`make ${args.join(' ')} failed (${r.status})`);
    return { ms: performance.now() - t0, stdout: r.stdout.toString() };
  };
  make(['allnoconfig']); // builds conf
  const t0 = performance.now();
  const tree = loadKernelKconfig({ srctree: src, arch: ARCH });
  const parseMs = performance.now() - t0;
  const debianDir = join(cacheRoot(), 'kconfig-parity', 'debian');
  const distro = existsSync(debianDir) ? readdirSync(debianDir).find((f) => f.startsWith(`config-${series}-`)) : undefined;
  const input = distro ? join(debianDir, distro) : null;
  const tinies = ['kernel/configs/tiny.config', 'arch/x86/configs/tiny.config'].map((f) => join(src, f)).filter(existsSync);
  const modes = [
    { name: 'allnoconfig', args: ['allnoconfig'], k: () => runConfMode(tree, 'allnoconfig').text },
    { name: 'allyesconfig', args: ['allyesconfig'], k: () => runConfMode(tree, 'allyesconfig').text },
    { name: 'allmodconfig', args: ['allmodconfig'], k: () => runConfMode(tree, 'allmodconfig').text },
    { name: 'alldefconfig', args: ['alldefconfig'], k: () => runConfMode(tree, 'alldefconfig').text },
    {
      name: `randconfig ${SEED}`,
      args: ['randconfig', `KCONFIG_SEED=${SEED}`],
      k: () => runConfMode(tree, 'randconfig', { seed: SEED }).text,
    },
    {
      name: 'defconfig',
      args: ['defconfig'],
      k: () => runConfMode(tree, 'defconfig', { input: readCfg(join(src, 'arch/x86/configs/x86_64_defconfig')) }).text,
    },
    {
      name: 'tinyconfig',
      args: ['tinyconfig'],
      k: () => tinyconfig(tree, readCfg(join(src, 'kernel/configs/tiny-base.config')), tinies.map(readCfg)).text,
    },
    ...(input
      ? [
          {
            name: 'savedefconfig (distro)',
            args: ['savedefconfig'],
            input,
            file: 'defconfig',
            k: () => runConfMode(tree, 'savedefconfig', { input: readCfg(input) }).text,
          },
          {
            name: 'listnewconfig (distro)',
            args: ['listnewconfig'],
            input,
            file: 'stdout',
            k: () => runConfMode(tree, 'listnewconfig', { input: readCfg(input) }).text,
          },
        ]
      : []),
  ];
  console.log(
    `\n${series} (${cpus().length} CPUs, load ${loadavg()[0].toFixed(1)}): ktrim parse ${Math.round(parseMs)} ms, then per mode:`,
  );
  console.log('| mode | make <mode> (median of ' + MAKE_RUNS + ') | ktrim mode | ratio | output |');
  console.log('|---|---|---|---|---|');
  for (const m of modes) {
    const times = [];
    let cText = '';
    for (let i = 0; i < MAKE_RUNS; i++) {
      rmSync(join(out, 'defconfig'), { force: true });
      if (m.input) copyFileSync(m.input, join(out, '.config'));
      const r = make(m.args);
      times.push(r.ms);
      cText =
        m.file === 'stdout'
          ? r.stdout
              .split('\n')
              .filter((l) => l.startsWith('CONFIG_'))
              .map((l) => l + '\n')
              .join('')
          : readFileSync(join(out, m.file ?? '.config'), 'utf8');
    }
    const kt = [];
    let kText = '';
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      kText = m.k();
      kt.push(performance.now() - t);
    }
    const c = median(times);
    const k = median(kt);
    const same = cText === kText;
    if (!same) process.exitCode = 1;
    console.log(
      `| ${m.name} | ${Math.round(c)} ms | ${Math.round(k)} ms | ${(c / k).toFixed(1)}x | ${same ? 'byte-identical' : 'DIFFERS'} |`,
    );
  }
}
