/**
 * The build step's data model: what to build (BuildRequest), the adapters it
 * runs through (BuildDeps: make, tool lookup, logger), and what it produced
 * (BuildResult). `buildKernel()` in build.ts ties them together.
 */
import type { Writable } from 'node:stream';
import type { DiffEntry } from '../kconfig/diffconfig.js';
import type { ChildLine } from '../process.js';
import type { Logger } from '../ui/log.js';

/** A base config made by a kernel make target; anything else is a file path. */
export const BASE_TARGETS = ['tinyconfig', 'defconfig', 'allnoconfig', 'allyesconfig', 'allmodconfig'] as const;
export type BaseTarget = (typeof BASE_TARGETS)[number];

export interface BuildRequest {
  /** Kernel source: a git tree or an unpacked tarball. Never written to. */
  source: string;
  /** A full .config, or (with `base`) a merge_config.sh-style fragment. */
  config: string;
  /** Base the fragment applies on: a make target (tinyconfig, ...) or a .config file. */
  base?: string;
  /** Kernel ARCH=; default as plain make sets it ($ARCH, else SUBARCH from `uname -m`: x86 on x86_64). */
  arch?: string;
  /** make -j; default: the distcc host slots when compiling through distcc, else the CPU count. */
  jobs?: number;
  /** CC= for make, e.g. "distcc gcc"; default "ccache gcc" when ccache is installed. */
  cc?: string;
  /** false: never wrap CC in ccache. */
  ccache?: boolean;
  /** Extra make variables, `K=V` (LLVM=1, CROSS_COMPILE=..., KCFLAGS=...). */
  makeVars?: string[];
  /** Make target; default bzImage. */
  target?: string;
  /** Requested symbols that olddefconfig changed are an error instead of a warning. */
  strict?: boolean;
}

/** One make invocation, as the MakeRunner gets it. */
export interface MakeRun {
  argv: string[];
  /** Variables added to the environment (also printed with the command line). */
  env: Record<string, string>;
  cwd?: string;
  onLine?: (line: ChildLine) => void;
  /** Raw output, verbatim. */
  rawLog?: Writable;
}

export interface MakeOutcome {
  exitCode: number | undefined;
  signal?: string;
}

/** Runs make: the real one (make.ts) or a test's wrapper around it. */
export interface MakeRunner {
  run(run: MakeRun): Promise<MakeOutcome>;
}

export interface BuildDeps {
  make: MakeRunner;
  logger: Logger;
  /** Cache root; default cacheRoot() ($KTRIM_CACHE or ~/.cache/ktrim). */
  cacheDir?: string;
  /** Is this program on PATH? (ccache detection); default: a PATH search. */
  hasTool?: (name: string) => boolean;
  /** Environment for DISTCC_HOSTS, CCACHE_DIR; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** `uname -m` (SUBARCH, the default ARCH); default the host's. */
  machine?: string;
}

/** A requested symbol whose value did not survive olddefconfig (diffconfig entry: requested → got). */
export type DriftEntry = DiffEntry;

export interface BuildResult {
  /** Paths into the cache; never delete or modify them. */
  bzImage: string;
  systemMap: string;
  config: string;
  buildLog: string;
  /** The cache key's directory: obj/ (the O= dir), build.log, result.json. */
  buildDir: string;
  /** The O= directory. */
  objDir: string;
  sourceId: string;
  configKey: string;
  /** Wall time of this call (a cache hit: the lookup only). */
  seconds: number;
  /** Wall time of the make run that produced the image. */
  buildSeconds: number;
  imageBytes: number;
  cacheHit: boolean;
  /** The build directory this one was copied from (nearest config), if any. */
  reusedFrom?: string;
  /** How many symbols the reused build's .config differed in. */
  reusedDistance?: number;
  drift: DriftEntry[];
  /** The drift in scripts/diffconfig format ('' when none). */
  driftText: string;
  /** Exact make command lines run by this call (empty on a cache hit). */
  makeCommands: string[];
  arch: string;
  target: string;
  jobs: number;
  cc?: string;
  /** make variables of the build (sorted), as in its cache key: LLVM=1, CROSS_COMPILE=, KCFLAGS=, ... */
  makeVars?: string[];
}
