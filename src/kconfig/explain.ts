/**
 * Why a symbol has its value, and what it takes to turn symbols off, on top
 * of the engine's model (symbol.ts) and one evaluation (eval.ts). Pure: the
 * tree and the configs come in as arguments.
 *
 * `explainSymbol` follows sym_calc_value(): a visible symbol with a user
 * value takes it (limited by visibility); otherwise the first default whose
 * condition holds, raised by `imply` (within `depends on`); `select`s then
 * raise it whatever the rest says. Every expression is shown with the value
 * of each operand.
 *
 * `planOff` finds user-settable symbols to set to n so that the targets end
 * up n, re-evaluating after each step (selects by promptless symbols are
 * chased to the user-visible selectors), and reports the blast radius: every
 * symbol whose written value changes.
 */
import { InputError } from '../errors.js';
import { formatConfigLine, parseDotConfig, type DotConfig, type DotConfigType } from './dotconfig.js';
import { diffConfigs, type DiffEntry } from './diffconfig.js';
import { applyConfigChanges, olddefconfigFrom } from './incremental.js';
import { olddefconfig } from './confdata.js';
import { type KconfigState } from './value.js';
import { exprAnd, exprEqual, exprFlatten, exprSymbols, exprToString, triName, type Expr } from './expr.js';
import { findSymbol, symbolDefaults, symbolPrompts, type KconfigTree, type KSymbol, type Property } from './symbol.js';
import { writeConfig } from './write.js';

export type Tri = 'n' | 'm' | 'y';

export interface OperandValue {
  name: string;
  value: string;
}

/** An expression, its value, and the value of every symbol in it. */
export interface ExprValue {
  expr: string;
  value: Tri;
  operands: OperandValue[];
}

export interface Where {
  file: string;
  line: number;
}

export interface SelectInfo {
  /** The selecting (or implying) symbol. */
  by: string;
  byValue: string;
  /** The `if` condition of the select (with the selector's dependencies); null = always. */
  condition: ExprValue | null;
  /** Selector on and condition true: this select is forcing the value now. */
  active: boolean;
  where: Where;
}

export interface DefaultInfo {
  value: ExprValue;
  condition: ExprValue | null;
  /** The first default whose condition holds: the one in effect. */
  active: boolean;
  where: Where;
}

export type ReasonKind =
  'user' | 'default' | 'selected' | 'implied' | 'choice' | 'no-default' | 'not-visible' | 'limited-by-depends' | 'range' | 'not-written';

export interface Reason {
  kind: ReasonKind;
  text: string;
}

export interface WhyReport {
  symbol: string;
  type: string;
  /** Value as written to .config ('n' for "is not set"); '' when not written. */
  value: string;
  written: boolean;
  definedAt: Where[];
  prompts: { text: string; condition: ExprValue | null }[];
  visible: Tri;
  /** The line in the input .config, when there is one. */
  user: { raw: string; line: number; file?: string; inEffect: boolean } | null;
  dependsOn: ExprValue | null;
  selectedBy: SelectInfo[];
  impliedBy: SelectInfo[];
  defaults: DefaultInfo[];
  choice: { name: string; selected: string | null } | null;
  /** In order of importance: what decided the value, then what limits it. */
  reasons: Reason[];
}

/** `A && A && B` → `A && B`: menu_finalize ANDs dependencies into conditions, often twice. Same value. */
function dedupeAnd(e: Expr): Expr {
  const parts = exprFlatten(e, 'and');
  const kept: Expr[] = [];
  for (const p of parts) if (!kept.some((k) => exprEqual(k, p))) kept.push(p);
  if (kept.length === parts.length) return e;
  return kept.reduce((a, b) => exprAnd(a, b)!);
}

function exprValue(state: KconfigState, e0: Expr | null): ExprValue | null {
  if (!e0) return null;
  const e = dedupeAnd(e0);
  return {
    expr: exprToString(e),
    value: triName(state.evalExpr(e)),
    operands: exprSymbols(e)
      .filter((s) => !s.isConst)
      .map((s) => ({ name: s.name ?? '<choice>', value: s.type === 'unknown' ? 'n (undefined)' : state.value(s) })),
  };
}

function showExpr(v: ExprValue | null): string {
  if (!v) return 'y';
  const ops = v.operands.map((o) => `${o.name}=${o.value}`).join(', ');
  return `${v.expr} [= ${v.value}]${ops ? ` (${ops})` : ''}`;
}

