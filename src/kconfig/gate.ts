/**
 * Source file → the CONFIG symbols that gate it, and what it really takes to
 * stop building it. Combines a file's Kbuild condition (kbuild.ts) with the
 * Kconfig engine: which gating symbols the user can set, the `kconfig off`
 * planner (explain.ts planOff) for promptless ones, and why a file cannot be
 * disabled at all (obj-y, forced by the architecture, selected by something
 * a boot needs). Pure: the tree, config and Kbuild map come in as arguments.
 */
import { planOff, type OffPlan } from './explain.js';
import type { DotConfig } from './dotconfig.js';
import { olddefconfig } from './confdata.js';
import { type KconfigState } from './value.js';
import { kbuildState, termHolds, type KbuildAlternative, type KbuildObject, type KbuildTerm } from './kbuild.js';
import { findSymbol, symbolPrompts, type KconfigTree, type KSymbol } from './symbol.js';

/**
 * What ktrim's boot lab needs to boot and be measured at all: the symbols
 * configs/tiny-serial.config sets, minus its debug aids (KALLSYMS,
 * PRINTK_TIME): console on ttyS0, the initramfs as root, busybox's ELF and
 * scripts. `minimize` keeps these by default (--no-keep-lab-needs lifts it);
 * bench/search's model does not boot without them. A unit test checks the
 * list against the fragment.
 */
export const LAB_NEEDS: readonly string[] = [
  '64BIT',
  'PRINTK',
  'TTY',
  'SERIAL_8250',
  'SERIAL_8250_CONSOLE',
  'BLK_DEV_INITRD',
  'RD_GZIP',
  'BINFMT_ELF',
  'BINFMT_SCRIPT',
  'DEVTMPFS',
  'PROC_FS',
  'SYSFS',
];

/**
 * What a boot to a shell on a serial console with an initramfs needs (the
 * lab's needs, other consoles, and what a shell uses): turning one of these
 * off is flagged risky. The root device's symbols come on top (GateOptions.essential).
 */
export const BOOT_ESSENTIAL: readonly string[] = [
  ...LAB_NEEDS,
  'VT_CONSOLE',
  'HVC_CONSOLE',
  'VIRTIO_CONSOLE',
  'TMPFS',
  'SHMEM',
  'FUTEX',
  'MULTIUSER',
  'POSIX_TIMERS',
];

/** Propose's default limit on a plan's user-settable changes (GateOptions.maxChanges). */
export const DEFAULT_MAX_CHANGES = 8;

export type Tri = 'y' | 'm' | 'n';

export interface GateSymbol {
  name: string;
  /** Current value ('n' when not set or not defined). */
  value: string;
  /** Defined in Kconfig (a Kbuild line may name a symbol Kconfig does not have). */
  defined: boolean;
  hasPrompt: boolean;
  /** The prompt is visible now: the user can set it in this config. */
  settable: boolean;
  /** The Kbuild line that tests it. */
  where: string;
}

export type GateVerdict = 'removable' | 'cannot-disable' | 'not-built' | 'no-kbuild';
export type CannotDisable = 'obj-y' | 'negated' | 'architecture' | 'essential' | 'entangled' | 'stuck';

export interface FileGate {
  file: string;
  /** How the file is built with this config (kbuildState). */
  built: Tri;
  /** The Kbuild condition rests on a line the parser could not read exactly. */
  kbuildUnsure: boolean;
  verdict: GateVerdict;
  /** For cannot-disable: which kind. */
  because?: CannotDisable;
  /** One sentence for the user. */
  reason: string;
  /** The symbols gating the file in the alternatives that hold now, nearest first. */
  gates: GateSymbol[];
  /** Symbols chosen to go off (one per holding Kbuild alternative). */
  targets: string[];
  /** The `kconfig off` plan for the targets: user-settable changes and blast radius. */
  plan?: OffPlan;
  /** Symbols a boot needs that the plan turns off (or that are targets themselves). */
  risky: string[];
}

export interface GateOptions {
  /** Symbols a boot needs (default BOOT_ESSENTIAL), e.g. plus the root device's driver and filesystem. */
  essential?: readonly string[];
  /**
   * A plan that needs more user-settable changes than this is no removal but
   * a rewrite (CRYPTO is selected by a hundred drivers): reported as
   * cannot-disable ('entangled'), with the plan attached. Default 8.
   */
  maxChanges?: number;
  /**
   * Among a file's gating symbols, a plan within this many changes is
   * preferred to a nearer, larger one (default: maxChanges, at most 8): a
   * larger maxChanges adds plans for files that had none, without trading
   * a file's small plan for a big one.
   */
  preferChanges?: number;
}

/** One config of one tree, evaluated once; plans are cached by their targets. */
export interface GateContext {
  tree: KconfigTree;
  config: DotConfig;
  state: KconfigState;
  essential: Set<string>;
  maxChanges: number;
  preferChanges: number;
  plans: Map<string, OffPlan>;
}

