/**
 * The minimize search, pure: which removals to try together, in what order,
 * and what to keep. The real work (build, boot, measure, journal) is the
 * oracle passed in; tests and the search-efficiency bench pass a model.
 *
 * Public API (imported by bench/search from dist/minimize/search.js):
 *
 *   searchRemovals(candidates: SearchCandidate[], oracle: Oracle, opts: SearchOptions): Promise<SearchResult>
 *     candidates  { id, expectedMs?, rebuild? } in the order to try (best expected saving first)
 *     oracle      (accepted ids, trial ids) => Verdict: builds start config + accepted + trial
 *                 removals, boots it and compares with the accepted config's boots
 *                 ('faster' | 'not-faster' | 'broken' | 'unchanged')
 *     opts        { minSavingMs, jobs?, shouldStop?, fits?, onEvent? }
 *   result: { accepted: string[], decisions: CandidateDecision[] (one per candidate, input order),
 *             evaluations: number, rounds: number, stopped?: string }
 *
 * The algorithm: group testing as in delta debugging. A group of removals is
 * tried at once on top of the accepted ones; when it fails to build, boot or
 * pass --test, or is not faster, it is split in two halves that are tried in
 * turn (recursively, depth first, best expected saving first). A group is
 * accepted wholesale only when it passes, is faster, saves at least
 * minSavingMs × |group|, and every member has an expected saving ≥
 * minSavingMs measured by propose; candidates without such a figure start
 * alone, so one that saves nothing is always rejected by its own
 * measurement. What broke alone is remembered (ktest's IGNORE_CONFIG) and
 * never tried again, in no group.
 *
 * Build cost: measured candidates whose removal recompiles more than
 * EXPENSIVE_REBUILD of the kernel's objects (BLOCK=n reaches <linux/fs.h>)
 * form a second group after the cheap ones, so the first answers cost a
 * relink rather than a rebuild. With a time budget, `fits` skips a group that
 * would not finish in the time left and takes the next one that would; the
 * first evaluation always runs.
 *
 * Parallel (jobs > 1): each round takes up to `jobs` groups from the front
 * of the queue and evaluates them against the same accepted set at once.
 * If more than one is accepted, their union is evaluated once on top of the
 * accepted set: accepted when it passes and saves ≥ minSavingMs × |union|;
 * otherwise only the round's best group (largest saving) is accepted and the
 * others go back to the front of the queue, to be measured again on top of it.
 *
 * Deterministic: the same verdicts give the same calls in the same order,
 * which is what makes `--resume` work (the oracle answers finished
 * evaluations from the journal by config hash).
 */

export interface SearchCandidate {
  id: string;
  /** Saving measured before the search (propose's median ms), if any. */
  expectedMs?: number;
  /** Share of the kernel's objects its removal recompiles (0–1; src/build/rebuild-cost.ts), if known. */
  rebuild?: number;
}

/** Above this share of objects recompiled, a measured candidate waits in the second group. */
export const EXPENSIVE_REBUILD = 0.25;

export type Verdict =
  | { kind: 'faster'; savingMs: number; ci?: [number, number] | null; why: string }
  | { kind: 'not-faster'; savingMs: number; ci?: [number, number] | null; why: string }
  | { kind: 'broken'; stage: 'build' | 'boot' | 'test'; why: string }
  /** The trial config equals the accepted one (the engine or make says): nothing to measure. */
  | { kind: 'unchanged'; why: string };

/** Evaluate start config + accepted + trial removals against start config + accepted. */
export type Oracle = (accepted: readonly string[], trial: readonly string[]) => Promise<Verdict>;

export type SearchEvent =
  | { type: 'try'; accepted: readonly string[]; trial: readonly string[]; union?: boolean }
  | { type: 'verdict'; trial: readonly string[]; verdict: Verdict; union?: boolean }
  | { type: 'accept'; ids: readonly string[]; savingMs: number }
  | { type: 'reject'; id: string; why: string }
  | { type: 'split'; group: readonly string[]; halves: [readonly string[], readonly string[]]; why: string };

export interface SearchOptions {
  minSavingMs: number;
  /** Groups evaluated at once (default 1). */
  jobs?: number;
  /** Checked before each round: a reason stops the search (budget spent); the rest is 'untried'. */
  shouldStop?: () => string | undefined;
  /** Checked for each group but the first evaluation: a reason skips it (it would overrun the budget); the next group that fits goes first. */
  fits?: (group: readonly string[], accepted: readonly string[]) => string | undefined;
  onEvent?: (e: SearchEvent) => void;
}