function where(p: { file: string; line: number }): Where {
  return { file: p.file, line: p.line };
}

function selectInfo(state: KconfigState, p: Property): SelectInfo {
  const by = p.menu.sym!;
  const cond = exprValue(state, p.cond);
  const byT = state.tristate(by);
  return {
    by: by.name ?? '<choice>',
    byValue: state.value(by),
    condition: cond,
    active: byT !== 0 && (cond === null || cond.value !== 'n'),
    where: where(p),
  };
}

/** Look a symbol up by name (with or without CONFIG_); InputError when Kconfig has no such symbol. */
export function lookupSymbol(tree: KconfigTree, name: string): KSymbol {
  const n = name.replace(/^CONFIG_/, '');
  const sym = findSymbol(tree, n);
  if (!sym || sym.isConst) throw new InputError(`no symbol ${n} in this Kconfig tree (${tree.srctree})`);
  return sym;
}

/** Why `sym` has the value it has in `state` (computed from `config`). */
export function explainSymbol(state: KconfigState, sym: KSymbol, config?: DotConfig): WhyReport {
  const name = sym.name ?? '<choice>';
  const value = state.value(sym);
  const written = state.isWritten(sym);
  const visible = triName(state.visibility(sym));
  const entry = config?.values.get(name);
  const user = entry
    ? { raw: entry.unset ? 'n' : entry.raw, line: entry.line, file: config?.file, inEffect: state.hasUserValue(sym) && visible !== 'n' }
    : null;
  const dependsOn = exprValue(state, sym.dirDep);
  const selectedBy = sym.selectedBy.map((p) => selectInfo(state, p));
  const impliedBy = sym.impliedBy.map((p) => selectInfo(state, p));
  const active = state.activeDefault(sym);
  const defaults: DefaultInfo[] = symbolDefaults(sym).map((p) => ({
    value: exprValue(state, p.expr)!,
    condition: exprValue(state, p.cond),
    active: p === active,
    where: where(p),
  }));
  const prompts = symbolPrompts(sym).map((p) => ({ text: p.text ?? '', condition: exprValue(state, p.cond) }));
  const choice = sym.choice
    ? {
        name: sym.choice.name ?? symbolPrompts(sym.choice)[0]?.text ?? '<choice>',
        selected: state.choiceSelection(sym.choice)?.name ?? null,
      }
    : null;

  const reasons: Reason[] = [];
  const isTri = sym.type === 'bool' || sym.type === 'tristate';
  const sel = selectedBy.filter((s) => s.active);
  const imp = impliedBy.filter((s) => s.active);
  const fmtSel = (s: SelectInfo) =>
    `${s.by}=${s.byValue}${s.condition ? ` if ${showExpr(s.condition)}` : ''} (${s.where.file}:${s.where.line})`;
  const activeDefault = defaults.find((d) => d.active);
  const fmtDefault = (d: DefaultInfo) =>
    `default ${d.value.expr}${d.condition ? ` if ${showExpr(d.condition)}` : ''} (${d.where.file}:${d.where.line})` +
    (d.value.operands.length ? ` where ${d.value.operands.map((o) => `${o.name}=${o.value}`).join(', ')}` : '');

  if (sym.type === 'unknown') {
    reasons.push({ kind: 'not-written', text: 'the symbol has no type (never defined with config/menuconfig)' });
  } else if (isTri && choice && visible === 'y') {
    const userChose =
      config && [...config.values.values()].some((e) => e.raw === 'y' && sym.choice!.choiceMembers.some((m) => m.name === e.name));
    reasons.push({
      kind: 'choice',
      text: `member of choice "${choice.name}": ${choice.selected ?? 'nothing'} is selected${userChose ? ' (the user picked a member)' : ' (the choice default)'}`,
    });
  } else if (visible !== 'n' && state.hasUserValue(sym) && entry) {
    reasons.push({ kind: 'user', text: `set by the user: ${user!.raw} at ${config?.file ?? '.config'}:${entry.line}` });
    if (isTri && visible !== 'y' && entry.raw === 'y')
      reasons.push({
        kind: 'limited-by-depends',
        text: `visibility is only ${visible}: ${prompts.map((p) => showExpr(p.condition)).join(' || ')}`,
      });
  } else {
    if (visible === 'n') {
      const why =
        prompts.length === 0
          ? 'has no prompt, so the user cannot set it'
          : `not visible: prompt condition ${prompts.map((p) => showExpr(p.condition)).join(' || ')}`;
      reasons.push({
        kind: 'not-visible',
        text: why + (entry ? `; the value at ${config?.file ?? '.config'}:${entry.line} is ignored` : ''),
      });
    }
    if (activeDefault) reasons.push({ kind: 'default', text: `${fmtDefault(activeDefault)}` });
    else if (!sym.isChoice) reasons.push({ kind: 'no-default', text: defaults.length ? 'no default condition holds' : 'no default' });
    for (const s of imp) reasons.push({ kind: 'implied', text: `implied by ${fmtSel(s)}` });
  }
  if (sel.length === 1) reasons.push({ kind: 'selected', text: `selected by ${fmtSel(sel[0])}` });
  else if (sel.length > 1)
    reasons.push({ kind: 'selected', text: `selected by ${sel.length} symbols: ${sel.map((s) => `${s.by}=${s.byValue}`).join(', ')}` });
  if (dependsOn && dependsOn.value !== 'y' && isTri) {
    reasons.push({ kind: 'limited-by-depends', text: `limited by depends on ${showExpr(dependsOn)}` });
  }
  if ((sym.type === 'int' || sym.type === 'hex') && entry && state.hasUserValue(sym) === false && visible !== 'n' && entry.raw !== value) {
    reasons.push({ kind: 'range', text: `the value ${entry.raw} at line ${entry.line} is invalid or out of range; ${value} used instead` });
  }
  if (!written) reasons.push({ kind: 'not-written', text: 'not written to .config (not visible, no default and nothing selects it)' });

  // Order: the deciding reason first (selects override everything when they raise the value).
  const rank = (r: Reason) => (r.kind === 'selected' && sel.length && isTri ? 0 : 1);
  reasons.sort((a, b) => rank(a) - rank(b));
  return {
    symbol: name,
    type: sym.type,
    value: written ? value : '',
    written,
    definedAt: sym.menus.map(where),
    prompts,
    visible,
    user,
    dependsOn,
    selectedBy,
    impliedBy,
    defaults,
    choice,
    reasons,
  };
}