export function gateContext(tree: KconfigTree, config: DotConfig, state?: KconfigState, opts: GateOptions = {}): GateContext {
  const maxChanges = opts.maxChanges ?? DEFAULT_MAX_CHANGES;
  return {
    tree,
    config,
    state: state ?? olddefconfig(tree, config),
    essential: new Set(opts.essential ?? BOOT_ESSENTIAL),
    maxChanges,
    preferChanges: Math.min(opts.preferChanges ?? DEFAULT_MAX_CHANGES, maxChanges),
    plans: new Map(),
  };
}

/** y/m/n of a symbol in an evaluated config (n for undefined and non-tristate symbols). */
export function triValue(state: KconfigState, tree: KconfigTree, name: string): Tri {
  const sym = findSymbol(tree, name);
  if (!sym || sym.isConst) return 'n';
  const v = state.value(sym);
  return v === 'y' || v === 'm' ? v : 'n';
}

function gateSymbol(ctx: Pick<GateContext, 'tree' | 'state'>, t: KbuildTerm): GateSymbol {
  const sym = findSymbol(ctx.tree, t.symbol);
  const defined = !!sym && !sym.isConst && sym.type !== 'unknown';
  return {
    name: t.symbol,
    value: defined ? ctx.state.value(sym) || 'n' : 'n',
    defined,
    hasPrompt: defined && symbolPrompts(sym).length > 0,
    settable: defined && ctx.state.visibility(sym) !== 0,
    where: t.where,
  };
}

/** Terms whose symbol being n turns the alternative off, nearest to the file first. */
function positiveTerms(a: KbuildAlternative): KbuildTerm[] {
  return a.terms.filter((t) => !t.need.includes('n')).reverse();
}

function planFor(ctx: GateContext, targets: string[]): OffPlan {
  const key = [...targets].sort().join(',');
  let p = ctx.plans.get(key);
  if (!p) ctx.plans.set(key, (p = planOff(ctx.tree, ctx.config, targets)));
  return p;
}

/** Essential symbols that are on now and that the plan turns off. */
function essentialLost(ctx: GateContext, p: OffPlan): string[] {
  const lost = p.blastRadius
    .filter((d) => d.before !== 'n' && d.before !== undefined && (d.op === '-' || d.after === 'n'))
    .map((d) => d.name);
  const changed = p.changes.filter((c) => c.to === 'n').map((c) => c.name);
  return [...new Set([...lost, ...changed])].filter((n) => ctx.essential.has(n)).sort();
}

/** The active selectors of a symbol that the architecture forces (promptless, defined under arch/). */
function archSelectors(ctx: GateContext, sym: KSymbol): string[] {
  return ctx.state
    .activeSelects(sym)
    .map((p) => p.menu.sym!)
    .filter((s) => symbolPrompts(s).length === 0 && s.menus.some((m) => m.file.startsWith('arch/')))
    .map((s) => s.name!)
    .filter(Boolean);
}

/** Why `name` cannot be turned off by itself: architecture, essential selector, or the planner's reason. */
function whyStuck(ctx: GateContext, name: string, p: OffPlan): { because: CannotDisable; reason: string } {
  const sym = findSymbol(ctx.tree, name)!;
  const arch = archSelectors(ctx, sym);
  if (arch.length) return { because: 'architecture', reason: `${name} is selected by ${arch.join(', ')}, which the architecture forces` };
  const stuck = p.stuck.find((s) => s.name === name) ?? p.stuck[0];
  if (!stuck) return { because: 'stuck', reason: `${name} cannot be turned off` };
  if (ctx.state.visibility(sym) === 0 && sym.menus.some((m) => m.file.startsWith('arch/'))) {
    return { because: 'architecture', reason: `${name} is not user-settable on this architecture: ${stuck.why}` };
  }
  return { because: 'stuck', reason: `${name} stays ${stuck.value}: ${stuck.why}` };
}

interface Trial {
  target: string;
  plan: OffPlan;
  lost: string[];
}

/**
 * Pick a gating symbol of one alternative: the nearest one that goes off
 * without taking an essential symbol along and within preferChanges (no rewrite of the
 * config); else the nearest risky one; else the nearest larger one.
 */
function chooseTarget(
  ctx: GateContext,
  a: KbuildAlternative,
): { ok?: Trial; risky?: Trial; big?: Trial; stuck?: { because: CannotDisable; reason: string } } {
  let risky: Trial | undefined;
  let big: Trial | undefined;
  let stuck: { because: CannotDisable; reason: string } | undefined;
  for (const t of positiveTerms(a)) {
    if (triValue(ctx.state, ctx.tree, t.symbol) === 'n') continue;
    const plan = planFor(ctx, [t.symbol]);
    if (plan.stuck.length) {
      stuck ??= whyStuck(ctx, t.symbol, plan);
      continue;
    }
    const lost = essentialLost(ctx, plan);
    if (plan.changes.length > ctx.preferChanges) big ??= { target: t.symbol, plan, lost };
    else if (lost.length === 0) return { ok: { target: t.symbol, plan, lost } };
    else risky ??= { target: t.symbol, plan, lost };
  }
  return { risky, big, stuck };
}

