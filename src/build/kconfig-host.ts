/**
 * The real world behind ktrim's Kconfig loader (src/kconfig/tree.ts is
 * pure): Kconfig files from disk, `$(shell,...)` compiler probes with their
 * on-disk cache (shell-cache.ts), and the toolchain version lines the top
 * Makefile exports (CC_VERSION_TEXT, RUSTC_VERSION_TEXT). ARCH and the tool
 * names come from the same resolution as `ktrim build` (arch.ts).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cacheRoot } from '../cache.js';
import {
  loadKconfigSync,
  makefileKernelVersion,
  type KconfigEnv,
  type KconfigHost,
  type KconfigTree,
  type LoadOptions,
} from '../kconfig/tree.js';
import { hostMakeArch, type MakeArch } from './arch.js';
import { createShellRunner, type CachedShellRunner } from './shell-cache.js';

/** First line of `LC_ALL=C <cmd> --version 2>/dev/null` ('' when it fails), as the Makefile's CC_VERSION_TEXT. */
export function versionLine(cmd: string): string {
  try {
    return execFileSync(cmd, ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, LC_ALL: 'C' },
    }).split('\n')[0];
  } catch {
    return '';
  }
}

/** Makefile.clang's CLANG_FLAGS (Kconfig's cc-option probes see them when CC is clang). */
function clangFlags(a: MakeArch, env: Record<string, string | undefined>): string {
  const targets: Record<string, string> = {
    arm: 'arm-linux-gnueabi',
    arm64: 'aarch64-linux-gnu',
    hexagon: 'hexagon-linux-musl',
    loongarch: 'loongarch64-linux-gnusf',
    m68k: 'm68k-linux-gnu',
    mips: 'mipsel-linux-gnu',
    powerpc: 'powerpc64le-linux-gnu',
    riscv: 'riscv64-linux-gnu',
    s390: 's390x-linux-gnu',
    x86: 'x86_64-linux-gnu',
  };
  const target = a.CROSS_COMPILE
    ? a.CROSS_COMPILE.replace(/-$/, '').split('/').pop()!
    : (targets[a.SRCARCH === 'um' ? a.SUBARCH : a.SRCARCH] ?? '');
  const flags = target ? [`--target=${target}`] : [];
  flags.push(env.LLVM_IAS === '0' ? '-fno-integrated-as' : '-fintegrated-as');
  flags.push('-Werror=unknown-warning-option', '-Werror=ignored-optimization-argument');
  return flags.join(' ');
}

export interface KernelKconfigEnvOptions {
  /** `--arch`; default $ARCH, else SUBARCH. */
  arch?: string;
  /** Make command-line variables (CROSS_COMPILE=, LLVM=). */
  makeVars?: readonly string[];
  /** The environment make would inherit (default process.env). */
  env?: Record<string, string | undefined>;
  /** Top Makefile text, to know whether it exports RUSTC_VERSION_TEXT (6.12+). */
  makefile?: string;
  /** Version lines of tools (default: run them). */
  versionLine?: (cmd: string) => string;
}

/**
 * The environment `make olddefconfig` gives conf on this host: the user's
 * environment plus what the top Makefile exports and Kconfig reads.
 */
export function kernelKconfigEnv(srctree: string, opts: KernelKconfigEnvOptions = {}): KconfigEnv & { makeArch: string } {
  const env = opts.env ?? process.env;
  const a = hostMakeArch(opts.arch, opts.makeVars, env);
  const ver = opts.versionLine ?? versionLine;
  // $(subst $(pound),,$(shell LC_ALL=C $(CC) --version 2>/dev/null | head -n 1))
  const ccVersionText = ver(a.CC).replace(/#/g, '');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  Object.assign(out, {
    srctree,
    ARCH: a.ARCH,
    SRCARCH: a.SRCARCH,
    SUBARCH: a.SUBARCH,
    CROSS_COMPILE: a.CROSS_COMPILE,
    CC: a.CC,
    LD: a.LD,
    AR: a.AR,
    NM: a.NM,
    OBJCOPY: a.OBJCOPY,
    PAHOLE: 'pahole',
    RUSTC: 'rustc',
    BINDGEN: 'bindgen',
    PYTHON3: 'python3',
    HOSTCC: a.HOSTCC,
    HOSTCXX: a.HOSTCXX,
    CC_VERSION_TEXT: ccVersionText,
  });
  if (a.LLVM) out.LLVM = a.LLVM;
  if (ccVersionText.includes('clang')) out.CLANG_FLAGS = clangFlags(a, env);
  // RUSTC_VERSION_TEXT = $(subst $(pound),,$(shell $(RUSTC) --version 2>/dev/null)), exported from 6.12 on.
  if (opts.makefile?.includes('RUSTC_VERSION_TEXT')) out.RUSTC_VERSION_TEXT = ver('rustc').replace(/#/g, '');
  return { ...(out as KconfigEnv), makeArch: a.archFrom };
}

/**
 * Files from disk and `$(shell)` run for real in the cache's scratch
 * directory, cached per toolchain (compiler, linker, ARCH).
 */
export function nodeKconfigHost(env: KconfigEnv, opts: { cacheDir?: string } = {}): KconfigHost & { shell: CachedShellRunner } {
  const root = opts.cacheDir ?? cacheRoot();
  const ldLine = versionLine(env.LD);
  const shell = createShellRunner({
    env,
    cwd: join(root, 'tmp', 'kconfig-shell'),
    cacheDir: join(root, 'kconfig'),
    toolchainKey: [env.CC_VERSION_TEXT, ldLine, env.ARCH, env.CC, env.LD, env.RUSTC_VERSION_TEXT ?? '', env.CLANG_FLAGS ?? ''].join('\n'),
  });
  return { readFile: (p) => readFileSync(p, 'utf8'), shell };
}

export interface KernelKconfigOptions extends Omit<LoadOptions, 'env' | 'host'>, KernelKconfigEnvOptions {
  /** Cache root (default $KTRIM_CACHE or ~/.cache/ktrim). */
  cacheDir?: string;
  /** Replace the real `$(shell)` (tests, benchmarks without probes). */
  shell?: LoadOptions['shell'];
}

/** Load a kernel tree's Kconfig as `make ARCH=… olddefconfig` would on this host. */
export function loadKernelKconfig(opts: KernelKconfigOptions): KconfigTree {
  const srctree = resolve(opts.srctree);
  let makefile: string;
  try {
    makefile = readFileSync(join(srctree, 'Makefile'), 'utf8');
  } catch {
    makefile = '';
  }
  const { makeArch: _from, ...env } = kernelKconfigEnv(srctree, { ...opts, makefile });
  void _from;
  const host = nodeKconfigHost(env, { cacheDir: opts.cacheDir });
  return loadKconfigSync({
    ...opts,
    srctree,
    env,
    host: { readFile: host.readFile, shell: opts.shell ?? host.shell },
    kernelVersion: opts.kernelVersion ?? (makefile ? makefileKernelVersion(makefile) : undefined),
  });
}
