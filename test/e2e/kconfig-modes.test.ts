// Every non-interactive mode of scripts/kconfig/conf, ktrim against the C
// tool, byte for byte, on Debian's linux-source-6.1 and 6.12 (ARCH=x86_64,
// and plain `make` = ARCH=x86 for randconfig): allnoconfig, allyesconfig,
// allmodconfig, alldefconfig, tinyconfig, defconfig; randconfig on 20+
// seeds (KCONFIG_SEED, KCONFIG_PROBABILITY); savedefconfig, listnewconfig
// and `defconfig FILE` on every olddefconfig parity input; KCONFIG_ALLCONFIG;
// the error messages conf prints. The C outputs are cached next to the
// parity inputs (they only depend on the tree and the input); ktrim runs
// every time. Also glibc's rand() against ktrim's, through gcc.
import { describe, it, expect, beforeAll } from '@jest/globals';
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import pLimit from 'p-limit';
import { ensureDebianSource } from '../../src/build/source.js';
import { loadKernelKconfig } from '../../src/build/kconfig-host.js';
import { parseDotConfig, type DotConfig } from '../../src/kconfig/dotconfig.js';
import { runConfMode, tinyconfig, type ConfMode, type ConfOptions } from '../../src/kconfig/conf.js';
import { GlibcRandom } from '../../src/kconfig/random.js';
import type { KconfigTree } from '../../src/kconfig/symbol.js';
import { createLogger } from '../../src/ui/log.js';
import {
  compareOutputs,
  makeInSlot,
  parityTree,
  prepareArchInputs,
  prepareParityInputs,
  withSlot,
  type ParityInput,
  type ParityTree,
} from './helpers/parity.js';

const logger = createLogger({ quiet: !process.env.KTRIM_TEST_VERBOSE });
const SERIES = [
  ['6.1', '6.12'],
  ['6.12', '6.1'],
] as const;
/** Seeds for the KCONFIG_PROBABILITY and KCONFIG_ALLCONFIG randconfigs (the plain ones reuse the parity inputs' 24 seeds). */
const SEEDS = [0x4b6d, 0x4b6d + 104729, 0x4b6d + 2 * 104729, 0x4b6d + 3 * 104729];
const PROBABILITIES: [number, string][] = [
  [SEEDS[0], '10'],
  [SEEDS[1], '20:30'],
  [SEEDS[2], '90:5:80'],
];

interface Setup {
  src: string;
  tree: ParityTree;
  inputs: ParityInput[];
  ktree: KconfigTree;
}
const setups = new Map<string, Setup>();

beforeAll(async () => {
  for (const [series, other] of SERIES) {
    const src = await ensureDebianSource(series, { logger });
    const tree = parityTree(series, src);
    const inputs = await prepareParityInputs(tree, other, { logger });
    setups.set(series, { src, tree, inputs, ktree: loadKernelKconfig({ srctree: src, arch: 'x86_64' }) });
  }
}, 40 * 60_000);

interface Case {
  mode: ConfMode | 'tinyconfig';
  name: string;
  /** The C tool's output (cached). */
  c: () => Promise<string>;
  /** ktrim's output, and what it printed on stdout. */
  ktrim: () => { text: string; stdout?: string };
  /** What C printed on stdout that ktrim must print too. */
  cStdout?: () => Promise<string>;
}

type Extract = '.config' | 'defconfig' | 'listnewconfig' | 'seed';
const cachePath = (tree: ParityTree, key: string) => join(tree.dir, 'modes', tree.arch || 'plain', `${key}.out`);

const limit = pLimit(2);
const freeSlots = [0, 1];
/** One make run per set of outputs, however many cases ask for them. */
const running = new Map<string, Promise<Record<string, string>>>();
/**
 * Run `make <args>` once in a free parity slot (its own O= directory) and
 * keep what `outputs` asks for, each cached as `modes/<arch>/<key>.out`;
 * when every output is cached, make does not run.
 */