/** Human-readable lines for `ktrim kconfig why`. */
export function formatWhy(r: WhyReport): string {
  const out: string[] = [];
  const head = !r.written
    ? `CONFIG_${r.symbol} is not written to .config`
    : formatConfigLine(r.symbol, r.value, r.type === 'unknown' ? undefined : (r.type as DotConfigType));
  out.push(`${head}  (${r.type}, visible ${r.visible}, defined at ${r.definedAt.map((w) => `${w.file}:${w.line}`).join(', ')})`);
  for (const reason of r.reasons) out.push(`  ${reason.kind}: ${reason.text}`);
  if (r.dependsOn) out.push(`  depends on: ${showExpr(r.dependsOn)}`);
  for (const [what, list] of [
    ['selected by', r.selectedBy],
    ['implied by', r.impliedBy],
  ] as const) {
    if (!list.length) continue;
    const on = list.filter((s) => s.active);
    out.push(`  ${what}: ${on.length} active of ${list.length}${on.length ? ':' : ''}`);
    for (const s of on)
      out.push(`    ${s.by}=${s.byValue}${s.condition ? ` if ${showExpr(s.condition)}` : ''}  (${s.where.file}:${s.where.line})`);
  }
  if (r.defaults.length && r.reasons.every((x) => x.kind !== 'default')) {
    const d = r.defaults.find((x) => x.active);
    if (d)
      out.push(
        `  default in effect when the user value does not apply: ${d.value.expr}${d.condition ? ` if ${showExpr(d.condition)}` : ''}`,
      );
  }
  return out.join('\n') + '\n';
}

// ---- off ---------------------------------------------------------------

export interface OffChange {
  name: string;
  from: string;
  to: string;
  /** Why this change is needed. */
  because: string;
}

export interface OffPlan {
  targets: string[];
  /** The user-settable symbols to change (a fragment: apply them on top of the config). */
  changes: OffChange[];
  /** Targets still not n after the plan (with the reason), if any. */
  stuck: { name: string; value: string; why: string }[];
  /** Every written symbol whose value changes: the blast radius, diffconfig style. */
  blastRadius: DiffEntry[];
  /** The new .config text (olddefconfig of the config plus the changes). */
  newConfig: string;
}

