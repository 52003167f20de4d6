/**
 * Parity between ktrim's Kconfig engine and the kernel's C tool
 * (`scripts/kconfig/conf --olddefconfig`), on real inputs made by the real
 * C tool: allnoconfig, tinyconfig, defconfig, defconfig + kvm_guest.config,
 * Debian's distro config of this version and of the other version, and
 * randconfigs with fixed KCONFIG_SEEDs.
 *
 * Inputs are generated once per source tree and cached under
 * `$KTRIM_CACHE/kconfig-parity/<tree>/inputs/`; the C olddefconfig runs for
 * real (`make O=<cache>/kconfig-parity/<tree>/tool-<slot>`), never in the
 * source tree: every time for the main parity inputs, once per source id,
 * input, ARCH and toolchain for callers that ask for the cache (the ARCH
 * checks: cachedCOlddefconfig). ktrim's side is an adapter passed in, so this module
 * does not depend on the engine being finished.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, writeFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import lockfile from 'proper-lockfile';
import { sourceIdentity } from '../../../src/build/source-id.js';
import { cacheRoot } from '../../../src/cache.js';
import { BuildError, InputError, KtrimError } from '../../../src/errors.js';
import { startChild } from '../../../src/process.js';
import type { Logger } from '../../../src/ui/log.js';
import { parseDotConfig, type DotConfig } from '../../../src/kconfig/dotconfig.js';
import type { KconfigState } from '../../../src/kconfig/value.js';
import { diffConfigs, type DiffEntry } from '../../../src/kconfig/diffconfig.js';

/** Fixed seeds for `make randconfig KCONFIG_SEED=…` (reproducible inputs). */
export const PARITY_SEEDS: readonly number[] = Array.from({ length: 24 }, (_, i) => 0x6b74 + i * 7919);

export type ParityInputKind =
  'allnoconfig' | 'tinyconfig' | 'defconfig' | 'kvm_guest' | 'distro' | 'other-version' | 'randconfig' | 'derived';

export interface ParityInput {
  name: string;
  kind: ParityInputKind;
  /** The input .config (in the cache). */
  path: string;
}

export interface ParityTree {
  /** Kernel series, e.g. '6.1'. */
  series: string;
  srctree: string;
  /** `$KTRIM_CACHE/kconfig-parity/<basename of srctree>`. */
  dir: string;
  arch: string;
}

export interface ParityOptions {
  cacheDir?: string;
  logger?: Logger;
  arch?: string;
  /** Parallel make runs (each in its own O= directory). Default 2. */
  jobs?: number;
  /** randconfig seeds; default PARITY_SEEDS. */
  seeds?: readonly number[];
  /** runParity: reuse the C tool's output for an identical run (cachedCOlddefconfig) instead of running make again. */
  cacheC?: boolean;
}

/** ktrim's side: olddefconfig of the input text, written as .config text. */
export type KtrimOlddefconfig = (
  inputText: string,
  input: ParityInput,
) => string | { text: string; warnings?: string[] } | Promise<string | { text: string; warnings?: string[] }>;

export interface ParityResult {
  series: string;
  input: string;
  kind: ParityInputKind;
  /** Symbols present in either output. */
  compared: number;
  /** diffconfig entries between C's and ktrim's output (C is "before"). */
  differing: DiffEntry[];
  bytesIdentical: boolean;
  /** Lines (1-based) where the outputs first differ, when they do. */
  firstDifferentLine?: number;
  /**
   * conf's warnings while reading the input (KCONFIG_WARN_UNKNOWN_SYMBOLS=1),
   * as `line: message`, and ktrim's, when the adapter returns them.
   */
  cWarnings: string[];
  ktrimWarnings?: string[];
  /** The C output came from the cache (cachedCOlddefconfig), cMs is then the read. */
  cCached?: boolean;
  cMs: number;
  ktrimMs: number;
}

