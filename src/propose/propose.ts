/**
 * Ranked candidate removals: from each measured initcall to its source file
 * (attribution), to the CONFIG symbols that gate the file (kconfig/gate.ts),
 * to the user-settable changes that turn it off, with the milliseconds that
 * go away (median over the boots of the per-boot sum) and the blast radius.
 * Pure: the parsed boots, the attribution, the Kbuild map, the evaluated
 * config and the catalog come in; the minimization loop consumes the result.
 */
import { formatDiffconfig, type DiffEntry } from '../kconfig/diffconfig.js';
import { parseDotConfig } from '../kconfig/dotconfig.js';
import { offFragment, type OffChange, type OffPlan } from '../kconfig/explain.js';
import { gateFile, triValue, type CannotDisable, type FileGate, type GateContext } from '../kconfig/gate.js';
import { kbuildState, type KbuildMap } from '../kconfig/kbuild.js';
import { groupInitcalls, initcallKeyString, rankBoots, type InitcallReport, type RankedInitcall } from '../initcall/rank.js';
import type { InitcallAttribution } from '../initcall/attribute.js';
import type { ParsedBoot } from '../initcall/types.js';
import type { Summary } from '../stats/summary.js';
import { catalogEntriesFor, type Catalog } from './catalog.js';

/** What attribution says about one initcall of one boot (the fields propose reads). */
export type AttributedInitcall = Pick<
  InitcallAttribution,
  'fn' | 'module' | 'index' | 'boot' | 'file' | 'line' | 'how' | 'unresolvedReason'
>;

/** Attribution methods that pick among candidates by inference rather than by name or link order. */
const INFERRED = new Set(['config', 'ifdef', 'level', 'size', 'exclusion', 'definition']);

export interface InitcallCost {
  key: string;
  fn: string;
  module?: string;
  file: string | null;
  how?: string;
  /** Over the boots, in ms. */
  medianMs: number;
  sdMs: number | null;
  boots: number;
  /** Durations are whole jiffies (early initcalls): coarse. */
  jiffyMs?: number;
}

export type Confidence = 'high' | 'medium' | 'low';

export interface Candidate {
  /** The changes, `A=n,B=n`: identifies the candidate. */
  id: string;
  /** User-settable symbols to change (a merge_config fragment: `fragment`). */
  changes: OffChange[];
  /** The gating symbols the changes turn off. */
  targets: string[];
  fragment: string;
  /** Every measured initcall whose file this change stops building. */
  initcalls: InitcallCost[];
  /** Per-boot sum of those initcalls, over the boots (ms). */
  saving: { medianMs: number; sdMs: number | null; n: number };
  blastRadius: DiffEntry[];
  diffconfig: string;
  /** Catalog items that list one of the changes or targets. */
  catalog: string[];
  risky: string[];
  confidence: Confidence;
  confidenceWhy: string[];
}

export interface FixedCost extends InitcallCost {
  because: CannotDisable;
  reason: string;
}

export interface Unattributed extends InitcallCost {
  reason: string;
}

export interface ProposeResult {
  kernels: string[];
  boots: number;
  minMs: number;
  /** Initcalls at or above minMs considered. */
  considered: number;
  candidates: Candidate[];
  /** Costs no config change removes, with the reason. */
  fixed: FixedCost[];
  /** No source file found (never guessed), or the file's Kbuild line not found. */
  unresolved: Unattributed[];
  /** Attributed to a file this config does not build: the config or the log does not belong to the tree. */
  notBuilt: Unattributed[];
  warnings: string[];
}

export interface ProposeInput {
  boots: readonly ParsedBoot[];
  attribution: readonly AttributedInitcall[];
  kbuild: KbuildMap;
  gate: GateContext;
  catalog?: Catalog;
  /** Consider initcalls whose median is at least this (default 1 ms). */
  minMs?: number;
  /** Warnings from attribution and input checks, passed through. */
  warnings?: string[];
}

