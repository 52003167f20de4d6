import { describe, expect, it } from '@jest/globals';
import { searchRemovals, type Oracle, type SearchCandidate, type Verdict } from '../../../src/minimize/search.js';

/** A model kernel: each removal saves a fixed time; some break the boot; the saving of a set is the sum. */
function model(savings: Record<string, number>, broken: string[] = [], threshold = 1) {
  const calls: { accepted: string[]; trial: string[] }[] = [];
  const oracle: Oracle = async (accepted, trial) => {
    calls.push({ accepted: [...accepted], trial: [...trial] });
    const bad = trial.find((id) => broken.includes(id));
    if (bad) return { kind: 'broken', stage: 'boot', why: `panic (${bad})` } satisfies Verdict;
    const s = trial.reduce((a, id) => a + (savings[id] ?? 0), 0);
    return s >= threshold
      ? { kind: 'faster', savingMs: s, ci: null, why: 'model' }
      : { kind: 'not-faster', savingMs: s, ci: null, why: 'model' };
  };
  return { oracle, calls };
}

const cands = (spec: Record<string, number | undefined>): SearchCandidate[] =>
  Object.entries(spec).map(([id, expectedMs]) => ({ id, expectedMs }));

describe('searchRemovals', () => {
  it('accepts a group that passes and saves enough per member in one evaluation', async () => {
    const { oracle, calls } = model({ A: 30, B: 20, C: 10 });
    const r = await searchRemovals(cands({ A: 30, B: 20, C: 10 }), oracle, { minSavingMs: 5 });
    expect(r.accepted).toEqual(['A', 'B', 'C']);
    expect(calls).toHaveLength(1);
    expect(r.decisions.map((d) => d.decision)).toEqual(['kept', 'kept', 'kept']);
    expect(r.decisions[0].group).toEqual(['A', 'B', 'C']);
  });

  it('isolates a removal that breaks the boot by splitting, and keeps the rest', async () => {
    const { oracle, calls } = model({ A: 30, B: 20, C: 10, D: 8 }, ['C']);
    const r = await searchRemovals(cands({ A: 30, B: 20, C: 10, D: 8 }), oracle, { minSavingMs: 5 });
    expect(r.accepted).toEqual(['A', 'B', 'D']);
    const c = r.decisions.find((d) => d.id === 'C')!;
    expect(c.decision).toBe('rejected');
    expect(c.why).toMatch(/boot failed: panic/);
    // ABCD fails, AB accepted, CD fails, C fails alone, D accepted: 5 evaluations (ktest would use 4 builds, one per symbol, without measuring).
    expect(calls.map((x) => x.trial.join(''))).toEqual(['ABCD', 'AB', 'CD', 'C', 'D']);
    expect(calls[4].accepted).toEqual(['A', 'B']);
  });

  it('never tries again, in any group, what broke alone', async () => {
    // Parallel rounds re-queue groups; a broken id must not come back.
    const { oracle, calls } = model({ A: 30, B: 20, C: 10, D: 8, E: 7, F: 6 }, ['B', 'E']);
    const r = await searchRemovals(cands({ A: 30, B: 20, C: 10, D: 8, E: 7, F: 6 }), oracle, { minSavingMs: 5, jobs: 2 });
    for (const bad of ['B', 'E']) {
      const alone = calls.findIndex((c) => c.trial.length === 1 && c.trial[0] === bad);
      expect(alone).toBeGreaterThanOrEqual(0);
      expect(calls.slice(alone + 1).some((c) => c.trial.includes(bad) || c.accepted.includes(bad))).toBe(false);
    }
    expect([...r.accepted].sort()).toEqual(['A', 'C', 'D', 'F']);
  });

  it('decides a candidate without a measured saving alone, so one that saves nothing is rejected by its own measurement', async () => {
    const { oracle, calls } = model({ A: 30, B: 20, Z: 0 });
    const r = await searchRemovals(cands({ A: 30, B: 20, Z: undefined }), oracle, { minSavingMs: 5 });
    expect(r.accepted).toEqual(['A', 'B']);
    expect(calls.map((x) => x.trial.join(''))).toEqual(['AB', 'Z']);
    const z = r.decisions.find((d) => d.id === 'Z')!;
    expect(z.decision).toBe('rejected');
    expect(z.why).toMatch(/not faster/);
  });

  it('does not accept a group whose saving is under minSaving × |group|: it splits and keeps only what saves', async () => {
    // propose expected 10 ms from each, but B really saves nothing.
    const { oracle, calls } = model({ A: 12, B: 0 });
    const r = await searchRemovals(cands({ A: 10, B: 10 }), oracle, { minSavingMs: 8 });
    expect(calls.map((x) => x.trial.join(''))).toEqual(['AB', 'A', 'B']);
    expect(r.accepted).toEqual(['A']);
    expect(r.decisions[1]).toMatchObject({ id: 'B', decision: 'rejected' });
  });

  it('skips a group the engine says changes nothing, without splitting it', async () => {
    const oracle: Oracle = async (_acc, trial) =>
      trial.includes('X') ? { kind: 'unchanged', why: 'already off' } : { kind: 'faster', savingMs: 50, why: 'm' };
    const r = await searchRemovals(cands({ X: undefined }), oracle, { minSavingMs: 5 });
    expect(r.decisions[0]).toMatchObject({ decision: 'skipped' });
    expect(r.evaluations).toBe(1);
  });

  it('is deterministic: the same verdicts give the same calls (what --resume relies on)', async () => {
    const spec = { A: 30, B: 20, C: 10, D: 8, E: 7 };
    const a = model(spec, ['D']);
    const b = model(spec, ['D']);
    await searchRemovals(cands(spec), a.oracle, { minSavingMs: 5, jobs: 2 });
    await searchRemovals(cands(spec), b.oracle, { minSavingMs: 5, jobs: 2 });
    expect(a.calls).toEqual(b.calls);
  });

  it('with jobs > 1 evaluates the union of parallel winners once and keeps it when it holds up', async () => {
    const { oracle, calls } = model({ A: 30, B: 20, C: 10, D: 8 }, ['C']);
    const r = await searchRemovals(cands({ A: 30, B: 20, C: 10, D: 8 }), oracle, { minSavingMs: 5, jobs: 2 });
    expect([...r.accepted].sort()).toEqual(['A', 'B', 'D']);
    expect(r.rounds).toBeLessThan(calls.length);
  });

  it('with jobs > 1 keeps only the best parallel winner when the union does not hold up, and re-measures the other', async () => {
    // A and B each save 20 alone, but only 20 together (they remove the same wait).
    const oracle: Oracle = async (acc, trial) => {
      const all = new Set([...acc, ...trial]);
      const before = new Set(acc);
      const t = (s: Set<string>) => (s.has('A') || s.has('B') ? 20 : 0) + (s.has('C') ? 1 : 0);
      const saving = t(all) - t(before);
      return saving >= 1 ? { kind: 'faster', savingMs: saving, why: 'm' } : { kind: 'not-faster', savingMs: saving, why: 'm' };
    };
    const r = await searchRemovals(cands({ A: undefined, B: undefined }), oracle, { minSavingMs: 15, jobs: 2 });
    expect(r.accepted).toEqual(['A']);
    expect(r.decisions[1]).toMatchObject({ id: 'B', decision: 'rejected' });
  });

  it('stops when the budget says so and leaves the rest untried', async () => {
    const { oracle } = model({ A: 1, B: 1, C: 1 }, [], 5);
    let n = 0;
    const r = await searchRemovals(cands({ A: undefined, B: undefined, C: undefined }), oracle, {
      minSavingMs: 5,
      shouldStop: () => (n++ >= 2 ? 'build budget spent (2)' : undefined),
    });
    expect(r.stopped).toBe('build budget spent (2)');
    expect(r.decisions.map((d) => d.decision)).toEqual(['rejected', 'rejected', 'untried']);
  });

  it('tries measured candidates that are cheap to rebuild first, as one group, and the expensive ones after them as another', async () => {
    const { oracle, calls } = model({ P: 38, B: 12, A: 8, Q: 7 });
    const list: SearchCandidate[] = [
      { id: 'P', expectedMs: 38, rebuild: 0.005 },
      { id: 'B', expectedMs: 12, rebuild: 0.72 },
      { id: 'A', expectedMs: 8, rebuild: 0 },
      { id: 'Q', expectedMs: 7, rebuild: 0.72 },
    ];
    const r = await searchRemovals(list, oracle, { minSavingMs: 5 });
    expect(calls.map((x) => x.trial.join(''))).toEqual(['PA', 'BQ']);
    expect(r.accepted).toEqual(['P', 'A', 'B', 'Q']);
    // Without build costs: one group, as before.
    const plain = model({ P: 38, B: 12, A: 8, Q: 7 });
    await searchRemovals(cands({ P: 38, B: 12, A: 8, Q: 7 }), plain.oracle, { minSavingMs: 5 });
    expect(plain.calls.map((x) => x.trial.join(''))).toEqual(['PBAQ']);
  });

  it('skips a group that does not fit the time left and takes the next that does; the first evaluation always runs', async () => {
    const { oracle, calls } = model({ B: 12, Q: 7, X: 3, Y: 0 }, [], 2);
    const list: SearchCandidate[] = [
      { id: 'B', expectedMs: 12, rebuild: 0.72 },
      { id: 'Q', expectedMs: 7, rebuild: 0.72 },
      { id: 'X' },
      { id: 'Y' },
    ];
    const asked: string[] = [];
    const r = await searchRemovals(list, oracle, {
      minSavingMs: 2,
      fits: (g) => {
        asked.push(g.join(''));
        return g.includes('B') || g.includes('Q') ? 'needs ≈ 12 min of build, 3 min left' : undefined;
      },
    });
    // The first group (expensive) runs although it would not fit; it is not asked about.
    expect(calls.map((x) => x.trial.join(''))).toEqual(['BQ', 'X', 'Y']);
    expect(asked[0]).toBe('X');
    expect(r.accepted).toEqual(['B', 'Q', 'X']);

    const second = model({ P: 38, B: 12, Z: 0 }, [], 2);
    const r2 = await searchRemovals(
      [
        { id: 'P', expectedMs: 38, rebuild: 0 },
        { id: 'B', expectedMs: 12, rebuild: 0.72 },
        { id: 'Z', rebuild: 0.9 },
      ],
      second.oracle,
      { minSavingMs: 2, fits: (g) => (g.some((id) => id !== 'P') ? `${g.join('')} needs ≈ 12 min, 3 min left` : undefined) },
    );
    expect(second.calls.map((x) => x.trial.join(''))).toEqual(['P']);
    expect(r2.stopped).toBe('no group left fits the budget: B needs ≈ 12 min, 3 min left');
    expect(r2.decisions.map((d) => [d.id, d.decision, d.why])).toEqual([
      ['P', 'kept', expect.stringMatching(/^saves 38/)],
      ['B', 'untried', 'B needs ≈ 12 min, 3 min left'],
      ['Z', 'untried', 'Z needs ≈ 12 min, 3 min left'],
    ]);
  });
});