async function cMake(
  tree: ParityTree,
  outputs: Record<string, Extract>,
  args: string[],
  opts: { input?: string; env?: Record<string, string> } = {},
): Promise<Record<string, string>> {
  const keys = Object.keys(outputs);
  const have = async () =>
    Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await readFile(cachePath(tree, k), 'utf8')] as const)));
  if (keys.every((k) => existsSync(cachePath(tree, k)))) return have();
  const id = keys.map((k) => cachePath(tree, k)).join('\0');
  const pending = running.get(id);
  if (pending) return pending;
  const run = limit(async () => {
    const slot = freeSlots.shift()!;
    try {
      await withSlot(tree, slot, async () => {
        const out = join(tree.dir, `tool-${slot}`);
        await rm(join(out, 'defconfig'), { force: true });
        if (opts.input) await copyFile(opts.input, join(out, '.config'));
        const lines: string[] = [];
        await makeInSlot(tree, slot, args, logger, opts.env, lines);
        for (const [key, what] of Object.entries(outputs)) {
          let text: string;
          if (what === 'listnewconfig')
            text = lines
              .filter((l) => /^CONFIG_[A-Za-z0-9_]+=/.test(l))
              .map((l) => l + '\n')
              .join('');
          else if (what === 'seed')
            text = lines
              .filter((l) => l.startsWith('KCONFIG_SEED='))
              .map((l) => l + '\n')
              .join('');
          else text = await readFile(join(out, what), 'utf8');
          const path = cachePath(tree, key);
          await mkdir(join(path, '..'), { recursive: true });
          await writeFile(`${path}.tmp-${process.pid}`, text);
          await rename(`${path}.tmp-${process.pid}`, path);
        }
      });
    } finally {
      freeSlots.push(slot);
    }
    return have();
  });
  running.set(id, run);
  return run;
}

/** One output of one make run. */
const cRun = async (
  tree: ParityTree,
  key: string,
  args: string[],
  opts: { input?: string; env?: Record<string, string>; output?: Extract } = {},
) => (await cMake(tree, { [key]: opts.output ?? '.config' }, args, opts))[key];

const readConfig = async (path: string): Promise<DotConfig> => parseDotConfig(await readFile(path, 'utf8'), path, { strict: false });

/** KBUILD_DEFCONFIG that makes `make defconfig` run `conf --defconfig=<abs>` (the Makefile prefixes arch/$SRCARCH/configs/). */
const defconfigArg = (tree: ParityTree, abs: string) => `KBUILD_DEFCONFIG=${relative(join(tree.srctree, 'arch/x86/configs'), abs)}`;

interface Outcome {
  line: string;
  identical: boolean;
  compared: number;
  differing: number;
}

async function check(series: string, c: Case): Promise<Outcome> {
  const cText = await c.c();
  const t0 = Date.now();
  const k = c.ktrim();
  const ms = Date.now() - t0;
  const cmp = compareOutputs(cText, k.text);
  let identical = cmp.bytesIdentical;
  let extra = '';
  if (c.cStdout) {
    const want = await c.cStdout();
    if (want !== k.stdout) {
      identical = false;
      extra = `, stdout differs (C ${JSON.stringify(want)}, ktrim ${JSON.stringify(k.stdout)})`;
    }
  }
  const bytes = cmp.bytesIdentical ? 'bytes identical' : `bytes differ from line ${cmp.firstDifferentLine}`;
  const sample = cmp.differing
    .slice(0, 3)
    .map((d) => (d.op === '->' ? `${d.name} ${d.before} -> ${d.after}` : `${d.op}${d.name}`))
    .join(', ');
  return {
    line: `${series} ${c.mode} ${c.name}: ${cmp.compared} compared, ${cmp.differing.length} differing, ${bytes}${extra} (ktrim ${ms} ms)${sample ? ` e.g. ${sample}` : ''}`,
    identical,
    compared: cmp.compared,
    differing: cmp.differing.length,
  };
}