/** Attribution items keyed like rankBoots keys initcalls (fn, module, occurrence); the first resolved one wins. */
export function attributionByKey(boots: readonly ParsedBoot[], items: readonly AttributedInitcall[]): Map<string, AttributedInitcall> {
  const byBoot = new Map<string, Map<number, AttributedInitcall>>();
  for (const it of items) {
    let m = byBoot.get(it.boot);
    if (!m) byBoot.set(it.boot, (m = new Map()));
    m.set(it.index, it);
  }
  const out = new Map<string, AttributedInitcall>();
  for (const b of boots) {
    const m = byBoot.get(b.source);
    if (!m) continue;
    const seen = new Map<string, number>();
    b.initcalls.forEach((rec, i) => {
      const base = rec.module ? `${rec.fn}\u0000${rec.module}` : rec.fn;
      const occurrence = seen.get(base) ?? 0;
      seen.set(base, occurrence + 1);
      const it = m.get(i);
      if (!it) return;
      const key = initcallKeyString({ fn: rec.fn, module: rec.module, occurrence });
      const prev = out.get(key);
      if (!prev || (!prev.file && it.file)) out.set(key, it);
    });
  }
  return out;
}

const ms = (us: number) => us / 1000;

function costOf(r: RankedInitcall, a: AttributedInitcall | undefined): InitcallCost {
  return {
    key: r.key,
    fn: r.fn,
    module: r.module,
    file: a?.file ?? null,
    how: a?.how,
    medianMs: ms(r.stats!.median),
    sdMs: r.stats!.sd === null ? null : ms(r.stats!.sd),
    boots: r.stats!.n,
    jiffyMs: r.jiffyUs === undefined ? undefined : ms(r.jiffyUs),
  };
}

function confidenceOf(c: {
  initcalls: InitcallCost[];
  saving: Summary;
  risky: string[];
  gates: FileGate[];
  blastOff: number;
  changes: OffChange[];
}): { confidence: Confidence; why: string[] } {
  const why: string[] = [];
  let score = 2;
  if (c.risky.length) {
    score -= 2;
    why.push(`turns off ${c.risky.join(', ')}, which a boot to a shell needs`);
  }
  if (c.gates.some((g) => g.kbuildUnsure)) {
    score--;
    why.push('a Kbuild condition on the way was read best effort');
  }
  const inferred = c.initcalls.filter((i) => i.how && INFERRED.has(i.how));
  if (inferred.length) {
    score--;
    why.push(`attribution inferred (${[...new Set(inferred.map((i) => i.how))].join(', ')}) for ${inferred.map((i) => i.fn).join(', ')}`);
  }
  if (c.saving.n < 2) {
    score--;
    why.push('one boot: no spread');
  } else if (c.saving.sd !== null && c.saving.sd > c.saving.median) {
    score--;
    why.push('spread over the boots exceeds the median');
  }
  if (c.initcalls.every((i) => i.jiffyMs !== undefined && i.jiffyMs * 2 > i.medianMs)) {
    score--;
    why.push('timed in whole jiffies only, each under two jiffies');
  }
  const switches = c.changes.filter((x) => x.to !== 'n');
  if (switches.length) {
    score--;
    why.push(
      `not only removals: sets ${switches.map((x) => `${x.name}=${x.to}`).join(', ')} (another choice member or a prompt made visible)`,
    );
  }
  if (c.blastOff > 50) {
    score -= c.blastOff > 200 ? 2 : 1;
    why.push(`large blast radius (${c.blastOff} symbols go off)`);
  }
  return { confidence: score >= 2 ? 'high' : score === 1 ? 'medium' : 'low', why };
}

/** Symbols that go off in a plan's blast radius. */
function goesOff(d: DiffEntry[]): number {
  return d.filter((e) => (e.op === '->' && e.after === 'n') || (e.op === '-' && e.before !== 'n')).length;
}

