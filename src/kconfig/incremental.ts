/**
 * Incremental re-evaluation (olddefconfigFrom): what symbol.c does when a
 * user value changes (sym_set_tristate_value → sym_clear_all_valid, or the
 * SYMBOL_VALID of dependents), applied to a candidate .config so only the
 * symbols downstream of its changed user values are recomputed, and then
 * what confdata.c's conf_read would conclude (unsaved count, second pass).
 * The shortcut must agree byte for byte with a full olddefconfig.
 */
import { confReadSimple, confSetSymVal, olddefconfig, takeSnapshot, unsavedShare, type ReadInfo, type Snapshot } from './confdata.js';
import { unescapeStringValue, type DotConfig, type DotConfigEntry } from './dotconfig.js';
import { forEachExprSymbol, type Expr } from './expr.js';
import { menuNext, type KconfigTree, type KSymbol } from './symbol.js';
import { KconfigState, SYMBOL_DEF_USER as DEF_USER, SYMBOL_VALID as VALID, SYMBOL_WRITE as WRITE } from './value.js';

/**
 * For each symbol, the symbols whose sym_calc_value reads it (prompt,
 * default and range conditions and values, depends on, select/imply
 * reverse dependencies), built once per tree. A choice and its members
 * depend on each other both ways, so a choice is always recomputed whole.
 */
const dependentsOf = new WeakMap<KconfigTree, number[][]>();
function dependents(tree: KconfigTree): number[][] {
  let out = dependentsOf.get(tree);
  if (out) return out;
  const n = tree.symbols.length;
  const deps: number[][] = Array.from({ length: n }, () => []);
  const stamp = new Int32Array(n).fill(-1);
  for (const s of tree.symbols) {
    if (s.isConst) continue;
    const me = s.id;
    const add = (d: KSymbol) => {
      if (d.isConst || d.id === me || stamp[d.id] === me) return;
      stamp[d.id] = me;
      deps[d.id].push(me);
    };
    const walk = (e: Expr | null) => forEachExprSymbol(e, add);
    for (const p of s.props) {
      if (p.kind === 'select' || p.kind === 'imply' || p.kind === 'choice') continue;
      walk(p.cond);
      walk(p.expr);
    }
    walk(s.dirDep);
    walk(s.revDep);
    walk(s.implied);
    if (s.choice) add(s.choice);
    for (const m of s.choiceMembers) add(m);
    if (s.choiceMenu?.sym) add(s.choiceMenu.sym);
    if (s.isChoice) {
      // 6.11+ sym_calc_choice decides every symbol of the choice block at once.
      for (const menu of s.menus) {
        for (let m = menuNext(menu, menu); m; m = menuNext(m, menu)) {
          if (!m.sym || m.sym === s || m.sym.isConst) continue;
          add(m.sym);
          deps[me].push(m.sym.id);
        }
      }
    }
    add(tree.modules);
  }
  out = deps;
  dependentsOf.set(tree, out);
  return out;
}

/** A change to a .config: symbol name (no CONFIG_) → value as written after `=` ('y', 'm', 'n', '"text"', '0x10'), or null to drop the symbol's lines. */
export type ConfigChanges = Iterable<readonly [string, string | null]> | Record<string, string | null>;

function changeList(changes: ConfigChanges): (readonly [string, string | null])[] {
  if (Symbol.iterator in changes) return [...(changes as Iterable<readonly [string, string | null]>)];
  return Object.entries(changes as Record<string, string | null>);
}

/**
 * The .config that `changes` make of `config`: the changed symbols' lines
 * removed, then one line per non-null change appended in order (the last
 * assignment of a name wins, as in conf_read_simple).
 */
export function applyConfigChanges(config: DotConfig | null, changes: ConfigChanges): DotConfig {
  const list = changeList(changes);
  const last = new Map<string, string | null>();
  for (const [name, raw] of list) last.set(name, raw);
  const entries: DotConfigEntry[] = (config?.entries ?? []).filter((e) => !last.has(e.name));
  let line = (config?.entries ?? []).reduce((m, e) => Math.max(m, e.line), 0);
  for (const [name, raw] of last) {
    if (raw === null) continue;
    const quoted = raw.startsWith('"');
    const value = quoted ? (unescapeStringValue(raw) ?? raw.slice(1)) : raw;
    entries.push({ name, value, raw, quoted, unset: false, line: ++line });
  }
  const values = new Map<string, DotConfigEntry>();
  for (const e of entries) values.set(e.name, e);
  return { file: config?.file, entries, values, warnings: config?.warnings ?? [] };
}

