/**
 * What an incremental rebuild costs when config symbols change, read from a
 * finished build's own dependency files. kbuild's fixdep writes into every
 * object's `.<name>.o.cmd` one `$(wildcard include/config/FOO)` per CONFIG_FOO
 * that the object's source and headers test; kconfig touches
 * include/config/FOO when FOO changes, and make recompiles exactly those
 * objects. Symbols that the top Makefile, arch/$SRCARCH/Makefile or
 * scripts/Makefile.* turn into compiler flags (or test around them) change
 * every object's command line, so they count as rebuilding everything: an
 * upper bound, as is counting an object that the change stops building.
 *
 * Measured on configs/demo-start.config (6.1, 1,015 objects): LEGACY_PTYS
 * reaches 1 object, both PTY symbols 5, KPROBE_EVENTS 145, BLOCK and QUOTA 734
 * (<linux/fs.h>), AUDIT 873: BLOCK=n took 23 min to rebuild, the PTYs 36 s.
 *
 * The parsers and the estimates are pure; readRebuildIndex is the one reader.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fg from 'fast-glob';
import { median } from 'simple-statistics';

export interface RebuildIndex {
  /** Objects compiled by the build (one .o.cmd each, outside scripts/ and tools/). */
  objects: number;
  /** Symbol (no CONFIG_ prefix) → the objects whose sources test it (indexes). */
  dependents: Map<string, number[]>;
  /** Symbols in every object's compiler flags: a change rebuilds all objects. */
  global: Set<string>;
}

const DEP = '$(wildcard include/config/';

/** The CONFIG_ symbols one .o.cmd file's deps_ list names, in file order. */
export function cmdFileSymbols(text: string): string[] {
  let at = text.startsWith('deps_') ? 0 : text.indexOf('\ndeps_');
  if (at < 0) return [];
  // indexOf, not a global regex: a 6.1 object lists ~560 of these in ~75 KB, and the index reads every object.
  const out: string[] = [];
  while ((at = text.indexOf(DEP, at)) >= 0) {
    const start = at + DEP.length;
    const end = text.indexOf(')', start);
    if (end < 0) break;
    const name = text.slice(start, end);
    if (/^[A-Za-z0-9_]+$/.test(name)) out.push(name);
    at = end;
  }
  return out;
}

const IF_LINE = /^\s*(ifdef|ifndef|ifeq|ifneq)\b/;
/** A line that sets flags: a *FLAGS variable, a `flags-$(CONFIG_X)` list, or a compiler option. */
const FLAG_LINE = /FLAGS|flags-\$\(CONFIG_|(^|\s)-[fmWD][A-Za-z]/;

/** Symbols a kbuild Makefile tests in conditionals or turns into compiler flags. */
export function flagSymbols(makefile: string): string[] {
  const out = new Set<string>();
  for (const line of makefile.split('\n')) {
    if (!IF_LINE.test(line) && !FLAG_LINE.test(line)) continue;
    for (const m of line.matchAll(/CONFIG_([A-Za-z0-9_]+)/g)) out.add(m[1]);
  }
  return [...out];
}

/** Build the index from the .o.cmd texts of one build and the flag symbols of its Makefiles. */
export function rebuildIndex(cmdFiles: readonly string[], global: Iterable<string>): RebuildIndex {
  const dependents = new Map<string, number[]>();
  cmdFiles.forEach((text, i) => {
    for (const s of new Set(cmdFileSymbols(text))) {
      const list = dependents.get(s);
      if (list) list.push(i);
      else dependents.set(s, [i]);
    }
  });
  return { objects: cmdFiles.length, dependents, global: new Set(global) };
}

/** How many objects a change of `symbols` recompiles (all of them when one is a flag symbol). */
export function rebuildObjects(index: RebuildIndex, symbols: Iterable<string>): number {
  const hit = new Set<number>();
  for (const s of symbols) {
    const name = s.replace(/^CONFIG_/, '');
    if (index.global.has(name)) return index.objects;
    for (const i of index.dependents.get(name) ?? []) hit.add(i);
  }
  return hit.size;
}

/**
 * Defaults until a run has measured its own (2 cores here): one-symbol
 * rebuilds of the tiny kernel 8–23 s; demo-start's 1,015 objects ≈ 13 min of
 * make -j2 from a cold ccache (25.6 CPU-min).
 */
export const REBUILD_FIXED_SECONDS = 30;
export const REBUILD_SECONDS_PER_OBJECT = 0.8;

export interface EvaluationTimes {
  /** Whole evaluations measured in this run (build, boots, verdict) and the objects each recompiled. */
  observed: readonly { objects: number; seconds: number }[];
  /** A whole build (nothing reused) of `objects` objects, if this run made one. */
  wholeBuild?: { objects: number; seconds: number };
  /** Host seconds of one boot. */
  bootSeconds: number;
}

/**
 * Seconds an evaluation that recompiles `objects` objects should take: a
 * fixed part (olddefconfig, copying the donor build, the link, bzImage, the
 * boot) plus a part per object. Both come from this run's evaluations once
 * there are some (the fixed part from those recompiling < 20 objects, the
 * rate from the others), else from its whole build, else the defaults.
 */
export function evaluationSeconds(objects: number, t: EvaluationTimes): number {
  const small = t.observed.filter((o) => o.objects < 20).map((o) => o.seconds);
  const fixed = small.length ? median(small) : REBUILD_FIXED_SECONDS + t.bootSeconds;
  const big = t.observed.filter((o) => o.objects >= 20);
  let rate = REBUILD_SECONDS_PER_OBJECT;
  if (big.length) {
    rate = big.reduce((a, o) => a + Math.max(0, o.seconds - fixed), 0) / big.reduce((a, o) => a + o.objects, 0);
  } else if (t.wholeBuild && t.wholeBuild.objects > 0) {
    rate = Math.max(0, t.wholeBuild.seconds - REBUILD_FIXED_SECONDS) / t.wholeBuild.objects;
  }
  return fixed + objects * rate;
}

/**
 * Read a finished build: every .o.cmd under `objDir` (the O= directory) and
 * the Makefiles that set flags in `srctree`. Resolves undefined when the
 * directory holds no .o.cmd (not a kbuild O= directory, or cleaned).
 */
export async function readRebuildIndex(objDir: string, srctree: string, srcarch: string): Promise<RebuildIndex | undefined> {
  const cmds = await fg('**/.*.o.cmd', { cwd: objDir, dot: true, ignore: ['scripts/**', 'tools/**'] });
  if (!cmds.length) return undefined;
  cmds.sort();
  const texts: string[] = [];
  for (const c of cmds) texts.push(await readFile(join(objDir, c), 'utf8'));
  const makefiles = ['Makefile', `arch/${srcarch}/Makefile`, ...(await fg('scripts/Makefile.*', { cwd: srctree }))];
  const global = new Set<string>();
  for (const m of makefiles) {
    const text = await readFile(join(srctree, m), 'utf8').catch(() => '');
    for (const s of flagSymbols(text)) global.add(s);
  }
  return rebuildIndex(texts, global);
}