async function runCases(series: string, title: string, cases: Case[]): Promise<Outcome[]> {
  // C side first, in two parallel slots (cached after the first run); ktrim after, one at a time.
  await Promise.all(cases.map((c) => c.c()));
  const out: Outcome[] = [];
  for (const c of cases) out.push(await check(series, c));
  const byMode = new Map<string, Outcome[]>();
  for (const [i, o] of out.entries()) byMode.set(cases[i].mode, [...(byMode.get(cases[i].mode) ?? []), o]);
  const totals = [...byMode].map(([m, os]) => `${m}: ${os.length} compared, ${os.filter((o) => !o.identical).length} differing`).join('; ');
  process.stdout.write(`kconfig modes ${series} ${title}:\n  ${out.map((o) => o.line).join('\n  ')}\n  total: ${totals}\n`);
  return out;
}

const k =
  (tree: KconfigTree, mode: ConfMode, opts: ConfOptions = {}) =>
  () => {
    const r = runConfMode(tree, mode, opts);
    return { text: r.text, stdout: r.stdout };
  };

describe('conf modes, byte-exact with scripts/kconfig/conf', () => {
  for (const [series] of SERIES) {
    it(
      `${series}: allnoconfig, allyesconfig, allmodconfig, alldefconfig, tinyconfig, defconfig, KCONFIG_ALLCONFIG`,
      async () => {
        const { src, tree, inputs, ktree } = setups.get(series)!;
        const input = (n: string) => inputs.find((i) => i.name === n)!.path;
        const tinyFragments = ['kernel/configs/tiny.config', 'arch/x86/configs/tiny.config'].map((f) => join(src, f)).filter(existsSync);
        const [tinyBase, kvmGuest, x86Tiny, ...tinies] = await Promise.all(
          [
            join(src, 'kernel/configs/tiny-base.config'),
            join(src, 'kernel/configs/kvm_guest.config'),
            join(src, 'arch/x86/configs/tiny.config'),
            ...tinyFragments,
          ].map(readConfig),
        );
        const cases: Case[] = [
          // The parity inputs of these names were made by `make <mode>` itself.
          { mode: 'allnoconfig', name: '-', c: () => readFile(input('allnoconfig'), 'utf8'), ktrim: k(ktree, 'allnoconfig') },
          ...(['allyesconfig', 'allmodconfig', 'alldefconfig'] as const).map((m): Case => ({
            mode: m,
            name: '-',
            c: () => cRun(tree, m, [m]),
            ktrim: k(ktree, m),
          })),
          {
            mode: 'tinyconfig',
            name: '-',
            c: () => readFile(input('tinyconfig'), 'utf8'),
            ktrim: () => ({ text: tinyconfig(ktree, tinyBase, tinies).text }),
          },
          {
            mode: 'defconfig',
            name: 'x86_64_defconfig',
            c: () => readFile(input('defconfig'), 'utf8'),
            ktrim: k(ktree, 'defconfig', {
              input: parseDotConfig(readFileSync(join(src, 'arch/x86/configs/x86_64_defconfig'), 'utf8'), 'x86_64_defconfig', {
                strict: false,
              }),
            }),
          },
          // KCONFIG_ALLCONFIG: a fragment on top of every all* mode and randconfig.
          {
            mode: 'allmodconfig',
            name: 'KCONFIG_ALLCONFIG=kvm_guest.config',
            c: () =>
              cRun(tree, 'allmodconfig+kvm_guest', ['allmodconfig'], {
                env: { KCONFIG_ALLCONFIG: join(src, 'kernel/configs/kvm_guest.config') },
              }),
            ktrim: k(ktree, 'allmodconfig', { allconfig: kvmGuest }),
          },
          {
            mode: 'allyesconfig',
            name: 'KCONFIG_ALLCONFIG=tiny-base.config',
            c: () =>
              cRun(tree, 'allyesconfig+tiny-base', ['allyesconfig'], {
                env: { KCONFIG_ALLCONFIG: join(src, 'kernel/configs/tiny-base.config') },
              }),
            ktrim: k(ktree, 'allyesconfig', { allconfig: tinyBase }),
          },
          {
            mode: 'alldefconfig',
            name: 'KCONFIG_ALLCONFIG=arch/x86/configs/tiny.config',
            c: () =>
              cRun(tree, 'alldefconfig+x86-tiny', ['alldefconfig'], {
                env: { KCONFIG_ALLCONFIG: join(src, 'arch/x86/configs/tiny.config') },
              }),
            ktrim: k(ktree, 'alldefconfig', { allconfig: x86Tiny }),
          },
          {
            mode: 'randconfig',
            name: `KCONFIG_ALLCONFIG=arch/x86/configs/tiny.config seed 0x${SEEDS[3].toString(16)}`,
            c: () =>
              cRun(tree, `randconfig+x86-tiny-${SEEDS[3].toString(16)}`, ['randconfig', `KCONFIG_SEED=0x${SEEDS[3].toString(16)}`], {
                env: { KCONFIG_ALLCONFIG: join(src, 'arch/x86/configs/tiny.config') },
              }),
            ktrim: k(ktree, 'randconfig', { seed: `0x${SEEDS[3].toString(16)}`, allconfig: x86Tiny }),
          },
        ];
        const out = await runCases(series, 'input-less modes', cases);
        expect(out.filter((o) => !o.identical).map((o) => o.line)).toEqual([]);
        expect(out.reduce((s, o) => s + o.compared, 0)).toBeGreaterThan(40_000);
      },
      30 * 60_000,
    );

    it(
      `${series}: randconfig on every parity seed (ARCH=x86_64) and KCONFIG_PROBABILITY, same output for the same seed`,
      async () => {
        const { tree, inputs, ktree } = setups.get(series)!;
        const hex = (s: number) => `0x${s.toString(16)}`;
        const cProb = async (s: number, p: string) => {
          const key = `randconfig-${s.toString(16)}-p${p.replace(/:/g, '_')}`;
          const r = await cMake(tree, { [key]: '.config', [`${key}.stdout`]: 'seed' }, ['randconfig', `KCONFIG_SEED=${hex(s)}`], {
            env: { KCONFIG_PROBABILITY: p },
          });
          return { config: r[key], seed: r[`${key}.stdout`] };
        };
        const cases: Case[] = [
          // The olddefconfig parity inputs of kind randconfig are `make randconfig KCONFIG_SEED=…` outputs.
          ...inputs
            .filter((i) => i.kind === 'randconfig')
            .map((i): Case => {
              const seed = `0x${i.name.slice('randconfig-'.length)}`;
              return {
                mode: 'randconfig',
                name: `KCONFIG_SEED=${seed}`,
                c: () => readFile(i.path, 'utf8'),
                ktrim: k(ktree, 'randconfig', { seed }),
              };
            }),
          ...PROBABILITIES.map(([s, p]): Case => ({
            mode: 'randconfig',
            name: `KCONFIG_SEED=${hex(s)} KCONFIG_PROBABILITY=${p}`,
            c: async () => (await cProb(s, p)).config,
            ktrim: k(ktree, 'randconfig', { seed: hex(s), probability: p }),
            cStdout: async () => (await cProb(s, p)).seed,
          })),
        ];
        const out = await runCases(series, 'randconfig', cases);
        expect(out.filter((o) => !o.identical).map((o) => o.line)).toEqual([]);
        expect(out.length).toBeGreaterThanOrEqual(23);
      },
      30 * 60_000,
    );

    it(
      `${series}: randconfig as plain make does it (ARCH=x86: 32- and 64-bit)`,
      async () => {
        const { src, tree } = setups.get(series)!;
        const ktree = loadKernelKconfig({ srctree: src, arch: 'x86' });
        // `make randconfig KCONFIG_SEED=…` without ARCH=, made for the olddefconfig ARCH parity test (cached).
        const plain = (await prepareArchInputs(tree, { logger })).filter((i) => i.name.startsWith('plain-randconfig-'));
        const cases = plain.map((i): Case => {
          const seed = `0x${i.name.slice('plain-randconfig-'.length)}`;
          return {
            mode: 'randconfig',
            name: `ARCH=x86 KCONFIG_SEED=${seed}`,
            c: () => readFile(i.path, 'utf8'),
            ktrim: k(ktree, 'randconfig', { seed }),
          };
        });
        const out = await runCases(series, 'randconfig, plain make (ARCH=x86)', cases);
        expect(out.filter((o) => !o.identical).map((o) => o.line)).toEqual([]);
        // Both word sizes among them, or the test would not be testing ARCH.
        const texts = await Promise.all(cases.map((c) => c.c()));
        expect(texts.some((t) => t.includes('# CONFIG_64BIT is not set'))).toBe(true);
        expect(texts.some((t) => t.includes('CONFIG_64BIT=y'))).toBe(true);
      },
      30 * 60_000,
    );

    it(
      `${series}: savedefconfig, listnewconfig and defconfig FILE on every olddefconfig parity input`,
      async () => {
        const { tree, inputs, ktree } = setups.get(series)!;
        // Inputs conf reads with warnings ktrim refuses (a line that is not a config line) are read leniently here, as conf does.
        const cfg = new Map(await Promise.all(inputs.map(async (i) => [i.name, await readConfig(i.path)] as const)));
        // Neither target changes .config: one make run gives both.
        const both = (i: ParityInput) =>
          cMake(
            tree,
            { [`savedefconfig-${i.name}`]: 'defconfig', [`listnewconfig-${i.name}`]: 'listnewconfig' },
            ['savedefconfig', 'listnewconfig'],
            { input: i.path },
          );
        const cases: Case[] = inputs.flatMap((i): Case[] => [
          {
            mode: 'savedefconfig',
            name: i.name,
            c: async () => (await both(i))[`savedefconfig-${i.name}`],
            ktrim: k(ktree, 'savedefconfig', { input: cfg.get(i.name)! }),
          },
          {
            mode: 'listnewconfig',
            name: i.name,
            c: async () => (await both(i))[`listnewconfig-${i.name}`],
            ktrim: k(ktree, 'listnewconfig', { input: cfg.get(i.name)! }),
          },
          {
            mode: 'defconfig',
            name: i.name,
            c: () => cRun(tree, `defconfig-${i.name}`, ['defconfig', defconfigArg(tree, i.path)]),
            ktrim: k(ktree, 'defconfig', { input: cfg.get(i.name)! }),
          },
        ]);
        const out = await runCases(series, 'modes with an input', cases);
        expect(inputs.length).toBeGreaterThanOrEqual(30);
        expect(out.filter((o) => !o.identical).map((o) => o.line)).toEqual([]);
        // Real outputs: the distro config's savedefconfig keeps thousands of lines, halving it leaves ~2000 new symbols.
        expect(out.find((o) => o.line.startsWith(`${series} savedefconfig debian-${series}:`))!.compared).toBeGreaterThan(1000);
        expect(out.find((o) => o.line.startsWith(`${series} listnewconfig derived-debian-${series}-halved:`))!.compared).toBeGreaterThan(
          1000,
        );
      },
      40 * 60_000,
    );
  }
});