/** conf_set_sym_val on a state started from a snapshot: false when the C tool would warn. */
function setUserValueQuiet(state: KconfigState, sym: KSymbol, raw: string | null): boolean {
  const v = state.values;
  const id = sym.id;
  v.flags[id] &= ~DEF_USER;
  v.userTri[id] = 0;
  v.userVal[id] = null;
  if (raw === null) return true;
  let ok = true;
  confSetSymVal(state, sym, raw, () => (ok = false));
  return ok;
}

/**
 * `conf --olddefconfig` of a candidate, exactly as olddefconfig() computes
 * it, re-evaluating only the symbols downstream of the user values that
 * differ from `base`'s (what clearing SYMBOL_VALID on their dependents does
 * in symbol.c). The candidate is either a whole .config, or `changes` to
 * base's input (see applyConfigChanges; the cheapest form). Falls back to a
 * full olddefconfig where the shortcut could not be exact: MODULES
 * downstream of a change, out-of-range user values on ≤ 6.10 (conf_read's
 * second pass leaves their dependents computed from the old value), a base
 * that had such values. `base` is not modified, written or not.
 */
export function olddefconfigFrom(base: KconfigState, changes: ConfigChanges | DotConfig): KconfigState {
  if (isDotConfig(changes)) return fromConfig(base, changes);
  const tree = base.tree;
  const list = changeList(changes);
  const snap = base.snapshot;
  const candidate = () => applyConfigChanges(snap ? snap.config() : base.input, list);
  if (!snap) return olddefconfig(tree, candidate());
  // Base warnings may belong to the dropped lines; choices depend on line order: re-read the whole candidate.
  if (snap.confWarnings) return fromConfig(base, candidate());
  const state = new KconfigState(tree, snap.values);
  const v = state.values;
  const userDef = snap.userDef.slice();
  const marked = new Uint8Array(tree.symbols.length);
  const queue: number[] = [];
  let unknown = snap.unknown;
  for (const [name, raw] of list) {
    const sym = tree.byName.get(name);
    if (!sym) {
      // As in the rewritten .config: the name's lines go, the new one comes last.
      unknown = unknown.filter((u) => u !== name);
      if (raw !== null) unknown.push(name);
      continue;
    }
    if (sym.choice || sym.isChoice || sym.choiceMenu) return fromConfig(base, candidate());
    if (!setUserValueQuiet(state, sym, raw)) return fromConfig(base, candidate());
    const id = sym.id;
    userDef[id] = state.hasUserValue(sym) ? 1 : 0;
    if (userDef[id] === snap.userDef[id] && v.userTri[id] === snap.values.userTri[id] && v.userVal[id] === snap.values.userVal[id])
      continue;
    if (!marked[id]) {
      marked[id] = 1;
      queue.push(id);
    }
  }
  state.read = { changed: false, unknown, warnings: snap.warnings };
  return finishIncremental(snap, state, userDef, marked, queue, 0, candidate);
}

function isDotConfig(x: ConfigChanges | DotConfig): x is DotConfig {
  const c = x as Partial<DotConfig>;
  return Array.isArray(c.entries) && c.values instanceof Map && Array.isArray(c.warnings);
}

/** 6.11+ choice priority lists of `state` differing from the snapshot's (their choices' ids). */
function choiceOrderChanges(state: KconfigState, snap: Snapshot): number[] {
  const mine = state.values.choiceOrder;
  const theirs = snap.values.choiceOrder;
  const out: number[] = [];
  const same = (a: KSymbol[] | undefined, b: KSymbol[] | undefined) =>
    a === b || (!!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]));
  for (const id of new Set([...mine.keys(), ...theirs.keys()])) {
    if (!same(mine.get(id), theirs.get(id))) out.push(id);
  }
  return out;
}

