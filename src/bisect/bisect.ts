/**
 * Config bisection, as the kernel's tools/testing/ktest/config-bisect.pl
 * does it: take the symbols whose values differ between a good and a bad
 * config, apply half of them to one side, pass the result through
 * olddefconfig (so every tested config is a valid one), test it, and make it
 * the new good or bad side. When olddefconfig undoes a half (dependencies,
 * selects) so the candidate equals good or bad, try the other direction
 * (bad with the half set back to good's values), then the other half, as
 * config-bisect.pl does; ktrim also tries single symbols before giving up.
 * What is left when nothing splits any more is the culprit (one symbol, or
 * a group olddefconfig keeps together).
 *
 * A culprit may need a partner: A=y alone boots, B=y alone boots, both
 * panic. The narrowing then ends on one of them (B) with the other (A)
 * already moved into the good side. So each culprit is checked alone on the
 * good config; when that passes, its partners are among what the narrowing
 * moved into the good side, and a new narrowing runs from good + the set
 * found so far to the last bad config (delta debugging's answer: keep the
 * half that did not fail alone applied while bisecting the other). Each
 * narrowing adds one symbol (or olddefconfig group) until the set fails
 * alone: a minimal failing set when failing is monotone (every member
 * without the others sits inside a config that passed).
 *
 * Then keep going: revert the culprit set in the bad config and test that;
 * if it is still bad, there is another culprit: bisect again from the good
 * config to the bad one without the culprits found so far. Every config is
 * judged once, so a flaky test cannot make the search loop; verdicts that
 * contradict each other (a failing config inside a passing one) are noted.
 *
 * Pure: olddefconfig and the test come in as adapters (run.ts passes the
 * Kconfig engine and the build/boot lab; unit tests pass fakes).
 */
import type { DiffEntry } from '../kconfig/diffconfig.js';

/** A settled config: symbol name (no CONFIG_) → value as written after `=` ('n' for `is not set`). Absent: not written (invisible). */
export type Values = ReadonlyMap<string, string>;

/** `skip`: the config could not be judged (e.g. no measurement); the search tries another split. */
export type Verdict = 'good' | 'bad' | 'skip';

/** `verify`: a culprit set alone on the good config; `residual`: the bad config without the culprits found so far. */
export type CandidateRole = 'good' | 'bad' | 'split' | 'verify' | 'residual';

export interface Candidate {
  values: Values;
  /** Names the config (the journal's config hash). */
  key: string;
  role: CandidateRole;
  /** One line saying what the config is, e.g. `good + 3 of 6 differences (top half) from bad`. */
  label: string;
  /** Culprit round (1 for the first culprit). */
  round: number;
}

export interface TestReport {
  verdict: Verdict;
  why: string;
  /** The config actually tested when it differs from the candidate (make olddefconfig is the authority). */
  tested?: Values;
}

export interface BisectAdapters {
  /** olddefconfig of a config: the full settled values. */
  settle(values: Values): Values | Promise<Values>;
  /**
   * Can a .config set this symbol (it has a prompt)? Symbols without one
   * follow the others (selects, defaults): they are compared but never split
   * on, and a culprit names the settable symbols only. Default: all.
   */
  settable?(name: string): boolean;
  /** The journal's name for a config (a hash of canonicalText). */
  key(values: Values): string;
  /** The oracle: build, boot, test or measure. Called at most once per key. */
  test(candidate: Candidate): Promise<TestReport>;
  /** Progress (a step tested, a split olddefconfig undid). */
  onStep?(step: BisectStep): void;
}

export interface BisectOptions {
  /** Culprits to look for at most (rounds). Default 8. */
  maxCulprits?: number;
}