export function parityTree(series: string, srctree: string, opts: ParityOptions = {}): ParityTree {
  if (!existsSync(join(srctree, 'scripts/kconfig/conf.c')) || !existsSync(join(srctree, 'Kconfig'))) {
    throw new InputError('not a kernel source tree (no Kconfig, scripts/kconfig/conf.c)', srctree);
  }
  return {
    series,
    srctree,
    dir: join(opts.cacheDir ?? cacheRoot(), 'kconfig-parity', basename(srctree)),
    arch: opts.arch ?? 'x86_64',
  };
}

/** The environment for make: ours minus anything that would steer Kconfig. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/^KCONFIG_|^KBUILD_|^(ARCH|SRCARCH|CROSS_COMPILE|LLVM|CC|LD|O|MAKEFLAGS|MFLAGS|MAKELEVEL)$/.test(k)) continue;
    env[k] = v;
  }
  return env;
}

async function run(argv: string[], opts: { logger?: Logger; env?: Record<string, string>; cwd?: string; what: string }): Promise<string[]> {
  const lines: string[] = [];
  const child = startChild(argv, {
    env: opts.env ?? cleanEnv(),
    extendEnv: false,
    cwd: opts.cwd,
    logger: opts.logger,
    onLine: (l) => lines.push(l.text),
  });
  const res = await child.done;
  if (res.exitCode !== 0) {
    const tail = lines.slice(-5).join(' | ');
    throw new BuildError(`${opts.what} failed (exit ${res.exitCode ?? res.signal}): ${tail}`);
  }
  return lines;
}

/** `make -C <src> O=<tool dir> ARCH=… <args>` in slot `slot`'s own output directory. */
export async function makeInSlot(
  tree: ParityTree,
  slot: number,
  args: string[],
  logger?: Logger,
  env?: Record<string, string>,
  lines?: string[],
): Promise<string> {
  const out = join(tree.dir, `tool-${slot}`);
  await mkdir(out, { recursive: true });
  // arch '' is plain make: no ARCH= at all, so the Makefile's SUBARCH decides (x86 on x86_64).
  const archArg = tree.arch ? [`ARCH=${tree.arch}`] : [];
  const got = await run(['make', '-s', '-C', tree.srctree, `O=${out}`, ...archArg, ...args], {
    logger,
    env: { ...cleanEnv(), ...(env ?? {}) },
    what: `make ${args.join(' ')} (${tree.series})`,
  });
  lines?.push(...got);
  return out;
}

/** `.config:12:warning: unknown symbol: X` → `12: unknown symbol: X` (the file name differs between the two sides). */
export function normalizeConfWarning(line: string): string | undefined {
  const m = /^.*?:(\d+):warning: (.*)$/.exec(line);
  return m ? `${m[1]}: ${m[2]}` : undefined;
}

/**
 * Hold slot `slot`'s O= directory for the whole of `fn`: another process
 * (a second test run, a helper) using the same cache waits instead of
 * overwriting its .config halfway.
 */
export async function withSlot<T>(tree: ParityTree, slot: number, fn: () => Promise<T>): Promise<T> {
  const out = join(tree.dir, `tool-${slot}`);
  await mkdir(out, { recursive: true });
  const release = await lockfile.lock(out, { lockfilePath: `${out}.lock`, retries: { retries: 600, minTimeout: 1000, maxTimeout: 1000 } });
  try {
    return await fn();
  } finally {
    await release();
  }
}

/** Write a file so that readers never see half of it. */
async function atomicCopy(from: string, to: string): Promise<void> {
  const tmp = `${to}.tmp-${process.pid}`;
  await copyFile(from, tmp);
  await rename(tmp, to);
}

/** Debian package version of an installed package, e.g. linux-source-6.1 → 6.1.192-2. */
async function dpkgVersion(pkg: string): Promise<string> {
  const lines = await run(['dpkg-query', '-W', '-f=${Version}\n', pkg], { what: `dpkg-query ${pkg}` }).catch(() => {
    throw new InputError(`Debian package ${pkg} is not installed`);
  });
  return lines[0].trim();
}

/**
 * Debian's distro config for a kernel series: `boot/config-*` from the
 * linux-image-…-amd64 package built from the same source version as the
 * installed linux-source-<series>. Downloaded once with `apt-get download`.
 */