/** Our environment without what would steer make or Kconfig (make test runs us under make). */
function quietEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^KCONFIG_|^KBUILD_|^(ARCH|SRCARCH|CROSS_COMPILE|LLVM|CC|LD|O|MAKEFLAGS|MFLAGS|MAKELEVEL)$/.test(k)) env[k] = v;
  }
  return env;
}

describe('errors as conf prints them, through the CLI', () => {
  it(
    'KCONFIG_ALLCONFIG missing, no allno.config/all.config, KCONFIG_PROBABILITY out of range, defconfig FILE missing',
    async () => {
      const { src, tree } = setups.get('6.1')!;
      const tmp = join(tree.dir, 'modes', 'errors');
      await mkdir(tmp, { recursive: true });
      const cases: { args: string[]; env: Record<string, string>; what: string }[] = [
        { args: ['allnoconfig'], env: { KCONFIG_ALLCONFIG: '/nonexistent/seed.config' }, what: `Can't read seed configuration` },
        { args: ['allnoconfig'], env: { KCONFIG_ALLCONFIG: '1' }, what: 'KCONFIG_ALLCONFIG set, but no' },
        { args: ['randconfig'], env: { KCONFIG_PROBABILITY: '150', KCONFIG_SEED: '1' }, what: 'KCONFIG_PROBABILITY' },
        { args: ['defconfig', defconfigArg(tree, '/nonexistent/x_defconfig')], env: {}, what: `Can't find default configuration` },
      ];
      for (const c of cases) {
        const out = join(tree.dir, 'tool-0');
        const make = await withSlot(tree, 0, () =>
          execa('make', ['-s', '-C', src, `O=${out}`, 'ARCH=x86_64', ...c.args], {
            reject: false,
            cwd: tmp,
            env: { ...quietEnv(), ...c.env },
            extendEnv: false,
            stripFinalNewline: false,
          }),
        );
        expect(make.exitCode).not.toBe(0);
        let cLine = make.stderr.split('\n').find((l) => l.includes(c.what));
        expect(cLine).toBeDefined();
        const modeArgs = c.args[0] === 'defconfig' ? ['defconfig', '/nonexistent/x_defconfig'] : c.args;
        // make hands conf arch/x86/configs/<KBUILD_DEFCONFIG>; ktrim is given the file itself.
        if (c.args[0] === 'defconfig') cLine = cLine!.replace(/"[^"]*"/, '"/nonexistent/x_defconfig"');
        const r = await execa(
          'node',
          [join(process.cwd(), 'bin/ktrim'), 'kconfig', ...modeArgs, '--source', src, '--arch', 'x86_64', '-o', join(tmp, 'out.config')],
          {
            reject: false,
            cwd: tmp,
            env: { ...quietEnv(), ...c.env, NO_COLOR: '1' },
            extendEnv: false,
          },
        );
        expect(r.exitCode).toBe(1);
        const eLines = r.stderr.split('\n').filter((l) => l.startsWith('E:'));
        expect(eLines).toHaveLength(1);
        expect(eLines[0]).toContain(cLine!.trim());
      }
    },
    10 * 60_000,
  );
});