interface Evaluated {
  state: KconfigState;
  /** writeConfig(state), written only when asked for (trials need the values, not the text). */
  text(): string;
}

/** How planOff evaluates its trials. */
export interface PlanOffOptions {
  /** Rounds of the greedy search (default 64). */
  maxRounds?: number;
  /**
   * false: every trial is a full olddefconfig (the old way, kept to measure
   * against); default true: olddefconfigFrom re-evaluates only what the
   * trial's changes reach, from the user's config's evaluation.
   */
  incremental?: boolean;
}

function evaluated(state: KconfigState): Evaluated {
  let text: string | undefined;
  return { state, text: () => (text ??= writeConfig(state)) };
}

/**
 * Symbols to set so that `sym` can go off in `state`, one level deep: the
 * symbol itself when the user can set it, and the selectors currently
 * forcing it. Promptless symbols on by default lead to the operands of the
 * active default's value/condition or of `depends on` that are on.
 */
interface Step {
  sym: KSymbol;
  to: string;
  because: string;
  /** Set it even though it is not visible yet (another step makes it visible). */
  force?: boolean;
}

function stepsToTurnOff(state: KconfigState, sym: KSymbol): Step[] {
  const steps: Step[] = [];
  const name = sym.name ?? '<choice>';
  for (const p of state.activeSelects(sym)) {
    const by = p.menu.sym!;
    steps.push({ sym: by, to: 'n', because: `selects ${name} (${p.file}:${p.line})` });
  }
  if (sym.choice && state.visibility(sym) === 2) {
    const other = sym.choice.choiceMembers.find((m) => m !== sym && state.visibility(m) !== 0);
    if (other) steps.push({ sym: other, to: 'y', because: `${name} is a choice member: pick another one` });
    return steps;
  }
  if (state.visibility(sym) !== 0) {
    steps.push({ sym, to: 'n', because: `${name} set n` });
    return steps;
  }
  if (steps.length) return steps;
  // Hidden behind a prompt condition (`bool "x" if EXPERT`): make the prompt visible and say n.
  for (const p of symbolPrompts(sym)) {
    const need = exprFlatten(p.cond, 'and').filter((e) => state.evalExpr(e) === 0);
    if (need.length && need.every((e) => e.k === 'sym' && !e.sym.isConst && state.visibility(e.sym) !== 0)) {
      for (const e of need)
        if (e.k === 'sym')
          steps.push({ sym: e.sym, to: 'y', because: `makes the prompt of ${name} visible (${p.file}:${p.line})`, force: true });
      steps.push({ sym, to: 'n', because: `${name} set n`, force: true });
      return steps;
    }
  }
  // Not user-settable and not selected: on through its default or an imply.
  for (const p of state.activeImplies(sym)) steps.push({ sym: p.menu.sym!, to: 'n', because: `implies ${name}` });
  const d = state.activeDefault(sym);
  const candidates: KSymbol[] = [];
  const consider = (e: Expr | null) => {
    for (const part of exprFlatten(e, 'and'))
      if (part.k === 'sym' && !part.sym.isConst && state.tristate(part.sym) !== 0) candidates.push(part.sym);
  };
  if (d) {
    consider(d.cond);
    consider(d.expr);
  }
  consider(sym.dirDep);
  const seen = new Set<KSymbol>();
  for (const c of candidates) {
    if (seen.has(c) || c === sym) continue;
    seen.add(c);
    steps.push({ sym: c, to: 'n', because: `${name} is on through ${d ? `its default (${d.file}:${d.line})` : 'depends on'}` });
    break; // one operand of an AND is enough
  }
  return steps;
}