export interface BisectStep {
  /** 'test': a config judged (maybe from an earlier identical one); 'unchanged': olddefconfig made a split equal good or bad. */
  kind: 'test' | 'unchanged';
  round: number;
  role: CandidateRole;
  label: string;
  key?: string;
  /** Symbols the split asked to change. */
  requested: string[];
  /** Symbols olddefconfig changed besides the requested ones (relative to the side the split started from). */
  dragged: string[];
  /** Requested symbols olddefconfig set back. */
  undone: string[];
  verdict?: Verdict;
  why?: string;
  /** The verdict of an identical config tested earlier (no build). */
  reused?: boolean;
  /** Symbols still differing between good and bad after this step. */
  remaining?: number;
}

/** What one narrowing pinned down: a symbol, or a group olddefconfig keeps together. */
export interface CulpritPart {
  entries: DiffEntry[];
  follows: DiffEntry[];
  /** Not found by a narrowing: symbols olddefconfig needs before the other parts can be set (depends on). */
  dependency?: boolean;
  /** The last good and bad configs of that narrowing. */
  goodKey: string;
  badKey: string;
}

export interface Culprit {
  round: number;
  /** good → bad over the culprit's symbols (the whole set), as scripts/diffconfig prints them. */
  entries: DiffEntry[];
  /** Symbols without a prompt that change with the culprit (good → bad). */
  follows: DiffEntry[];
  /** The last good and bad configs of the round (their keys). */
  goodKey: string;
  badKey: string;
  /** Several symbols that no split could separate (olddefconfig keeps them together). */
  inseparable: boolean;
  /** The parts in the order found; `together`: more than one narrowing's part, the bad config fails only with all of them. */
  parts: CulpritPart[];
  together: boolean;
  /** The set alone on the good config (it must fail); `skip` when it could not be judged or checked. */
  verification: { verdict: Verdict; why: string; key?: string };
}

export type BisectStatus = 'found' | 'identical' | 'good-fails' | 'bad-passes';

export interface BisectResult {
  status: BisectStatus;
  culprits: Culprit[];
  steps: BisectStep[];
  /** Symbols differing between the settled good and bad configs. */
  initialDifference: number;
  /** Distinct configs the oracle judged. */
  tests: number;
  /** Why the search ended, one line. */
  end: string;
  /** The verdict on the good config (status good-fails) or the bad one (bad-passes). */
  why?: string;
  /** Inconsistent verdicts seen (a flaky test, or symbols that hide each other's breakage). */
  notes: string[];
}

/** The effective value: an invisible (absent) symbol reads as n. */
const eff = (v: Values, name: string) => v.get(name) ?? 'n';