/** Rank candidate removals for the measured boots of one kernel built from `gate.config`. */
export function proposeRemovals(input: ProposeInput): ProposeResult {
  const minMs = input.minMs ?? 1;
  const report: InitcallReport = rankBoots(input.boots);
  const attr = attributionByKey(input.boots, input.attribution);
  const ctx = input.gate;
  const considered = report.initcalls.filter((r) => r.stats && !r.async && ms(r.stats.median) >= minMs);
  const fixed: FixedCost[] = [];
  const unresolved: Unattributed[] = [];
  const notBuilt: Unattributed[] = [];
  const gatesByFile = new Map<string, FileGate>();
  const plans = new Map<string, { plan: OffPlan; targets: string[]; gates: FileGate[] }>();

  for (const r of considered) {
    const a = attr.get(r.key);
    const cost = costOf(r, a);
    if (!a || !a.file) {
      unresolved.push({ ...cost, reason: a?.unresolvedReason ?? 'not found in the tree' });
      continue;
    }
    let g = gatesByFile.get(a.file);
    if (!g) gatesByFile.set(a.file, (g = gateFile(ctx, a.file, input.kbuild.files.get(a.file))));
    if (g.verdict === 'no-kbuild') unresolved.push({ ...cost, reason: g.reason });
    else if (g.verdict === 'not-built') notBuilt.push({ ...cost, reason: g.reason });
    else if (g.verdict === 'cannot-disable') fixed.push({ ...cost, because: g.because!, reason: g.reason });
    else {
      const id = g.plan!.changes.map((c) => `${c.name}=${c.to}`).join(',');
      const p = plans.get(id);
      if (p) p.gates.push(g);
      else plans.set(id, { plan: g.plan!, targets: g.targets, gates: [g] });
    }
  }

  // What each plan takes away: every measured initcall whose file the new config no longer builds.
  const attributed = report.initcalls.filter((r) => r.stats && !r.async && attr.get(r.key)?.file);
  const candidates: Candidate[] = [];
  for (const [id, p] of plans) {
    const after = parseDotConfig(p.plan.newConfig, 'after', { strict: false });
    const valueAfter = (s: string) => {
      const e = after.values.get(s);
      return !e || e.unset ? 'n' : e.value === 'y' || e.value === 'm' ? e.value : 'n';
    };
    const valueNow = (s: string) => triValue(ctx.state, ctx.tree, s);
    const gone = attributed.filter((r) => {
      const obj = input.kbuild.files.get(attr.get(r.key)!.file!);
      return obj && kbuildState(obj, valueNow).state !== 'n' && kbuildState(obj, valueAfter).state === 'n';
    });
    if (gone.length === 0) continue;
    const group = groupInitcalls(gone, () => id, report.boots.length, 0)[0];
    const initcalls = gone.map((r) => costOf(r, attr.get(r.key)));
    const risky = [...new Set(p.gates.flatMap((g) => g.risky))].sort();
    const names = [...p.plan.changes.map((c) => c.name), ...p.targets];
    const conf = confidenceOf({
      initcalls,
      saving: group.stats,
      risky,
      gates: p.gates,
      blastOff: goesOff(p.plan.blastRadius),
      changes: p.plan.changes,
    });
    candidates.push({
      id,
      changes: p.plan.changes,
      targets: p.targets,
      fragment: offFragment(p.plan),
      initcalls,
      saving: { medianMs: ms(group.stats.median), sdMs: group.stats.sd === null ? null : ms(group.stats.sd), n: group.stats.n },
      blastRadius: p.plan.blastRadius,
      diffconfig: formatDiffconfig(p.plan.blastRadius),
      catalog: input.catalog ? catalogEntriesFor(input.catalog, names).map((e) => e.name) : [],
      risky,
      confidence: conf.confidence,
      confidenceWhy: conf.why,
    });
  }
  candidates.sort((a, b) => b.saving.medianMs - a.saving.medianMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const warnings = [...(input.warnings ?? []), ...report.warnings];
  if (notBuilt.length) {
    warnings.push(
      `${notBuilt.length} initcall(s) come from files this config does not build (e.g. ${notBuilt[0].fn} in ${notBuilt[0].file}): the config may not be the one the logged kernel was built from`,
    );
  }
  return {
    kernels: report.kernels,
    boots: report.boots.length,
    minMs,
    considered: considered.length,
    candidates,
    fixed,
    unresolved,
    notBuilt,
    warnings,
  };
}
