/**
 * Running make: the real MakeRunner (a child in its own process group via
 * src/process.ts), the make command line, compiler wrappers (ccache, distcc,
 * icecream) and reading the first compiler errors out of a failed build.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { findExecutable, startChild } from '../process.js';
import { formatCommand } from '../ui/log.js';
import { srcArchOf } from './arch.js';
import type { MakeOutcome, MakeRun, MakeRunner } from './types.js';

/** The real make: streamed, process group killed on Ctrl-C. Prints nothing itself. */
export const realMakeRunner: MakeRunner = {
  async run(run: MakeRun): Promise<MakeOutcome> {
    const child = startChild(run.argv, { cwd: run.cwd, env: run.env, onLine: run.onLine, rawLog: run.rawLog });
    const res = await child.done;
    return { exitCode: res.exitCode, signal: res.signal };
  },
};

/** Is `name` an executable on PATH? */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return findExecutable(name, env.PATH) !== undefined;
}

/** Kernel SRCARCH for an ARCH= value (arch/<srcarch>/boot holds the image): the top Makefile's mapping. */
export const srcArch = srcArchOf;

/**
 * Compile slots in a DISTCC_HOSTS list, as distcc counts them: `host/N`
 * gives N, a bare remote host 4, `localhost` 2 (distcc(1) "HOST
 * SPECIFICATIONS"). Options (`--randomize`, `,lzo`, `,cpp`) are ignored.
 */
export function distccSlots(hosts: string): number {
  let total = 0;
  for (const spec of hosts.trim().split(/\s+/)) {
    if (!spec || spec.startsWith('--')) continue;
    const hostPart = spec.split(',')[0]!;
    const m = /\/(\d+)$/.exec(hostPart);
    if (m) total += Number(m[1]);
    else total += /^localhost(:|$)/.test(hostPart) ? 2 : 4;
  }
  return total;
}

export interface MakeCommandOptions {
  source: string;
  objDir: string;
  arch: string;
  jobs?: number;
  cc?: string;
  makeVars?: string[];
  targets: string[];
}

/** `make -C SRC O=OBJ ARCH=... [-jN] [CC=...] [VARS...] TARGETS`, as an argv. */
export function makeArgv(o: MakeCommandOptions): string[] {
  const argv = ['make', '-C', o.source, `O=${o.objDir}`, `ARCH=${o.arch}`];
  if (o.jobs !== undefined) argv.push(`-j${o.jobs}`);
  if (o.cc) argv.push(`CC=${o.cc}`);
  argv.push(...(o.makeVars ?? []), ...o.targets);
  return argv;
}

export function formatMakeCommand(run: Pick<MakeRun, 'argv' | 'env'>): string {
  return formatCommand(run.argv, Object.keys(run.env).length ? run.env : undefined);
}

const WRAPPERS = new Set(['ccache', 'distcc', 'icecc', 'sccache']);

/** The compiler without its wrappers: "ccache distcc gcc" → "gcc" (the output does not depend on them). */
export function bareCompiler(cc: string | undefined): string {
  if (!cc) return '';
  return cc
    .trim()
    .split(/\s+/)
    .filter((w) => !WRAPPERS.has(w.split('/').pop()!))
    .join(' ');
}

export interface CompilerSetup {
  cc?: string;
  jobs: number;
  env: Record<string, string>;
  /** What was chosen and why, for the log. */
  notes: string[];
}

/**
 * Choose CC, -j and the wrapper environment: an explicit --cc wins; else
 * "ccache gcc" when ccache is installed (CCACHE_DIR under the cache unless
 * set). Compiling through distcc/icecc, -j follows the host list.
 */
export function compilerSetup(opts: {
  cc?: string;
  jobs?: number;
  ccache?: boolean;
  llvm?: boolean;
  /** CROSS_COMPILE= prefix: the ccache default must keep it (Kbuild's CC would be $(CROSS_COMPILE)gcc). */
  crossCompile?: string;
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  hasTool: (name: string) => boolean;
}): CompilerSetup {
  const env: Record<string, string> = {};
  const notes: string[] = [];
  let cc = opts.cc?.trim() || undefined;
  const words = cc ? cc.split(/\s+/).map((w) => w.split('/').pop()!) : [];
  if (!cc && opts.ccache !== false && opts.hasTool('ccache')) {
    cc = opts.llvm ? 'ccache clang' : `ccache ${opts.crossCompile ?? ''}gcc`;
    notes.push('ccache found: CC="' + cc + '"');
  }
  if (cc && cc.split(/\s+/).some((w) => w.split('/').pop() === 'ccache') && !opts.env.CCACHE_DIR) {
    env.CCACHE_DIR = join(opts.cacheDir, 'ccache');
  }
  let jobs = opts.jobs;
  if (jobs === undefined) {
    if (words.includes('distcc') && opts.env.DISTCC_HOSTS) {
      jobs = Math.max(1, distccSlots(opts.env.DISTCC_HOSTS));
      notes.push(`-j${jobs} from DISTCC_HOSTS="${opts.env.DISTCC_HOSTS}"`);
    } else if (words.includes('icecc')) {
      jobs = Math.max(1, Number(opts.env.KTRIM_ICECC_JOBS) || 4 * cpus().length);
    } else {
      jobs = Math.max(1, cpus().length);
    }
  }
  return { cc, jobs, env, notes };
}

export interface CompilerError {
  file: string;
  line: number;
  column?: number;
  /** The whole line as the compiler printed it. */
  text: string;
}

const ERROR_RE = /^(.+?):(\d+):(?:(\d+):)? (?:fatal )?error: /;

/** `file:line:[col:] error: ...` lines from gcc/clang/ld output, in order, without repeats. */
export function compilerErrors(lines: Iterable<string>, limit = 5): CompilerError[] {
  const out: CompilerError[] = [];
  const seen = new Set<string>();
  for (const text of lines) {
    const m = ERROR_RE.exec(text);
    if (!m || seen.has(text)) continue;
    seen.add(text);
    out.push({ file: m[1]!, line: Number(m[2]), column: m[3] ? Number(m[3]) : undefined, text });
    if (out.length >= limit) break;
  }
  return out;
}