/** Symbols whose effective values differ, sorted by name (related symbols share prefixes and land in the same half). */
export function differingSymbols(a: Values, b: Values): string[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((n) => eff(a, n) !== eff(b, n)).sort(byName);
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function sameConfig(a: Values, b: Values): boolean {
  return differingSymbols(a, b).length === 0;
}

/** The config `from` with `names` set to `to`'s values (an absent bool in `to` as n, any other absent symbol dropped). */
export function applyFrom(from: Values, names: readonly string[], to: Values): Map<string, string> {
  const out = new Map(from);
  for (const n of names) {
    const v = to.get(n);
    if (v !== undefined) out.set(n, v);
    else if (/^[ym]$/.test(from.get(n) ?? '')) out.set(n, 'n');
    else out.delete(n);
  }
  return out;
}

/** One line per written symbol, sorted, `is not set` lines dropped: what the config key hashes and what gets built. */
export function canonicalText(v: Values): string {
  return (
    [...v.entries()]
      .filter(([, raw]) => raw !== 'n')
      .sort((a, b) => byName(a[0], b[0]))
      .map(([n, raw]) => `CONFIG_${n}=${raw}`)
      .join('\n') + '\n'
  );
}

/** diffconfig entries a → b over `names` (absent as '-'/'+', as scripts/diffconfig). */
export function diffEntries(a: Values, b: Values, names: readonly string[]): DiffEntry[] {
  const out: DiffEntry[] = [];
  for (const n of [...names].sort(byName)) {
    const before = a.get(n);
    const after = b.get(n);
    if (before === undefined && after !== undefined) out.push({ op: '+', name: n, after });
    else if (after === undefined && before !== undefined) out.push({ op: '-', name: n, before });
    else if (before !== undefined && after !== undefined) out.push({ op: '->', name: n, before, after });
  }
  return out;
}

interface Split {
  /** The side the split starts from. */
  from: 'good' | 'bad';
  names: string[];
  label: string;
}

/**
 * The splits of a difference, in config-bisect.pl's order: good + top half
 * of bad's values, bad + top half of good's values, the same with the bottom
 * half; then (ktrim) each single symbol both ways, so a group olddefconfig
 * binds at the halves can still come apart.
 */
export function splitsOf(diff: readonly string[]): Split[] {
  const n = diff.length;
  if (n < 2) return [];
  const cut = Math.ceil(n / 2);
  const top = diff.slice(0, cut);
  const bottom = diff.slice(cut);
  const out: Split[] = [
    { from: 'good', names: top, label: `good + ${top.length} of ${n} differences (top half) from bad` },
    { from: 'bad', names: top, label: `bad with ${top.length} of ${n} differences (top half) back to good` },
    { from: 'good', names: bottom, label: `good + ${bottom.length} of ${n} differences (bottom half) from bad` },
    { from: 'bad', names: bottom, label: `bad with ${bottom.length} of ${n} differences (bottom half) back to good` },
  ];
  if (n > 2) {
    for (const s of diff) {
      out.push({ from: 'good', names: [s], label: `good + ${s} from bad (1 of ${n})` });
      out.push({ from: 'bad', names: [s], label: `bad with ${s} back to good (1 of ${n})` });
    }
  }
  return out;
}

/** Run the bisection. Tests good and bad first: a good that fails or a bad that passes ends it (status says which). */
export async function bisectConfigs(
  goodIn: Values,
  badIn: Values,
  adapters: BisectAdapters,
  opts: BisectOptions = {},
): Promise<BisectResult> {
  const maxCulprits = opts.maxCulprits ?? 8;
  const steps: BisectStep[] = [];
  const verdicts = new Map<string, { report: TestReport; tested: Values }>();
  let tests = 0;
  const judged: { values: Values; verdict: Verdict; label: string }[] = [];
  /** The settable ones of some differing symbols (all of them if none is: something must be named). */
  const settableOnly = (names: string[]) => {
    const set = adapters.settable ? names.filter((n) => adapters.settable!(n)) : names;
    return set.length ? set : names;
  };
  const note = (s: BisectStep) => {
    steps.push(s);
    adapters.onStep?.(s);
  };

  /** Judge one config once; an identical config (same key) reuses the earlier verdict. */
  async function judge(
    values: Values,
    role: CandidateRole,
    label: string,
    round: number,
    origin: { base: Values; requested: string[]; target: Values } | undefined,
    remaining: (verdict: Verdict, tested: Values) => number | undefined,
  ): Promise<{ verdict: Verdict; tested: Values; why: string }> {
    const key = adapters.key(values);
    let entry = verdicts.get(key);
    const reused = entry !== undefined;
    if (!entry) {
      const report = await adapters.test({ values, key, role, label, round });
      entry = { report, tested: report.tested ?? values };
      verdicts.set(key, entry);
      judged.push({ values: entry.tested, verdict: report.verdict, label: round ? `${label} (round ${round})` : label });
      tests++;
    }
    const { verdict, why } = entry.report;
    const moved = origin ? movedSymbols(origin.base, values, origin.requested, origin.target, settableOnly) : { dragged: [], undone: [] };
    note({
      kind: 'test',
      round,
      role,
      label,
      key,
      requested: origin?.requested ?? [],
      ...moved,
      verdict,
      why,
      reused,
      remaining: remaining(verdict, entry.tested),
    });
    return { verdict, tested: entry.tested, why };
  }

  const goodSettled = await adapters.settle(goodIn);
  const badSettled = await adapters.settle(badIn);
  const fullDifference = differingSymbols(goodSettled, badSettled);
  const initialDifference = fullDifference.length ? settableOnly(fullDifference).length : 0;
  const result = (status: BisectStatus, culprits: Culprit[], end: string, why?: string, notes: string[] = []): BisectResult => ({
    status,
    culprits,
    steps,
    initialDifference,
    tests,
    end,
    ...(why !== undefined ? { why } : {}),
    notes,
  });
  if (initialDifference === 0) return result('identical', [], 'good and bad are the same config after olddefconfig');

  const g = await judge(goodSettled, 'good', 'the good config', 0, undefined, () => undefined);
  if (g.verdict !== 'good') return result('good-fails', [], 'the good config does not pass', g.why);
  const b = await judge(badSettled, 'bad', 'the bad config', 0, undefined, () => undefined);
  if (b.verdict !== 'bad') return result('bad-passes', [], 'the bad config does not fail', b.why);

  const good0 = g.tested;
  const bad0t = b.tested;
  /** Narrow good..bad until no split changes anything (config-bisect.pl's loop); the last good and bad configs. */
  async function narrow(goodIn: Values, badIn: Values, round: number, applied: string[]): Promise<{ good: Values; bad: Values }> {
    // While partners are looked for, the good side carries the culprit set found so far: say so in each label.
    const named = (label: string) => (applied.length ? label.replace(/^good \+ /, `good + ${applied.join(', ')} + `) : label);
    let good = goodIn;
    let bad = badIn;
    const skipped = new Set<string>();
    // olddefconfig may move a side outside good..bad; a pair seen before would loop (at no cost in tests).
    const pairs = new Set<string>();
    for (;;) {
      const diff = settableOnly(differingSymbols(good, bad));
      if (diff.length <= 1) break;
      const pair = `${adapters.key(good)} ${adapters.key(bad)}`;
      if (pairs.has(pair)) break;
      pairs.add(pair);
      let moved = false;
      for (const split of splitsOf(diff)) {
        const base = split.from === 'good' ? good : bad;
        const target = split.from === 'good' ? bad : good;
        const cand = await adapters.settle(applyFrom(base, split.names, target));
        const same = sameConfig(cand, good) ? 'good' : sameConfig(cand, bad) ? 'bad' : undefined;
        if (same || skipped.has(adapters.key(cand))) {
          note({
            kind: 'unchanged',
            round,
            role: 'split',
            label: named(split.label),
            requested: split.names,
            ...movedSymbols(base, cand, split.names, target, settableOnly),
            why: same ? `olddefconfig made it equal to the ${same} config` : 'could not be judged before',
          });
          continue;
        }
        const cur = { good, bad };
        const r = await judge(cand, 'split', named(split.label), round, { base, requested: split.names, target }, (v, t) =>
          v === 'skip' ? undefined : settableOnly(differingSymbols(v === 'good' ? t : cur.good, v === 'bad' ? t : cur.bad)).length,
        );
        if (r.verdict === 'skip') {
          skipped.add(adapters.key(cand));
          continue;
        }
        // A tested config the oracle's own olddefconfig turned into good or bad moves nothing.
        if (r.verdict === 'good' && !sameConfig(r.tested, good)) {
          good = r.tested;
          moved = true;
        } else if (r.verdict === 'bad' && !sameConfig(r.tested, bad)) {
          bad = r.tested;
          moved = true;
        }
        if (moved) break;
      }
      if (!moved) break;
    }
    return { good, bad };
  }

  const culprits: Culprit[] = [];
  const notes: string[] = [];
  let roundBad: Values = bad0t;
  let end: string;
  for (let round = 1; ; round++) {
    // One culprit set: narrow, then check the symbols found so far alone on the good config. When that passes,
    // they need partners, and the partners are among what the narrowing moved into the good side: narrow again
    // from good + the set (the half that did not fail alone stays applied while the other is bisected).
    const parts: CulpritPart[] = [];
    const set: string[] = [];
    let good: Values = good0;
    let bad: Values = roundBad;
    let verification: Culprit['verification'];
    let last: { good: Values; bad: Values };
    for (;;) {
      last = await narrow(good, bad, round, [...set]);
      const all = differingSymbols(last.good, last.bad);
      const names = settableOnly(all);
      const fresh = names.filter((n) => !set.includes(n));
      if (fresh.length === 0 || fresh.length < names.length) {
        const msg = `round ${round}: the narrowing ended on ${names.length ? names.join(' ') : 'no symbol'}, ${
          names.length ? 'already in the culprit set' : 'nothing to blame'
        }: inconsistent verdicts (a flaky test?) or olddefconfig undoing the split`;
        notes.push(msg);
        if (fresh.length === 0) {
          verification = { verdict: 'skip', why: msg };
          break;
        }
      }
      const follows = all.filter((n) => !names.includes(n));
      parts.push({
        entries: diffEntries(last.good, last.bad, fresh),
        follows: diffEntries(last.good, last.bad, follows),
        goodKey: adapters.key(last.good),
        badKey: adapters.key(last.bad),
      });
      set.push(...fresh);
      // The set alone on the good config must fail. A member olddefconfig takes back there (it depends on a
      // symbol the narrowing had moved into the good side) needs that symbol too: find the fewest such, by
      // olddefconfig alone (no build), and add them as a part of the set.
      const keeps = async (extra: readonly string[]) => {
        const v = await adapters.settle(applyFrom(good0, [...set, ...extra], last.bad));
        return set.every((n) => eff(v, n) === eff(last.bad, n));
      };
      if (!(await keeps([]))) {
        const pool = settableOnly(differingSymbols(good0, last.bad)).filter((n) => !set.includes(n));
        const needed = (await keeps(pool)) ? await fewest(pool, keeps) : [];
        if (needed.length) {
          parts.push({
            entries: diffEntries(good0, last.bad, needed),
            follows: [],
            goodKey: adapters.key(last.good),
            badKey: adapters.key(last.bad),
            dependency: true,
          });
          set.push(...needed);
        }
      }
      const alone = await adapters.settle(applyFrom(good0, set, last.bad));
      const label = `check: good + only ${[...set].sort(byName).join(', ')} from bad`;
      if (sameConfig(alone, good0)) {
        verification = { verdict: 'skip', why: 'olddefconfig sets the culprit back on the good config: cannot be checked alone' };
        note({
          kind: 'unchanged',
          round,
          role: 'verify',
          label,
          requested: [...set],
          ...movedSymbols(good0, alone, set, last.bad, settableOnly),
          why: verification.why,
        });
        break;
      }
      const v = await judge(alone, 'verify', label, round, { base: good0, requested: [...set], target: last.bad }, () => undefined);
      verification = { verdict: v.verdict, why: v.why, key: adapters.key(alone) };
      if (v.verdict !== 'good') break;
      if (set.length >= initialDifference) {
        notes.push(`round ${round}: the whole difference alone on the good config passes: inconsistent verdicts (a flaky test?)`);
        break;
      }
      good = v.tested;
      bad = last.bad;
    }
    if (!parts.length) {
      end = `round ${round} found no culprit: ${notes.at(-1) ?? 'nothing to blame'}`;
      break;
    }
    culprits.push({
      round,
      entries: diffEntries(good0, last.bad, set),
      follows: parts.flatMap((p) => p.follows).sort((x, y) => byName(x.name, y.name)),
      goodKey: parts.at(-1)!.goodKey,
      badKey: parts.at(-1)!.badKey,
      inseparable: parts.some((p) => p.entries.length > 1),
      parts,
      together: parts.filter((p) => !p.dependency).length > 1,
      verification,
    });
    if (culprits.length >= maxCulprits) {
      end = `stopped after ${maxCulprits} culprits (--max-culprits)`;
      break;
    }
    // Keep going: the original bad config without every culprit found so far.
    const allNames = culprits.flatMap((c) => c.entries.map((e) => e.name));
    const residual = await adapters.settle(applyFrom(bad0t, allNames, good0));
    const label = `bad without the culprit${allNames.length > 1 ? 's' : ''} (${allNames.join(', ')})`;
    if (sameConfig(residual, good0)) {
      end = `the culprit${allNames.length > 1 ? 's are' : ' is'} the whole difference`;
      break;
    }
    if (sameConfig(residual, bad0t) || sameConfig(residual, roundBad)) {
      note({
        kind: 'unchanged',
        round,
        role: 'residual',
        label,
        requested: allNames,
        ...movedSymbols(bad0t, residual, allNames, good0, settableOnly),
        why: 'olddefconfig brings the culprit back (selected or defaulted by another symbol)',
      });
      end = 'olddefconfig does not let the bad config drop the culprit: no further culprit can be told apart';
      break;
    }
    const r = await judge(residual, 'residual', label, round, { base: bad0t, requested: allNames, target: good0 }, () => undefined);
    if (r.verdict === 'good') {
      end = `the bad config passes without the culprit${allNames.length > 1 ? 's' : ''}: nothing else is bad`;
      break;
    }
    if (r.verdict === 'skip') {
      end = 'the bad config without the culprits could not be judged: no further culprit looked for';
      break;
    }
    // Still bad: another culprit between the good config and the residual.
    roundBad = r.tested;
    if (sameConfig(good0, roundBad)) {
      end = 'the residual config equals the good one';
      break;
    }
  }
  notes.push(...contradictions(judged, good0, bad0t, settableOnly(differingSymbols(good0, bad0t))));
  return result('found', culprits, end, undefined, notes);
}

/**
 * Verdicts that contradict each other if failing is monotone (more of bad's values never fixes a failure):
 * a failing config whose changes from good are all inside a passing config's. A flaky test does that, and so
 * do symbols that hide each other's breakage; either way the culprits are only what the verdicts imply.
 */
export function contradictions(
  judged: readonly { values: Values; verdict: Verdict; label: string }[],
  good: Values,
  bad: Values,
  diff: readonly string[],
): string[] {
  const changes = (v: Values) => new Set(diff.filter((n) => eff(v, n) === eff(bad, n)));
  const seen = judged.filter((j) => j.verdict !== 'skip').map((j) => ({ ...j, changes: changes(j.values) }));
  const out: string[] = [];
  for (const f of seen.filter((j) => j.verdict === 'bad'))
    for (const p of seen.filter((j) => j.verdict === 'good'))
      if (f.changes.size < p.changes.size && [...f.changes].every((n) => p.changes.has(n)))
        out.push(`inconsistent verdicts: "${f.label}" failed, but "${p.label}", which has all its changes and more, passed`);
  return out.slice(0, 5).concat(out.length > 5 ? [`and ${out.length - 5} more inconsistent pair(s)`] : []);
}

/**
 * A smallest-found subset of `pool` for which `ok` holds (ok(pool) must):
 * drop halves, then quarters, ... down to single symbols, keeping each drop
 * that `ok` still allows. `ok` is cheap (olddefconfig, no build).
 */
export async function fewest(pool: readonly string[], ok: (names: readonly string[]) => Promise<boolean>): Promise<string[]> {
  let keep = [...pool];
  for (let size = Math.ceil(keep.length / 2); size >= 1; size = size === 1 ? 0 : Math.ceil(size / 2)) {
    for (let i = 0; i < keep.length;) {
      const without = [...keep.slice(0, i), ...keep.slice(i + size)];
      if (await ok(without)) keep = without;
      else i += size;
    }
  }
  return keep;
}

/** What olddefconfig did to a split: symbols it changed that were not asked for, and asked-for changes it undid. */
function movedSymbols(
  base: Values,
  cand: Values,
  requested: readonly string[],
  target: Values,
  settableOnly: (names: string[]) => string[],
): { dragged: string[]; undone: string[] } {
  const asked = new Set(requested);
  const changed = settableOnly(differingSymbols(base, cand));
  return {
    dragged: changed.filter((n) => !asked.has(n)),
    undone: requested.filter((n) => eff(cand, n) !== eff(target, n)),
  };
}