/** Plan turning `names` off in `config` (the user's .config), and measure the blast radius. */
export function planOff(tree: KconfigTree, config: DotConfig, names: string[], opts: PlanOffOptions = {}): OffPlan {
  const maxRounds = opts.maxRounds ?? 64;
  const targets = names.map((n) => lookupSymbol(tree, n));
  const before = evaluated(olddefconfig(tree, config));
  // Each trial is the user's config with the changes merged in as merge_config.sh does (old lines
  // out, new ones appended: applyConfigChanges). olddefconfigFrom the user's config's state gives
  // exactly olddefconfig's result, re-evaluating only the symbols downstream of what changed.
  const evaluate = (changes: Map<string, string>): Evaluated =>
    evaluated(
      opts.incremental === false ? olddefconfig(tree, applyConfigChanges(config, changes)) : olddefconfigFrom(before.state, changes),
    );
  const changes = new Map<string, string>();
  const why = new Map<string, OffChange>();
  let cur = before;
  for (let round = 0; round < maxRounds; round++) {
    const on = targets.filter((t) => cur.state.tristate(t) !== 0);
    if (on.length === 0) break;
    let progress = false;
    // Walk from the targets through promptless symbols to settable ones.
    const queue = [...on];
    const visited = new Set<KSymbol>();
    while (queue.length) {
      const s = queue.shift()!;
      if (visited.has(s)) continue;
      visited.add(s);
      for (const step of stepsToTurnOff(cur.state, s)) {
        const n = step.sym.name;
        if (!n) continue;
        const settable = step.force || cur.state.visibility(step.sym) !== 0;
        if (settable && changes.get(n) !== step.to) {
          changes.set(n, step.to);
          const because = targets.includes(step.sym) ? 'target' : step.because;
          why.set(n, { name: n, from: before.state.value(step.sym), to: step.to, because });
          progress = true;
        } else if (step.sym !== s && step.to === 'n' && cur.state.tristate(step.sym) !== 0) {
          // Not settable, or set n already and still on: something else holds it; look there.
          queue.push(step.sym);
        }
      }
    }
    if (!progress) break;
    cur = evaluate(changes);
  }
  // Drop changes that turn out unnecessary (CFG80211=n already takes MAC80211 down): the smallest set
  // this greedy pass can reach, each removal checked by a full evaluation.
  if (targets.every((t) => cur.state.tristate(t) === 0)) {
    for (const name of [...changes.keys()].sort().reverse()) {
      const v = changes.get(name)!;
      changes.delete(name);
      const trial = evaluate(changes);
      if (targets.every((t) => trial.state.tristate(t) === 0)) {
        why.delete(name);
        cur = trial;
      } else changes.set(name, v);
    }
  }
  const stuck = targets
    .filter((t) => cur.state.tristate(t) !== 0)
    .map((t) => {
      const r = explainSymbol(cur.state, t);
      return { name: t.name!, value: cur.state.value(t), why: r.reasons.map((x) => x.text).join('; ') };
    });
  // Keep only changes that still matter: drop a change whose symbol ends up n anyway is wrong (it is what
  // turns it off), so keep all; but report them in a stable order.
  const changeList = [...why.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const blastRadius = diffConfigs(
    parseDotConfig(before.text(), 'before', { strict: false }),
    parseDotConfig(cur.text(), 'after', { strict: false }),
  );
  return { targets: targets.map((t) => t.name!), changes: changeList, stuck, blastRadius, newConfig: cur.text() };
}

/** Human-readable `ktrim kconfig off` output. */
export function formatOffPlan(p: OffPlan): string {
  const out: string[] = [];
  out.push(`To turn off ${p.targets.join(', ')}: change ${p.changes.length} user-settable symbol(s):`);
  for (const c of p.changes) out.push(`  CONFIG_${c.name}: ${c.from} -> ${c.to}   (${c.because})`);
  for (const s of p.stuck) out.push(`  STUCK: ${s.name} stays ${s.value}: ${s.why}`);
  const off = p.blastRadius.filter(
    (d) => (d.op === '->' && d.after === 'n') || (d.op === '-' && (d.before === 'y' || d.before === 'm')),
  ).length;
  out.push(`Blast radius: ${p.blastRadius.length} symbol(s) change (${off} go off):`);
  for (const d of p.blastRadius) {
    out.push(
      d.op === '-' ? `  -${d.name} ${d.before}` : d.op === '+' ? `  +${d.name} ${d.after}` : `   ${d.name} ${d.before} -> ${d.after}`,
    );
  }
  return out.join('\n') + '\n';
}

/** The changes as a merge_config fragment. */
export function offFragment(p: OffPlan): string {
  return p.changes.map((c) => (c.to === 'n' ? `# CONFIG_${c.name} is not set\n` : `CONFIG_${c.name}=${c.to}\n`)).join('');
}