export async function debianDistroConfig(series: string, opts: ParityOptions = {}): Promise<string> {
  const version = await dpkgVersion(`linux-source-${series}`);
  const dir = join(opts.cacheDir ?? cacheRoot(), 'kconfig-parity', 'debian');
  const dest = join(dir, `config-${series}-${version}`);
  if (existsSync(dest)) return dest;
  await mkdir(dir, { recursive: true });
  const esc = series.replace('.', '\\.');
  const find = async (): Promise<string | undefined> => {
    const names = (
      await run(['apt-cache', 'search', '--names-only', `^linux-image-${esc}[.0-9]*[-+][^ ]*-amd64$`], { what: 'apt-cache search' })
    )
      .map((l) => l.split(' ')[0])
      .filter((n) => n && !/cloud|rt-amd64|dbg/.test(n));
    if (names.length === 0) return undefined;
    const show = await run(['apt-cache', 'show', ...names], { what: 'apt-cache show' });
    let found: string | undefined;
    let cur: string | undefined;
    for (const l of show) {
      if (l.startsWith('Package: ')) cur = l.slice(9).trim();
      else if (l.startsWith('Version: ') && l.slice(9).trim() === version && cur) found ??= cur;
    }
    return found;
  };
  let pkg = await find();
  if (!pkg && process.getuid?.() === 0) {
    // A fresh machine may have stale or no package lists: refresh them once.
    await run(['apt-get', 'update', '-qq'], { logger: opts.logger, what: 'apt-get update' });
    pkg = await find();
  }
  if (!pkg)
    throw new InputError(
      `no linux-image-${series}*-amd64 package of version ${version} (the linux-source version) known to apt; run apt-get update`,
    );
  const debDir = join(dir, 'debs');
  await mkdir(debDir, { recursive: true });
  let deb = (await readdir(debDir)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!deb) {
    opts.logger?.info(`downloading ${pkg}=${version} for its distro config (once)`);
    await run(['apt-get', 'download', `${pkg}=${version}`], { cwd: debDir, logger: opts.logger, what: `apt-get download ${pkg}` });
    deb = (await readdir(debDir)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
    if (!deb) throw new KtrimError(`apt-get download ${pkg} left no .deb in ${debDir}`, 2);
  }
  const x = join(dir, `x-${series}-${process.pid}`);
  await mkdir(x, { recursive: true });
  await run(['sh', '-c', `dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --wildcards './boot/config-*'`, 'sh', join(debDir, deb), x], {
    what: `extracting boot/config-* from ${deb}`,
  });
  const cfg = (await readdir(join(x, 'boot'))).find((f) => f.startsWith('config-'));
  if (!cfg) throw new KtrimError(`${deb} has no boot/config-*`, 2);
  await rename(join(x, 'boot', cfg), dest);
  return dest;
}

/**
 * Make (or find in the cache) every parity input for `tree`. `otherSeries`
 * names the other kernel version whose distro config is also an input.
 */
export async function prepareParityInputs(
  tree: ParityTree,
  otherSeries: string | undefined,
  opts: ParityOptions = {},
): Promise<ParityInput[]> {
  const inputs = join(tree.dir, 'inputs');
  await mkdir(inputs, { recursive: true });
  const seeds = opts.seeds ?? PARITY_SEEDS;
  type Job = { input: ParityInput; make: (slot: number) => Promise<void> };
  const viaMake = (name: string, kind: ParityInputKind, targets: string[][], env?: Record<string, string>): Job => {
    const path = join(inputs, `${name}.config`);
    return {
      input: { name, kind, path },
      make: (slot) =>
        withSlot(tree, slot, async () => {
          let out = '';
          for (const t of targets) out = await makeInSlot(tree, slot, t, opts.logger, env);
          await atomicCopy(join(out, '.config'), path);
        }),
    };
  };
  const jobs: Job[] = [
    viaMake('allnoconfig', 'allnoconfig', [['allnoconfig']]),
    viaMake('tinyconfig', 'tinyconfig', [['tinyconfig']]),
    viaMake('defconfig', 'defconfig', [['defconfig']]),
    viaMake('defconfig+kvm_guest', 'kvm_guest', [['defconfig'], ['kvm_guest.config']]),
    // x86_64's defconfig already has what kvm_guest.config asks for; on tinyconfig it changes a lot.
    viaMake('tinyconfig+kvm_guest', 'kvm_guest', [['tinyconfig'], ['kvm_guest.config']]),
    ...seeds.map((s) => viaMake(`randconfig-${s.toString(16)}`, 'randconfig', [['randconfig', `KCONFIG_SEED=0x${s.toString(16)}`]])),
  ];
  const distroJob = (series: string, name: string, kind: ParityInputKind): Job => {
    const path = join(inputs, `${name}.config`);
    return { input: { name, kind, path }, make: async () => atomicCopy(await debianDistroConfig(series, opts), path) };
  };
  jobs.splice(5, 0, distroJob(tree.series, `debian-${tree.series}`, 'distro'));
  if (otherSeries) jobs.splice(6, 0, distroJob(otherSeries, `debian-${otherSeries}`, 'other-version'));

  const todo = jobs.filter((j) => !existsSync(j.input.path));
  if (todo.length) {
    opts.logger?.info(`${tree.series}: generating ${todo.length} parity inputs with the C tool (cached in ${inputs})`);
    await inSlots(todo, opts.jobs ?? 2, (j, slot) => j.make(slot));
  }
  // Inputs the C tool did not write itself, so olddefconfig has real work to do.
  const byName = (n: string) => jobs.find((j) => j.input.name === n)!.input.path;
  const firstRand = jobs.find((j) => j.input.kind === 'randconfig')?.input.path;
  const derived: { name: string; make: () => Promise<string> }[] = [
    { name: 'derived-empty', make: async () => '' },
    {
      name: `derived-debian-${tree.series}-halved`,
      make: async () => dropEveryOther(await readFile(byName(`debian-${tree.series}`), 'utf8')),
    },
    { name: 'derived-defconfig-bad-values', make: async () => (await readFile(byName('defconfig'), 'utf8')) + BAD_VALUES },
  ];
  if (firstRand) derived.push({ name: 'derived-randconfig-set-only', make: async () => onlySetLines(await readFile(firstRand, 'utf8')) });
  const out = jobs.map((j) => j.input);
  for (const d of derived) {
    const path = join(inputs, `${d.name}.config`);
    if (!existsSync(path)) {
      await writeFile(`${path}.tmp-${process.pid}`, await d.make());
      await rename(`${path}.tmp-${process.pid}`, path);
    }
    out.push({ name: d.name, kind: 'derived', path });
  }
  return out;
}

/** Seeds for the plain-make randconfigs (ARCH unset → x86: about half of them 32-bit). */
export const ARCH_SEEDS: readonly number[] = [0x1a2b, 0x2c3d, 0x3e4f, 0x4a5b, 0x5c6d, 0x6e7f];

/**
 * Inputs made as a user without ARCH= would make them: `make randconfig`
 * with KCONFIG_SEED (ARCH from SUBARCH, so the 64BIT prompt is visible) and
 * `make ARCH=i386 defconfig`. Cached next to the other parity inputs.
 */
export async function prepareArchInputs(tree: ParityTree, opts: ParityOptions = {}): Promise<ParityInput[]> {
  const inputs = join(tree.dir, 'inputs');
  await mkdir(inputs, { recursive: true });
  const plain: ParityTree = { ...tree, arch: '' };
  const i386: ParityTree = { ...tree, arch: 'i386' };
  const jobs: { input: ParityInput; tree: ParityTree; args: string[] }[] = [
    ...(opts.seeds ?? ARCH_SEEDS).map((s) => ({
      input: {
        name: `plain-randconfig-${s.toString(16)}`,
        kind: 'randconfig' as const,
        path: join(inputs, `plain-randconfig-${s.toString(16)}.config`),
      },
      tree: plain,
      args: ['randconfig', `KCONFIG_SEED=0x${s.toString(16)}`],
    })),
    { input: { name: 'i386-defconfig', kind: 'defconfig', path: join(inputs, 'i386-defconfig.config') }, tree: i386, args: ['defconfig'] },
  ];
  const todo = jobs.filter((j) => !existsSync(j.input.path));
  if (todo.length) opts.logger?.info(`${tree.series}: generating ${todo.length} ARCH parity inputs with the C tool (cached in ${inputs})`);
  await inSlots(todo, opts.jobs ?? 2, (j, slot) =>
    withSlot(j.tree, slot, async () => {
      const out = await makeInSlot(j.tree, slot, j.args, opts.logger);
      await atomicCopy(join(out, '.config'), j.input.path);
    }),
  );
  return jobs.map((j) => j.input);
}

/**
 * The tree's own `scripts/kconfig/conf`, built in slot 0's O= directory
 * (`make scripts/kconfig/conf`) and copied out once, so callers can run it
 * directly (the kernel's scripts/kconfig/tests do) without holding a slot.
 */
export async function cConfBinary(tree: ParityTree, logger?: Logger): Promise<string> {
  const bin = join(tree.dir, 'conf-bin');
  if (existsSync(bin)) return bin;
  await withSlot(tree, 0, async () => {
    const built = join(tree.dir, 'tool-0', 'scripts', 'kconfig', 'conf');
    if (!existsSync(built)) await makeInSlot(tree, 0, ['scripts/kconfig/conf'], logger);
    await atomicCopy(built, bin);
  });
  return bin;
}

/** Drop every second CONFIG_ line (assignments and "is not set" alike): thousands of symbols fall back to defaults. */
function dropEveryOther(text: string): string {
  let i = 0;
  return text
    .split('\n')
    .filter((l) => !(l.startsWith('CONFIG_') || l.startsWith('# CONFIG_')) || i++ % 2 === 0)
    .join('\n');
}

/** Keep only `=y`/`=m` lines: every "is not set" and every value goes back to its default. */
function onlySetLines(text: string): string {
  return (
    text
      .split('\n')
      .filter((l) => /^CONFIG_[A-Za-z0-9_]+=[ym]$/.test(l))
      .join('\n') + '\n'
  );
}

/**
 * Appended to defconfig: the kinds of bad values conf_read must cope with
 * (wrong type, out of range, malformed, unknown, reassigned, conflicting
 * choice members, a line that is not a config line).
 */
const BAD_VALUES = [
  '# --- appended by ktrim parity: bad values ---',
  'CONFIG_SMP=m', // bool given m
  'CONFIG_MODULES=yes', // bool, first letter counts
  'CONFIG_E1000=x', // tristate, invalid
  'CONFIG_NR_CPUS=100000', // int out of range
  'CONFIG_LOG_BUF_SHIFT=0x11', // int given hex
  'CONFIG_PHYSICAL_START=1000000', // hex without 0x
  'CONFIG_PHYSICAL_ALIGN=0xzz', // malformed hex
  'CONFIG_LOCALVERSION=unquoted', // string without quotes
  'CONFIG_DEFAULT_HOSTNAME="unterminated',
  'CONFIG_CMDLINE="console=ttyS0 \\"quoted\\""',
  'CONFIG_NOT_A_REAL_SYMBOL=y',
  '# CONFIG_ALSO_NOT_REAL is not set',
  'CONFIG_KERNEL_XZ=y', // second member of the compression choice
  'CONFIG_KERNEL_LZ4=y',
  'CONFIG_HZ_100=y', // HZ choice, against defconfig's
  'CONFIG_NR_CPUS=8', // reassigned
  'this line is not a config line',
  '',
].join('\n');

/** Run `fn` over items with at most `n` at once, each call given a slot number < n. */
async function inSlots<T, R>(items: T[], n: number, fn: (item: T, slot: number) => Promise<R>): Promise<R[]> {
  const free = Array.from({ length: n }, (_, i) => i);
  const limit = pLimit(n);
  return Promise.all(
    items.map((it) =>
      limit(async () => {
        const slot = free.shift()!;
        try {
          return await fn(it, slot);
        } finally {
          free.push(slot);
        }
      }),
    ),
  );
}

/** The C tool's `make olddefconfig` on `inputPath`, in slot `slot`; returns the written .config. */
export async function cOlddefconfig(
  tree: ParityTree,
  inputPath: string,
  slot: number,
  logger?: Logger,
  warnings?: string[],
): Promise<string> {
  const out = join(tree.dir, `tool-${slot}`);
  return withSlot(tree, slot, async () => {
    await copyFile(inputPath, join(out, '.config'));
    const lines: string[] = [];
    await makeInSlot(tree, slot, ['olddefconfig'], logger, { KCONFIG_WARN_UNKNOWN_SYMBOLS: '1' }, lines);
    for (const l of lines) {
      const w = normalizeConfWarning(l);
      if (w) warnings?.push(w);
    }
    return readFile(join(out, '.config'), 'utf8');
  });
}

const sourceIds = new Map<string, Promise<string>>();
let toolchain: Promise<string> | undefined;

/**
 * What decides a C olddefconfig output: the tree's content (source id, which
 * changes with any edit), the input's bytes, ARCH as make gets it, and the
 * host compiler and linker (Kconfig's $(shell) probes read their versions).
 */
async function cOutputKey(tree: ParityTree, inputText: string): Promise<string> {
  let id = sourceIds.get(tree.srctree);
  if (!id) sourceIds.set(tree.srctree, (id = sourceIdentity(tree.srctree).then((s) => s.id)));
  toolchain ??= Promise.all([
    run(['gcc', '--version'], { what: 'gcc --version' }),
    run(['ld', '--version'], { what: 'ld --version' }),
  ]).then(([cc, ld]) => `${cc[0]}\n${ld[0]}`);
  return createHash('sha256')
    .update(`c-olddefconfig-v1\0${await id}\0ARCH=${tree.arch}\0KCONFIG_WARN_UNKNOWN_SYMBOLS=1\0${await toolchain}\0`)
    .update(inputText)
    .digest('hex')
    .slice(0, 24);
}

/**
 * cOlddefconfig, with its output and warnings kept under
 * `<tree dir>/c-olddefconfig/<key>.json` (key: cOutputKey): a warm run reads
 * them back, a cold cache or any change of tree, input, ARCH or toolchain
 * runs make for real.
 */
export async function cachedCOlddefconfig(
  tree: ParityTree,
  inputPath: string,
  slot: number,
  logger?: Logger,
  warnings?: string[],
): Promise<{ text: string; cached: boolean }> {
  const file = join(tree.dir, 'c-olddefconfig', `${await cOutputKey(tree, await readFile(inputPath, 'utf8'))}.json`);
  if (existsSync(file)) {
    const kept = JSON.parse(await readFile(file, 'utf8')) as { text: string; warnings: string[] };
    warnings?.push(...kept.warnings);
    return { text: kept.text, cached: true };
  }
  const got: string[] = [];
  const text = await cOlddefconfig(tree, inputPath, slot, logger, got);
  warnings?.push(...got);
  await mkdir(join(tree.dir, 'c-olddefconfig'), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify({ text, warnings: got }));
  await rename(tmp, file);
  return { text, cached: false };
}

/** Compare two olddefconfig outputs symbol by symbol (and byte for byte). */
export function compareOutputs(
  cText: string,
  ktrimText: string,
): Pick<ParityResult, 'compared' | 'differing' | 'bytesIdentical' | 'firstDifferentLine'> {
  const c = parseDotConfig(cText, 'C olddefconfig', { strict: false });
  const k = parseDotConfig(ktrimText, 'ktrim olddefconfig', { strict: false });
  const names = new Set([...c.values.keys(), ...k.values.keys()]);
  const differing = diffConfigs(c, k);
  const bytesIdentical = cText === ktrimText;
  let firstDifferentLine: number | undefined;
  if (!bytesIdentical) {
    const a = cText.split('\n');
    const b = ktrimText.split('\n');
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i] !== b[i]) {
        firstDifferentLine = i + 1;
        break;
      }
    }
  }
  return { compared: names.size, differing, bytesIdentical, firstDifferentLine };
}

