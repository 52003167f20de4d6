/**
 * Reading a .config as scripts/kconfig/confdata.c does: conf_set_sym_val
 * (S_DEF_USER), conf_read_simple (≤ 6.10 with choice state, 6.11+ with
 * choice priority lists) and conf_read (evaluate, count what would be
 * rewritten, ≤ 6.10's second pass over invisible and out-of-range user
 * values). The result of one read is kept as a Snapshot so incremental.ts
 * can start candidates from it. Writing is write.ts (conf_write).
 */
import { unescapeStringValue, type DotConfig } from './dotconfig.js';
import { triOr, type Tristate } from './expr.js';
import type { KconfigTree, KSymbol } from './symbol.js';
import {
  KconfigState,
  SYMBOL_DEF_USER as DEF_USER,
  SYMBOL_VALID as VALID,
  SYMBOL_WRITE as WRITE,
  stringValidFor,
  type Values,
} from './value.js';

export interface ReadInfo {
  /** conf_warnings + unknown symbols + unsaved: `.config` would be rewritten. */
  changed: boolean;
  /** Names in the input that no Kconfig defines. */
  unknown: string[];
  /** conf_warning()s: file:line: message. */
  warnings: string[];
}

/** Post-read values of a state (before writeConfig touches it), for olddefconfigFrom. */
export interface Snapshot {
  /** The .config these values were read from (built lazily for derived states). */
  config: () => DotConfig | null;
  /** DEF_USER as read, before evaluation (choices lose it in sym_calc_choice). */
  userDef: Uint8Array;
  /** conf_read()'s unsaved count and warnings count. */
  unsaved: number;
  confWarnings: number;
  unknown: string[];
  warnings: string[];
  values: Values;
}

/**
 * `conf --olddefconfig` on an input .config: read it, compute every symbol.
 * Pass null for "no .config". Write the result with writeConfig().
 */
export function olddefconfig(tree: KconfigTree, config: DotConfig | null): KconfigState {
  const state = new KconfigState(tree);
  confRead(state, config);
  return state;
}

/** conf_set_sym_val for S_DEF_USER. Returns false when the value was rejected. */
export function confSetSymVal(state: KconfigState, sym: KSymbol, raw: string, warn: (m: string) => void): boolean {
  const v = state.values;
  const id = sym.id;
  switch (sym.type) {
    case 'tristate':
      if (raw[0] === 'm') {
        v.userTri[id] = 1;
        v.flags[id] |= DEF_USER;
        return true;
      }
    // fall through
    case 'bool':
      if (raw[0] === 'y') {
        v.userTri[id] = 2;
        v.flags[id] |= DEF_USER;
        return true;
      }
      if (raw[0] === 'n') {
        v.userTri[id] = 0;
        v.flags[id] |= DEF_USER;
        return true;
      }
      warn(`symbol value '${raw}' invalid for ${sym.name}`);
      return false;
    case 'string':
    case 'int':
    case 'hex': {
      let p = raw;
      if (sym.type === 'string') {
        if (p[0] !== '"') return true;
        const unescaped = unescapeStringValue(p);
        if (unescaped === undefined) {
          warn('invalid string found');
          return false;
        }
        p = unescaped;
      }
      if (stringValidFor(sym.type, p)) {
        v.userVal[id] = p;
        v.flags[id] |= DEF_USER;
        return true;
      }
      warn(`symbol value '${raw}' invalid for ${sym.name}`);
      return false;
    }
    default:
      return true;
  }
}

/** conf_read_simple(): the user values of `config` into `state`; returns the number of conf_warning()s. */
export function confReadSimple(state: KconfigState, config: DotConfig, info: ReadInfo): number {
  return state.tree.dialect === 'v6.11' ? readUserValuesV611(state, config, info) : readUserValues(state, config, info);
}

/** conf_read_simple() of 6.11+. */
function readUserValuesV611(state: KconfigState, config: DotConfig, info: ReadInfo): number {
  const tree = state.tree;
  const v = state.values;
  let confWarnings = 0;
  const file = config.file ?? '.config';
  for (const s of tree.hashOrder) {
    v.flags[s.id] &= ~DEF_USER;
    v.userVal[s.id] = null;
    v.userTri[s.id] = 0;
  }
  for (const s of tree.hashOrder) v.flags[s.id] &= ~VALID;
  for (const w of config.warnings) {
    confWarnings++;
    info.warnings.push(`${file}:${w.line}:warning: ${w.message}`);
  }
  let line = 0;
  const lineWarn = (m: string) => {
    confWarnings++;
    info.warnings.push(`${file}:${line}:warning: ${m}`);
  };
  for (const entry of config.entries) {
    line = entry.line;
    const sym = tree.byName.get(entry.name);
    if (!sym) {
      info.unknown.push(entry.name);
      state.confChanged = true;
      continue;
    }
    if (!confSetSymVal(state, sym, entry.raw, lineWarn)) continue;
    const choice = sym.choiceMenu?.sym;
    if (choice) {
      // list_move(): this member gets the highest priority; the last assignment wins.
      const order = [...state.choicePriority(choice)];
      const at = order.indexOf(sym);
      if (at >= 0) order.splice(at, 1);
      order.unshift(sym);
      v.choiceOrder.set(choice.id, order);
    }
  }
  return confWarnings;
}