/** olddefconfigFrom of a whole candidate .config: read it, diff the user values against base's. */
function fromConfig(base: KconfigState, config: DotConfig): KconfigState {
  const tree = base.tree;
  const snap = base.snapshot;
  if (!snap) return olddefconfig(tree, config);
  const state = new KconfigState(tree, snap.values);
  const v = state.values;
  const was = snap.values;
  const info: ReadInfo = { changed: false, unknown: [], warnings: [] };
  state.read = info;
  state.confChanged = false;
  // Forget the choice state the snapshot carried before reading.
  v.userChoice.fill(null);
  v.choiceOrder.clear();
  const confWarnings = confReadSimple(state, config, info);
  const n = tree.symbols.length;
  const userDef = new Uint8Array(n);
  const marked = new Uint8Array(n);
  const queue: number[] = [];
  const seed = (id: number) => {
    if (!marked[id]) {
      marked[id] = 1;
      queue.push(id);
    }
  };
  for (const s of tree.hashOrder) {
    const id = s.id;
    if (v.flags[id] & DEF_USER) userDef[id] = 1;
    // Reading cleared VALID (and reset DEF_USER): back to base's evaluated flags, the seeds get recomputed.
    v.flags[id] = was.flags[id];
    if (
      userDef[id] !== snap.userDef[id] ||
      v.userTri[id] !== was.userTri[id] ||
      v.userVal[id] !== was.userVal[id] ||
      v.userChoice[id] !== was.userChoice[id]
    )
      seed(id);
  }
  for (const id of choiceOrderChanges(state, snap)) seed(id);
  return finishIncremental(snap, state, userDef, marked, queue, confWarnings, () => config);
}

/**
 * Recompute the symbols in `marked` (ids, in any order) from their as-read
 * user state, in for_all_symbols order like conf_read.
 */
function recompute(state: KconfigState, marked: Uint8Array, list: number[], userDef: Uint8Array): void {
  const tree = state.tree;
  const v = state.values;
  for (const id of list) {
    v.flags[id] = (v.flags[id] & ~(VALID | WRITE | DEF_USER)) | (userDef[id] ? DEF_USER : 0);
    for (const p of tree.symbols[id].props) v.propTri[p.id] = 0;
  }
  for (const s of tree.hashOrder) if (marked[s.id]) state.calc(s);
}

/**
 * conf_read()'s second pass when nothing is unsaved: invisible symbols lose
 * their user value. That changes no value (calc reads a user value only
 * when visible), so the recomputation conf_write's sym_clear_all_valid()
 * would start is skipped: see KconfigState.clearAllValid.
 */
function settle(state: KconfigState, settled: boolean): void {
  const v = state.values;
  if (state.tree.dialect !== 'v6.11')
    for (const s of state.tree.hashOrder) {
      if (v.flags[s.id] & DEF_USER && !s.choice && v.visibleTri[s.id] === 0) v.flags[s.id] &= ~DEF_USER;
    }
  state.settled = settled;
}

/** The second pass of conf_read() over recomputed symbols: true when it would change nothing. */
function rangesHold(state: KconfigState, list: number[]): boolean {
  const v = state.values;
  const syms = state.tree.symbols;
  for (const id of list) {
    const s = syms[id];
    if (!(v.flags[id] & DEF_USER) || s.choice) continue;
    if (s.type !== 'string' && s.type !== 'int' && s.type !== 'hex') continue;
    if (!state.stringWithinRange(s, v.userVal[id] ?? '')) return false;
  }
  return true;
}

/**
 * The shared end of olddefconfigFrom: recompute the seeds' dependents, then
 * what conf_read does after its evaluation (unsaved count, second pass).
 */
function finishIncremental(
  snap: Snapshot,
  state: KconfigState,
  userDef: Uint8Array,
  marked: Uint8Array,
  queue: number[],
  confWarnings: number,
  config: () => DotConfig,
): KconfigState {
  const tree = state.tree;
  const v611 = tree.dialect === 'v6.11';
  const full = () => olddefconfig(tree, config());
  // Everything downstream of the changed user values.
  const deps = dependents(tree);
  for (let i = 0; i < queue.length; i++) {
    for (const d of deps[queue[i]]) {
      if (!marked[d]) {
        marked[d] = 1;
        queue.push(d);
      }
    }
  }
  if (marked[tree.modules.id]) return full();
  let unsaved = snap.unsaved;
  for (const id of queue) unsaved -= unsavedShare(snap.values, tree.symbols[id], v611);
  recompute(state, marked, queue, userDef);
  for (const id of queue) unsaved += unsavedShare(state.values, tree.symbols[id], v611);
  if (!v611 && !rangesHold(state, queue)) return full();
  state.snapshot = takeSnapshot(state, config, userDef, unsaved, confWarnings);
  state.inputOf = state.snapshot.config;
  const changed = unsaved > 0 || confWarnings > 0 || state.read.unknown.length > 0;
  state.read.changed = changed;
  state.confChanged = changed;
  if (unsaved === 0) settle(state, !changed);
  state.incremental = true;
  return state;
}