/** Run the C tool and ktrim on every input; C runs in parallel slots, ktrim in this process. */
export async function runParity(
  tree: ParityTree,
  inputs: ParityInput[],
  ktrim: KtrimOlddefconfig,
  opts: ParityOptions = {},
): Promise<ParityResult[]> {
  return inSlots(inputs, opts.jobs ?? 2, async (input, slot) => {
    const t0 = performance.now();
    const cWarnings: string[] = [];
    const c = opts.cacheC
      ? await cachedCOlddefconfig(tree, input.path, slot, opts.logger, cWarnings)
      : { text: await cOlddefconfig(tree, input.path, slot, opts.logger, cWarnings), cached: false };
    const cText = c.text;
    const cMs = performance.now() - t0;
    const inputText = await readFile(input.path, 'utf8');
    const t1 = performance.now();
    const k = await ktrim(inputText, input);
    const ktrimMs = performance.now() - t1;
    const kText = typeof k === 'string' ? k : k.text;
    const ktrimWarnings = typeof k === 'string' ? undefined : k.warnings?.map((w) => normalizeConfWarning(w) ?? w);
    // Both outputs of the last run, for `ktrim diff` when something differs.
    const last = join(tree.dir, 'last');
    await mkdir(last, { recursive: true });
    await writeFile(join(last, `${input.name}.ktrim.config`), kText);
    await writeFile(join(last, `${input.name}.c.config`), cText);
    return {
      series: tree.series,
      input: input.name,
      kind: input.kind,
      ...compareOutputs(cText, kText),
      cWarnings,
      ktrimWarnings,
      cCached: c.cached,
      cMs,
      ktrimMs,
    };
  });
}