/** conf_read_simple() of ≤ 6.10. */
function readUserValues(state: KconfigState, config: DotConfig, info: ReadInfo): number {
  const tree = state.tree;
  const v = state.values;
  let confWarnings = 0;
  const file = config.file ?? '.config';
  for (const s of tree.hashOrder) {
    v.flags[s.id] &= ~(DEF_USER | VALID);
    if (s.isChoice) v.flags[s.id] |= DEF_USER;
    v.userVal[s.id] = null;
    v.userTri[s.id] = 0;
  }
  // Lines the .config reader itself complained about (unexpected data, bad strings, reassignments).
  for (const w of config.warnings) {
    confWarnings++;
    info.warnings.push(`${file}:${w.line}:warning: ${w.message}`);
  }
  let line = 0;
  const lineWarn = (m: string) => {
    confWarnings++;
    info.warnings.push(`${file}:${line}:warning: ${m}`);
  };
  for (const entry of config.entries) {
    line = entry.line;
    const sym = tree.byName.get(entry.name);
    if (!sym) {
      info.unknown.push(entry.name);
      state.confChanged = true;
      continue;
    }
    if (!confSetSymVal(state, sym, entry.raw, lineWarn)) continue;
    const cs = sym.choice;
    if (cs) {
      switch (v.userTri[sym.id]) {
        case 1:
          if (v.userTri[cs.id] === 2) {
            lineWarn(`${sym.name} creates inconsistent choice state`);
            v.flags[cs.id] &= ~DEF_USER;
          }
          break;
        case 2:
          if (v.userTri[cs.id] !== 0) lineWarn(`override: ${sym.name} changes choice state`);
          v.userChoice[cs.id] = sym;
          break;
      }
      v.userTri[cs.id] = triOr(v.userTri[cs.id] as Tristate, v.userTri[sym.id] as Tristate);
    }
  }
  return confWarnings;
}

/** One symbol's share of conf_read()'s `unsaved` count (the .config line would change). */
export function unsavedShare(v: Values, sym: KSymbol, v611: boolean): number {
  if (sym.isChoice || (sym.noWrite && !v611)) return 0;
  const id = sym.id;
  const f = v.flags[id];
  if (f & DEF_USER && f & WRITE) {
    if (sym.type === 'bool' || sym.type === 'tristate') return v.userTri[id] === v.tri[id] ? 0 : 1;
    return (v.val[id] ?? '') === v.userVal[id] ? 0 : 1;
  }
  return !(f & DEF_USER) && !(f & WRITE) ? 0 : 1;
}

/** A copy of the values right after reading (writeConfig mutates a state), for olddefconfigFrom. */
export function takeSnapshot(
  state: KconfigState,
  config: () => DotConfig | null,
  userDef: Uint8Array,
  unsaved: number,
  confWarnings: number,
): Snapshot {
  let cfg: DotConfig | null | undefined;
  return {
    config: () => (cfg === undefined ? (cfg = config()) : cfg),
    userDef,
    unsaved,
    confWarnings,
    unknown: state.read.unknown,
    warnings: state.read.warnings,
    values: state.values.clone(),
  };
}

/** conf_read(): read the user values, compute, and reconcile like confdata.c. */
export function confRead(state: KconfigState, config: DotConfig | null): void {
  const tree = state.tree;
  const v = state.values;
  state.confChanged = false;
  const info: ReadInfo = { changed: false, unknown: [], warnings: [] };
  state.read = info;
  if (!config) {
    // No .config: conf_read_simple returns 1 after conf_set_changed(true).
    state.confChanged = true;
    state.calc(tree.modules);
    info.changed = true;
    return;
  }
  state.input = config;
  const v611 = tree.dialect === 'v6.11';
  const confWarnings = confReadSimple(state, config, info);

  // DEF_USER as read, before sym_calc_value touches the choices' bits (for olddefconfigFrom).
  const userDef = new Uint8Array(v.flags.length);
  for (const s of tree.hashOrder) if (v.flags[s.id] & DEF_USER) userDef[s.id] = 1;
  state.calc(tree.modules);
  let unsaved = 0;
  for (const s of tree.hashOrder) {
    state.calc(s);
    unsaved += unsavedShare(v, s, v611);
  }
  if (v611) {
    if (unsaved) state.confChanged = true;
    if (confWarnings) state.confChanged = true;
    info.changed = state.confChanged;
    state.snapshot = takeSnapshot(state, () => config, userDef, unsaved, confWarnings);
    return;
  }
  // olddefconfigFrom starts from the values of this first pass.
  const snapshot = takeSnapshot(state, () => config, userDef, unsaved, confWarnings);
  let rangeResets = 0;
  for (const s of tree.hashOrder) {
    if (v.flags[s.id] & DEF_USER && !s.choice) {
      if (v.visibleTri[s.id] === 0 && !unsaved) v.flags[s.id] &= ~DEF_USER;
      if (s.type === 'string' || s.type === 'int' || s.type === 'hex') {
        if (state.stringWithinRange(s, v.userVal[s.id] ?? '')) continue;
        v.flags[s.id] &= ~(VALID | DEF_USER);
        state.invalidateExpressions();
        unsaved++;
        rangeResets++;
      }
    }
  }
  if (confWarnings || unsaved) state.confChanged = true;
  info.changed = state.confChanged;
  // Reset out-of-range values leave dependents computed from the old value: no shortcut from there.
  if (!rangeResets) state.snapshot = snapshot;
}