export type Decision = 'kept' | 'rejected' | 'skipped' | 'untried';

export interface CandidateDecision {
  id: string;
  decision: Decision;
  why: string;
  /** kept: the saving measured for the group it was accepted in (ms, with the group's size). */
  savingMs?: number;
  ci?: [number, number] | null;
  /** The accepted group (several ids when accepted wholesale). */
  group?: string[];
  expectedMs?: number;
}

export interface SearchResult {
  /** Kept removals in the order accepted. */
  accepted: string[];
  decisions: CandidateDecision[];
  /** Oracle calls made. */
  evaluations: number;
  rounds: number;
  /** Why the search stopped early (budget), if it did. */
  stopped?: string;
}

const passes = (v: Verdict): v is Extract<Verdict, { kind: 'faster' }> => v.kind === 'faster';

export async function searchRemovals(candidates: readonly SearchCandidate[], oracle: Oracle, opts: SearchOptions): Promise<SearchResult> {
  const jobs = Math.max(1, Math.floor(opts.jobs ?? 1));
  const min = opts.minSavingMs;
  const emit = opts.onEvent ?? (() => {});
  const byId = new Map(candidates.map((c) => [c.id, c]));
  if (byId.size !== candidates.length) throw new Error('searchRemovals: duplicate candidate ids');
  const measured = (id: string) => (byId.get(id)!.expectedMs ?? -Infinity) >= min;
  const decided = new Map<string, CandidateDecision>();
  const brokeAlone = new Set<string>();
  const accepted: string[] = [];
  let evaluations = 0;
  let rounds = 0;
  let stopped: string | undefined;

  // Measured candidates start as one group (cheap to rebuild, then expensive); the others alone, after them.
  const queue: string[][] = [];
  const expensive = (c: SearchCandidate) => (c.rebuild ?? 0) > EXPENSIVE_REBUILD;
  const cheapGroup = candidates.filter((c) => measured(c.id) && !expensive(c)).map((c) => c.id);
  const expensiveGroup = candidates.filter((c) => measured(c.id) && expensive(c)).map((c) => c.id);
  for (const g of [cheapGroup, expensiveGroup]) if (g.length) queue.push(g);
  for (const c of candidates) if (!measured(c.id)) queue.push([c.id]);
  /** Why a candidate's group was left out for the budget (its decision stays 'untried'). */
  const overBudget = new Map<string, string>();

  const decide = (id: string, d: Omit<CandidateDecision, 'id' | 'expectedMs'>) => {
    decided.set(id, { id, expectedMs: byId.get(id)!.expectedMs, ...d });
    if (d.decision !== 'kept') emit({ type: 'reject', id, why: d.why });
  };
  const accept = (ids: readonly string[], v: Extract<Verdict, { kind: 'faster' }>, why: string) => {
    accepted.push(...ids);
    for (const id of ids)
      decided.set(id, { id, decision: 'kept', why, savingMs: v.savingMs, ci: v.ci, group: [...ids], expectedMs: byId.get(id)!.expectedMs });
    emit({ type: 'accept', ids, savingMs: v.savingMs });
  };
  const wholesale = (g: readonly string[], v: Verdict): v is Extract<Verdict, { kind: 'faster' }> =>
    passes(v) && v.savingMs >= min * g.length && (g.length === 1 || g.every(measured));
  const ask = async (trial: readonly string[], union = false): Promise<Verdict> => {
    emit({ type: 'try', accepted: [...accepted], trial, union });
    evaluations++;
    const v = await oracle([...accepted], trial);
    emit({ type: 'verdict', trial, verdict: v, union });
    return v;
  };

  /** What to do with one group's verdict (not accepted): decide a single, or split. */
  const settle = (g: string[], v: Verdict, front: string[][]) => {
    if (v.kind === 'unchanged') {
      // The whole group changes nothing on top of the accepted ones: neither does any member.
      for (const id of g) decide(id, { decision: 'skipped', why: `no change: ${v.why}` });
      return;
    }
    if (g.length === 1) {
      const id = g[0];
      if (v.kind === 'broken') {
        brokeAlone.add(id);
        decide(id, { decision: 'rejected', why: `${v.stage} failed: ${v.why}` });
      } else {
        const s = 'savingMs' in v ? v.savingMs : undefined;
        const why = v.kind === 'faster' ? `saves ${s!.toFixed(1)} ms < --min-saving-ms ${min}: ${v.why}` : `not faster: ${v.why}`;
        decide(id, { decision: 'rejected', why, savingMs: s, ci: 'ci' in v ? v.ci : undefined });
      }
      return;
    }
    const half = Math.ceil(g.length / 2);
    const halves: [string[], string[]] = [g.slice(0, half), g.slice(half)];
    const why =
      v.kind === 'broken'
        ? `${v.stage} failed`
        : v.kind === 'not-faster'
          ? 'not faster'
          : !g.every(measured)
            ? 'a member has no measured saving'
            : `saves ${v.savingMs.toFixed(1)} ms < ${min} ms × ${g.length}`;
    emit({ type: 'split', group: g, halves, why });
    front.push(...halves);
  };

  while (queue.length) {
    stopped = opts.shouldStop?.();
    if (stopped) break;
    // The next groups that fit the budget, without what broke alone or is already decided.
    const batch: string[][] = [];
    for (let i = 0; i < queue.length && batch.length < jobs;) {
      const g = queue[i].filter((id) => !brokeAlone.has(id) && !decided.has(id));
      const tooBig = g.length && evaluations > 0 ? opts.fits?.(g, accepted) : undefined;
      if (tooBig) {
        for (const id of g) overBudget.set(id, tooBig);
        i++;
        continue;
      }
      queue.splice(i, 1);
      if (g.length) batch.push(g);
    }
    if (!batch.length) {
      const left = queue.flat().find((id) => !brokeAlone.has(id) && !decided.has(id));
      if (left) stopped = `no group left fits the budget: ${overBudget.get(left)}`;
      break;
    }
    for (const g of batch) for (const id of g) overBudget.delete(id);
    rounds++;
    const verdicts = await Promise.all(batch.map((g) => ask(g)));
    const front: string[][] = [];
    const winners = batch.map((g, i) => ({ g, v: verdicts[i] })).filter((x) => wholesale(x.g, x.v));
    if (winners.length > 1) {
      const union = winners.flatMap((w) => w.g);
      const uv = await ask(union, true);
      // Every winner was acceptable alone: the union only has to hold up together.
      if (passes(uv) && uv.savingMs >= min * union.length) {
        accept(union, uv, `accepted with ${union.length - 1} other(s) evaluated in parallel; the union saved ${uv.savingMs.toFixed(1)} ms`);
      } else {
        // Keep the best; the rest are measured again on top of it.
        const best = winners.reduce((a, b) => ((b.v as { savingMs: number }).savingMs > (a.v as { savingMs: number }).savingMs ? b : a));
        accept(best.g, best.v as Extract<Verdict, { kind: 'faster' }>, groupWhy(best.g, best.v as Extract<Verdict, { kind: 'faster' }>));
        for (const w of winners) if (w !== best) front.push(w.g);
      }
    } else if (winners.length === 1) {
      const w = winners[0];
      accept(w.g, w.v as Extract<Verdict, { kind: 'faster' }>, groupWhy(w.g, w.v as Extract<Verdict, { kind: 'faster' }>));
    }
    // Losers in batch order, so the queue stays ordered by expected saving.
    const requeue: string[][] = [];
    for (let i = 0; i < batch.length; i++) {
      if (winners.some((w) => w.g === batch[i])) continue;
      settle(batch[i], verdicts[i], requeue);
    }
    queue.unshift(...front, ...requeue);
  }

  const decisions = candidates.map(
    (c) =>
      decided.get(c.id) ?? {
        id: c.id,
        decision: 'untried' as const,
        why: overBudget.get(c.id) ?? stopped ?? 'not reached',
        expectedMs: c.expectedMs,
      },
  );
  return { accepted, decisions, evaluations, rounds, stopped };
}

function groupWhy(g: readonly string[], v: Extract<Verdict, { kind: 'faster' }>): string {
  return g.length === 1
    ? `saves ${v.savingMs.toFixed(1)} ms: ${v.why}`
    : `accepted as a group of ${g.length} saving ${v.savingMs.toFixed(1)} ms: ${v.why}`;
}
