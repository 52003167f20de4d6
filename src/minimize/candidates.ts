/**
 * The removals minimize tries: from `propose` (measured ms from the
 * baseline's initcall_debug boot) and/or the catalog (known removals, no
 * measured figure unless propose found the same one). Each is passed through
 * the Kconfig engine first: one that changes nothing in the start config is
 * skipped, one that would change a --keep symbol is dropped, both recorded.
 * Kept symbols are --keep plus, by default, what the boot lab needs
 * (LAB_NEEDS): a removal that takes the console or the initramfs along can
 * only fail to boot, and isolating it costs builds (bench/search).
 * Pure: the evaluated start state, the propose result and the catalog come in.
 */
import type { Catalog } from '../propose/catalog.js';
import type { ProposeResult } from '../propose/propose.js';
import { valueChanges } from '../kconfig/diffconfig.js';
import { DEFAULT_MAX_CHANGES, LAB_NEEDS } from '../kconfig/gate.js';
import { parseDotConfig } from '../kconfig/dotconfig.js';
import { olddefconfigFrom } from '../kconfig/incremental.js';
import type { KconfigState } from '../kconfig/value.js';
import { writeConfig } from '../kconfig/write.js';

export const CANDIDATE_SOURCES = ['propose', 'catalog', 'both'] as const;
export type CandidateSource = (typeof CANDIDATE_SOURCES)[number];

/**
 * Propose's plan size limit under minimize (--max-plan-changes): propose
 * alone reports plans over 8 changes as entangled, but minimize tests them,
 * last. 200 takes in CRYPTO_ALGAPI2's 99 (crypto_algapi_init, the crypto
 * self-tests: 331 ms of the Debian 6.1 boot; bench/RESULTS.md, search.bench.mjs).
 */
export const DEFAULT_MAX_PLAN_CHANGES = 200;

/** The symbols minimize never removes: --keep, plus the boot lab's needs unless --no-keep-lab-needs. */
export function keptSymbols(keep: readonly string[], keepLabNeeds = true): string[] {
  const names = keep.map((k) => k.replace(/^CONFIG_/, ''));
  return [...new Set(keepLabNeeds ? [...names, ...LAB_NEEDS] : names)];
}

/**
 * The order to try candidates in: measured ones by expected saving, those
 * with a large plan (more than propose's usual 8 changes) after them by
 * saving per change, then unmeasured ones in their given order. A big
 * plan is likelier to break something; tried last, it meets a config
 * already trimmed and fails without undoing the cheap wins.
 */
export function sortCandidates<T extends Pick<MinimizeCandidate, 'expectedMs' | 'changes'>>(list: T[]): T[] {
  const tier = (c: T) => (c.expectedMs === undefined ? 2 : c.changes.length > DEFAULT_MAX_CHANGES ? 1 : 0);
  const key = (c: T) => (c.expectedMs === undefined ? 0 : tier(c) === 1 ? c.expectedMs / c.changes.length : c.expectedMs);
  // Stable: equal keys keep their given order.
  return list.sort((a, b) => tier(a) - tier(b) || key(b) - key(a));
}

export interface MinimizeCandidate {
  /** `A=n,B=n` (propose) or `catalog:<name>`. */
  id: string;
  from: 'propose' | 'catalog';
  /** Symbol → value to set (usually 'n'). */
  changes: [string, string][];
  /** Median ms propose measured for it (initcalls it stops building), if any. */
  expectedMs?: number;
  /** What it removes: initcalls (propose) or the catalog comment. */
  describe: string;
  /** Symbols the engine predicts change when it is applied alone to the start config. */
  predictedChanges: number;
  /** Their names (journals written before this field have only the count). */
  predictedSymbols?: string[];
  /** Objects of the start build that applying it alone recompiles, of how many (src/build/rebuild-cost.ts). */
  rebuild?: { objects: number; of: number };
  /** Initcall functions it stops building (propose), for --screen. */
  initcalls?: string[];
  /** --screen: ms saved by booting the start kernel with initcall_blacklist= of its initcalls. */
  screenedMs?: number;
}

export interface DroppedCandidate {
  id: string;
  from: 'propose' | 'catalog';
  decision: 'skipped' | 'rejected';
  why: string;
  expectedMs?: number;
}

export interface CandidateList {
  candidates: MinimizeCandidate[];
  dropped: DroppedCandidate[];
}

/** The engine's full .config after applying `changes` on top of `base` (conf --olddefconfig). */
export function predictConfig(base: KconfigState, changes: readonly (readonly [string, string])[]): string {
  return writeConfig(olddefconfigFrom(base, changes));
}

export function gatherCandidates(input: {
  mode: CandidateSource;
  start: KconfigState;
  propose?: ProposeResult;
  catalog?: Catalog;
  keep: readonly string[];
}): CandidateList {
  const raw: Omit<MinimizeCandidate, 'predictedChanges'>[] = [];
  const proposedCatalog = new Map<string, number>();
  if (input.mode !== 'catalog' && input.propose) {
    for (const c of input.propose.candidates) {
      raw.push({
        id: c.id,
        from: 'propose',
        changes: c.changes.map((x) => [x.name, x.to]),
        expectedMs: c.saving.medianMs,
        describe: c.initcalls.map((i) => `${i.fn} ${i.medianMs.toFixed(1)} ms`).join(', '),
        initcalls: [...new Set(c.initcalls.map((i) => i.fn))],
      });
      for (const name of c.catalog) proposedCatalog.set(name, c.saving.medianMs);
    }
  }
  if (input.mode !== 'propose' && input.catalog) {
    for (const e of input.catalog.entries) {
      // Propose measured the same removal: take its figure, under the catalog's (wider) fragment.
      raw.push({
        id: `catalog:${e.name}`,
        from: 'catalog',
        changes: e.settings.map((s) => [s.name, s.raw]),
        expectedMs: input.mode === 'both' ? proposedCatalog.get(e.name) : undefined,
        describe: e.description.split('\n')[0] ?? e.name,
      });
    }
  }
  const startText = writeConfig(input.start);
  const startConfig = parseDotConfig(startText, 'start', { strict: false });
  const keep = new Set(input.keep);
  const candidates: MinimizeCandidate[] = [];
  const dropped: DroppedCandidate[] = [];
  const seen = new Set<string>();
  for (const c of raw) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    const drop = (why: string) => dropped.push({ id: c.id, from: c.from, decision: 'skipped', why, expectedMs: c.expectedMs });
    const touched = c.changes.map(([n]) => n).filter((n) => keep.has(n));
    if (touched.length) {
      drop(`--keep ${kept(touched)}`);
      continue;
    }
    const predicted = predictConfig(input.start, c.changes);
    if (predicted === startText) {
      drop('the Kconfig engine predicts no change to the start config (already off, or forced on)');
      continue;
    }
    const diff = valueChanges(startConfig, parseDotConfig(predicted, 'predicted', { strict: false }));
    const hitsKeep = diff.filter((e) => keep.has(e.name)).map((e) => e.name);
    if (hitsKeep.length) {
      drop(`would change --keep ${kept(hitsKeep)} (Kconfig dependencies)`);
      continue;
    }
    candidates.push({ ...c, predictedChanges: diff.length, predictedSymbols: diff.map((e) => e.name) });
  }
  return { candidates: sortCandidates(candidates), dropped };
}

/** Kept names for a message; the lab's needs say so (the user may not have named them). */
function kept(names: string[]): string {
  return names.map((n) => (LAB_NEEDS.includes(n) ? `${n} (the boot lab needs it; --no-keep-lab-needs)` : n)).join(', ');
}