/**
 * What ktrim would warn while reading `config`, as conf does with
 * KCONFIG_WARN_UNKNOWN_SYMBOLS=1: the reader's warnings and one "unknown
 * symbol" per line naming a symbol no Kconfig defines, in line order, as
 * `line: message`.
 */
export function ktrimConfWarnings(state: KconfigState, config: DotConfig): string[] {
  const items: { line: number; msg: string }[] = [];
  for (const w of state.read.warnings) {
    const n = normalizeConfWarning(w);
    const m = n ? /^(\d+): (.*)$/.exec(n) : null;
    items.push(m ? { line: Number(m[1]), msg: m[2] } : { line: 0, msg: w });
  }
  for (const e of config.entries) if (!state.tree.byName.has(e.name)) items.push({ line: e.line, msg: `unknown symbol: ${e.name}` });
  return items
    .map((x, i) => ({ ...x, i }))
    .sort((a, b) => a.line - b.line || a.i - b.i)
    .map((x) => `${x.line}: ${x.msg}`);
}

/** ktrim reported exactly the warnings conf printed while reading the input. */
export function sameWarnings(r: ParityResult): boolean {
  return r.ktrimWarnings !== undefined && r.ktrimWarnings.join('\n') === r.cWarnings.join('\n');
}

/** One line per input: `6.1 defconfig: 2345 symbols compared, 0 differing, bytes identical`. */
export function formatParityLine(r: ParityResult): string {
  const bytes = r.bytesIdentical ? 'bytes identical' : `bytes differ from line ${r.firstDifferentLine}`;
  const sample = r.differing
    .slice(0, 3)
    .map((d) => (d.op === '->' ? `${d.name} ${d.before} -> ${d.after}` : `${d.op}${d.name}`))
    .join(', ');
  const warn =
    r.ktrimWarnings === undefined
      ? ''
      : `, ${r.cWarnings.length} conf warnings${sameWarnings(r) ? ' (same from ktrim)' : ` (ktrim: ${r.ktrimWarnings.length}, DIFFERENT)`}`;
  return (
    `${r.series} ${r.input}: ${r.compared} symbols compared, ${r.differing.length} differing, ${bytes}${warn}` +
    ` (C ${r.cCached ? 'cached' : `${Math.round(r.cMs)} ms`}, ktrim ${Math.round(r.ktrimMs)} ms)${sample ? ` e.g. ${sample}` : ''}`
  );
}
