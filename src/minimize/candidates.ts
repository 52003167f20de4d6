/**
 * The removals minimize tries: from `propose` (measured ms from the
 * baseline's initcall_debug boot) and/or the catalog (known removals, no
 * measured figure unless propose found the same one). Each is passed through
 * the Kconfig engine first: one that changes nothing in the start config is
 * skipped, one that would change a --keep symbol is dropped, both recorded.
 * Pure: the evaluated start state, the propose result and the catalog come in.
 */
import type { Catalog } from '../propose/catalog.js';
import type { ProposeResult } from '../propose/propose.js';
import { diffConfigs } from '../kconfig/diffconfig.js';
import { parseDotConfig } from '../kconfig/dotconfig.js';
import { olddefconfigFrom } from '../kconfig/incremental.js';
import type { KconfigState } from '../kconfig/value.js';
import { writeConfig } from '../kconfig/write.js';

export const CANDIDATE_SOURCES = ['propose', 'catalog', 'both'] as const;
export type CandidateSource = (typeof CANDIDATE_SOURCES)[number];

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
        changes: e.settings.map((s) => [s.name, s.value]),
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
      drop(`--keep ${touched.join(', ')}`);
      continue;
    }
    const predicted = predictConfig(input.start, c.changes);
    if (predicted === startText) {
      drop('the Kconfig engine predicts no change to the start config (already off, or forced on)');
      continue;
    }
    const diff = diffConfigs(startConfig, parseDotConfig(predicted, 'predicted', { strict: false })).filter(
      (e) => (e.before ?? 'n') !== (e.after ?? 'n'),
    );
    const hitsKeep = diff.filter((e) => keep.has(e.name)).map((e) => e.name);
    if (hitsKeep.length) {
      drop(`would change --keep ${hitsKeep.join(', ')} (Kconfig dependencies)`);
      continue;
    }
    candidates.push({ ...c, predictedChanges: diff.length });
  }
  // Best expected saving first; unmeasured ones after, in their given order (stable sort).
  candidates.sort((a, b) => (b.expectedMs ?? -1) - (a.expectedMs ?? -1));
  return { candidates, dropped };
}