/**
 * The symbols gating a file in the Kbuild alternatives that hold with this
 * config, nearest to the file first; no planning (cheap: `report --group-by symbol`).
 */
export function gatingSymbols(ctx: Pick<GateContext, 'tree' | 'state'>, obj: KbuildObject): GateSymbol[] {
  const value = (s: string) => triValue(ctx.state, ctx.tree, s);
  const seen = new Set<string>();
  const gates: GateSymbol[] = [];
  for (const a of obj.alternatives.filter((x) => x.terms.every((t) => termHolds(t, value))))
    for (const t of positiveTerms(a))
      if (!seen.has(t.symbol)) {
        seen.add(t.symbol);
        gates.push(gateSymbol(ctx, t));
      }
  return gates;
}

/** What gates `file` (a path from the tree's top) and what turning it off takes. */
export function gateFile(ctx: GateContext, file: string, obj: KbuildObject | undefined): FileGate {
  const base = { file, built: 'n' as Tri, kbuildUnsure: false, gates: [] as GateSymbol[], targets: [] as string[], risky: [] as string[] };
  if (!obj || obj.alternatives.length === 0) return { ...base, verdict: 'no-kbuild', reason: `no Kbuild line builds ${file}` };
  const value = (s: string) => triValue(ctx.state, ctx.tree, s);
  const { state: built, unsure } = kbuildState(obj, value);
  const holding = obj.alternatives.filter((a) => a.terms.every((t) => termHolds(t, value)));
  const gates = gatingSymbols(ctx, obj);
  const out = { ...base, built, kbuildUnsure: unsure, gates };
  if (built === 'n' || holding.length === 0) {
    const conds = obj.alternatives.map((a) => a.terms.map((t) => `${t.symbol}=${t.need}`).join(' && ') || 'obj-y').join(' || ');
    return { ...out, verdict: 'not-built', reason: `this config does not build ${file} (needs ${conds})` };
  }
  const targets: string[] = [];
  const risky: string[] = [];
  for (const a of holding) {
    if (a.terms.length === 0 || positiveTerms(a).length === 0) {
      const negated = a.terms.length > 0;
      return {
        ...out,
        verdict: 'cannot-disable',
        because: negated ? 'negated' : 'obj-y',
        reason: negated
          ? `built when ${a.terms.map((t) => `${t.symbol} is ${t.need}`).join(' and ')} (${a.terms[0].where}): turning something off cannot remove it`
          : `built unconditionally (obj-y along its whole directory chain, module ${a.module})`,
      };
    }
    const c = chooseTarget(ctx, a);
    const pick = c.ok ?? c.risky ?? c.big;
    if (!pick)
      return {
        ...out,
        verdict: 'cannot-disable',
        because: c.stuck?.because ?? 'stuck',
        reason: c.stuck?.reason ?? 'no gating symbol can be turned off',
      };
    if (!c.ok && c.risky) {
      // Every way off takes an essential symbol along. When the target itself is not essential, an essential symbol selects it.
      const selectedByEssential = !ctx.essential.has(c.risky.target) && c.risky.plan.changes.some((ch) => ctx.essential.has(ch.name));
      if (selectedByEssential) {
        const by = c.risky.plan.changes.filter((ch) => ctx.essential.has(ch.name)).map((ch) => ch.name);
        return {
          ...out,
          verdict: 'cannot-disable',
          because: 'essential',
          reason: `${c.risky.target} goes off only with ${by.join(', ')}, which a boot to a shell needs`,
          targets: [c.risky.target],
          plan: c.risky.plan,
          risky: c.risky.lost,
        };
      }
    }
    if (!targets.includes(pick.target)) targets.push(pick.target);
    risky.push(...pick.lost);
  }
  const plan = planFor(ctx, targets);
  if (plan.stuck.length) return { ...out, verdict: 'cannot-disable', ...whyStuck(ctx, plan.stuck[0].name, plan), targets, plan };
  if (plan.changes.length > ctx.maxChanges) {
    const names = plan.changes.map((c) => c.name);
    return {
      ...out,
      verdict: 'cannot-disable',
      because: 'entangled',
      reason: `turning off ${targets.join(', ')} takes ${names.length} user-settable changes (${names.slice(0, 5).join(', ')}, …): selected or needed by too much to remove`,
      targets,
      plan,
      risky: essentialLost(ctx, plan),
    };
  }
  const lost = [...new Set([...risky, ...essentialLost(ctx, plan)])].sort();
  const settable = plan.changes.map((c) => `${c.name}=${c.to}`).join(', ');
  return {
    ...out,
    verdict: 'removable',
    reason: `set ${settable}${lost.length ? ` (risky: also turns off ${lost.join(', ')})` : ''}`,
    targets,
    plan,
    risky: lost,
  };
}