describe('glibc rand() through gcc', () => {
  it("GlibcRandom gives glibc's numbers for 200 seeds (KCONFIG_SEED values conf would take)", async () => {
    const dir = join(setups.get('6.1')!.tree.dir, 'modes');
    await mkdir(dir, { recursive: true });
    const c = join(dir, `rand-${process.pid}.c`);
    await writeFile(
      c,
      '#include <stdio.h>\n#include <stdlib.h>\nint main(void){unsigned s;while(scanf("%u",&s)==1){srand(s);printf("%u",s);for(int i=0;i<20;i++)printf(" %d",rand());printf("\\n");}return 0;}\n',
    );
    await execa('gcc', ['-O2', '-o', `${c}.bin`, c]);
    const r = new GlibcRandom(1);
    const seeds = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, ...Array.from({ length: 195 }, () => (r.rand() * 2 + (r.rand() & 1)) >>> 0)];
    const got = await execa(`${c}.bin`, { input: seeds.join('\n') + '\n' });
    const want = seeds.map((s) => {
      const g = new GlibcRandom(s);
      return `${s} ${Array.from({ length: 20 }, () => g.rand()).join(' ')}`;
    });
    expect(got.stdout.split('\n')).toEqual(want);
    await rm(c, { force: true });
    await rm(`${c}.bin`, { force: true });
  }, 120_000);
});
