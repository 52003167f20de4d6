/**
 * ARCH, SRCARCH and the toolchain names as the kernel's top Makefile sets
 * them, for every verb that evaluates Kconfig and for `ktrim build`:
 *
 *   SUBARCH := $(shell uname -m | sed -e s/i.86/x86/ -e s/x86_64/x86/ ...)
 *   ARCH ?= $(SUBARCH)                       (command line > environment > SUBARCH)
 *   SRCARCH := $(ARCH), i386/x86_64 → x86, sparc64 → sparc, parisc64 → parisc, sh64 → sh
 *   CC = $(CROSS_COMPILE)gcc, or $(LLVM_PREFIX)clang$(LLVM_SUFFIX) with LLVM=
 *
 * So plain `make olddefconfig` on an x86_64 host runs with ARCH=x86, where
 * the 64BIT prompt is visible and a 32-bit config stays 32-bit; ARCH=x86_64
 * forces 64BIT=y. Pure functions plus one host wrapper (hostMakeArch).
 */
import { machine } from 'node:os';

/** scripts/subarch.include: `uname -m` through the Makefile's sed, in its order. */
export function subarchOf(unameMachine: string): string {
  const seds: [RegExp, string][] = [
    [/i.86/, 'x86'],
    [/x86_64/, 'x86'],
    [/sun4u/, 'sparc64'],
    [/arm.*/, 'arm'],
    [/sa110/, 'arm'],
    [/s390x/, 's390'],
    [/ppc.*/, 'powerpc'],
    [/mips.*/, 'mips'],
    [/sh[234].*/, 'sh'],
    [/aarch64.*/, 'arm64'],
    [/riscv.*/, 'riscv'],
    [/loongarch.*/, 'loongarch'],
  ];
  let m = unameMachine.trim();
  for (const [re, to] of seds) m = m.replace(re, to);
  return m;
}

/** SRCARCH for an ARCH, as the top Makefile maps it. */
export function srcArchOf(arch: string): string {
  if (arch === 'i386' || arch === 'x86_64') return 'x86';
  if (arch === 'sparc32' || arch === 'sparc64') return 'sparc';
  if (arch === 'parisc64') return 'parisc';
  if (arch === 'sh64') return 'sh';
  return arch;
}

/** The make variables Kconfig sees that depend on ARCH and the toolchain choice. */
export interface MakeArch {
  ARCH: string;
  SRCARCH: string;
  SUBARCH: string;
  CROSS_COMPILE: string;
  /** LLVM= as given ('' when unset). */
  LLVM: string;
  CC: string;
  LD: string;
  AR: string;
  NM: string;
  OBJCOPY: string;
  HOSTCC: string;
  HOSTCXX: string;
  /** Where each of ARCH's value came from, for messages. */
  archFrom: 'option' | 'environment' | 'SUBARCH';
}

export interface ResolveArchInput {
  /** `--arch` (or ARCH= on make's command line): wins over the environment. */
  arch?: string;
  /** Make variables given on the command line (`CROSS_COMPILE=…`, `LLVM=1`), as make overrides. */
  makeVars?: readonly string[];
  /** The environment make would inherit. */
  env: Record<string, string | undefined>;
  /** `uname -m`. */
  machine: string;
}

/** The top Makefile's ARCH/SRCARCH/CROSS_COMPILE/LLVM/CC... for these inputs. */
export function resolveMakeArch(input: ResolveArchInput): MakeArch {
  const cmdline = new Map<string, string>();
  for (const v of input.makeVars ?? []) {
    const eq = v.indexOf('=');
    if (eq > 0) cmdline.set(v.slice(0, eq), v.slice(eq + 1));
  }
  // Command line, then environment: what make's `?=` and plain references see. An empty ARCH counts as unset.
  const get = (k: string): string | undefined => cmdline.get(k) ?? input.env[k];
  const SUBARCH = subarchOf(input.machine);
  const optArch = input.arch || cmdline.get('ARCH') || undefined;
  const envArch = input.env.ARCH || undefined;
  const ARCH = optArch ?? envArch ?? SUBARCH;
  const archFrom = optArch ? 'option' : envArch ? 'environment' : 'SUBARCH';
  const CROSS_COMPILE = get('CROSS_COMPILE') ?? '';
  const LLVM = get('LLVM') ?? '';
  // LLVM=/path/ is a prefix, LLVM=-15 a suffix, anything else plain names.
  const pre = LLVM.endsWith('/') ? LLVM : '';
  const suf = LLVM.startsWith('-') ? LLVM : '';
  const llvm = LLVM !== '';
  return {
    ARCH,
    SRCARCH: srcArchOf(ARCH),
    SUBARCH,
    CROSS_COMPILE,
    LLVM,
    CC: llvm ? `${pre}clang${suf}` : `${CROSS_COMPILE}gcc`,
    LD: llvm ? `${pre}ld.lld${suf}` : `${CROSS_COMPILE}ld`,
    AR: llvm ? `${pre}llvm-ar${suf}` : `${CROSS_COMPILE}ar`,
    NM: llvm ? `${pre}llvm-nm${suf}` : `${CROSS_COMPILE}nm`,
    OBJCOPY: llvm ? `${pre}llvm-objcopy${suf}` : `${CROSS_COMPILE}objcopy`,
    HOSTCC: llvm ? `${pre}clang${suf}` : 'gcc',
    HOSTCXX: llvm ? `${pre}clang++${suf}` : 'g++',
    archFrom,
  };
}

/** resolveMakeArch for this host: process.env and `uname -m`. */
export function hostMakeArch(arch?: string, makeVars?: readonly string[], env: Record<string, string | undefined> = process.env): MakeArch {
  return resolveMakeArch({ arch, makeVars, env, machine: machine() });
}
