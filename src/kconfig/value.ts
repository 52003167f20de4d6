/**
 * Symbol values exactly as scripts/kconfig/symbol.c computes them
 * (sym_calc_value, sym_calc_visibility, sym_calc_choice, sym_validate_range,
 * sym_string_valid, sym_string_within_range, the `modules` symbol) and
 * expr.c's expr_calc_value, plus what confdata.c's conf_write needs
 * (SYMBOL_WRITTEN, menu_is_visible).
 *
 * The tree is never copied: a KconfigState holds the per-symbol values in a
 * Values struct of flat arrays indexed by symbol id, computed lazily with a
 * VALID flag like SYMBOL_VALID. Reading a .config is confdata.ts;
 * re-evaluating a candidate from a base state is incremental.ts.
 */
import type { Snapshot, ReadInfo } from './confdata.js';
import type { DotConfig } from './dotconfig.js';
import { triAnd, triNot, triOr, type Expr, type Tristate } from './expr.js';
import { isDigit, isXDigit, strcmp, strtoX, toU64 } from './libc.js';
import { menuNext, symbolDefaults, type KconfigTree, type KSymbol, type MenuNode, type Property } from './symbol.js';

// sym->flags bits (expr.h SYMBOL_*), as far as the evaluation needs them.
export const SYMBOL_VALID = 1;
export const SYMBOL_WRITE = 2;
export const SYMBOL_DEF_USER = 4;
export const SYMBOL_WRITTEN = 8;
const VALID = SYMBOL_VALID;
const WRITE = SYMBOL_WRITE;
const DEF_USER = SYMBOL_DEF_USER;
const WRITTEN = SYMBOL_WRITTEN;

/** sym_get_type() result. */
export type EffType = 'unknown' | 'bool' | 'tristate' | 'string' | 'int' | 'hex';

/** sym_string_valid(). */
export function stringValidFor(type: EffType, str: string): boolean {
  switch (type) {
    case 'string':
      return true;
    case 'int': {
      let i = 0;
      let ch = str[i++];
      if (ch === '-') ch = str[i++];
      if (!isDigit(ch)) return false;
      if (ch === '0' && i < str.length) return false;
      for (; i < str.length; i++) if (!isDigit(str[i])) return false;
      return true;
    }
    case 'hex': {
      let i = 0;
      if (str[0] === '0' && (str[1] === 'x' || str[1] === 'X')) i = 2;
      if (i >= str.length) return false;
      for (; i < str.length; i++) if (!isXDigit(str[i])) return false;
      return true;
    }
    case 'bool':
    case 'tristate':
      return /^[yYmMnN]/.test(str);
    default:
      return false;
  }
}

type Kind = 'string' | 'signed' | 'unsigned';

function parseStringValue(str: string, type: EffType): { kind: Kind; v: bigint } {
  let r: { value: bigint; end: number; overflow: boolean };
  let kind: Kind;
  switch (type) {
    case 'bool':
    case 'tristate':
      return { kind: 'signed', v: str === 'n' ? 0n : str === 'm' ? 1n : str === 'y' ? 2n : -1n };
    case 'int':
      r = strtoX(str, 10, false);
      kind = 'signed';
      break;
    case 'hex':
      r = strtoX(str, 16, true);
      kind = 'unsigned';
      break;
    default:
      r = strtoX(str, 0, false);
      kind = 'signed';
  }
  const ok = !r.overflow && r.end === str.length && r.end > 0 && isXDigit(str[r.end - 1]);
  return { kind: ok ? kind : 'string', v: r.value };
}

interface PropIndex {
  prompts: Property[][];
  defaults: Property[][];
  ranges: Property[][];
}
const propIndexes = new WeakMap<KconfigTree, PropIndex>();
/** Per-symbol property lists by kind, built once per tree. */
function propIndex(tree: KconfigTree): PropIndex {
  let ix = propIndexes.get(tree);
  if (!ix) {
    ix = {
      prompts: tree.symbols.map((s) => s.props.filter((p) => p.text !== undefined)),
      defaults: tree.symbols.map((s) => s.props.filter((p) => p.kind === 'default')),
      ranges: tree.symbols.map((s) => s.props.filter((p) => p.kind === 'range')),
    };
    propIndexes.set(tree, ix);
  }
  return ix;
}

function cmpResult(op: string, res: number): Tristate {
  switch (op) {
    case '=':
      return res ? 0 : 2;
    case '>=':
      return res >= 0 ? 2 : 0;
    case '>':
      return res > 0 ? 2 : 0;
    case '<=':
      return res <= 0 ? 2 : 0;
    case '<':
      return res < 0 ? 2 : 0;
    default:
      return res ? 2 : 0;
  }
}

/**
 * The per-configuration part of `struct symbol` and `struct property`, as
 * flat arrays by symbol id (property id for propTri): sym->flags, curr.tri
 * and curr.val, def[S_DEF_USER], visible, dir_dep.tri, rev_dep.tri,
 * implied.tri, prop->visible.tri; the `modules` value; 6.11+ choice member
 * priority lists. A state owns one; a snapshot keeps a clone().
 */
export class Values {
  private constructor(
    readonly flags: Int32Array,
    readonly tri: Uint8Array,
    /** curr.val of string/int/hex (and unknown: the name). */
    readonly val: (string | null)[],
    /** curr.val of a choice: the selected member (null when none). */
    readonly choiceSel: (KSymbol | null)[],
    readonly visibleTri: Uint8Array,
    readonly dirDepTri: Uint8Array,
    readonly revDepTri: Uint8Array,
    readonly impliedTri: Uint8Array,
    readonly userTri: Uint8Array,
    readonly userVal: (string | null)[],
    /** ≤ 6.10: the member a .config selected for a choice. */
    readonly userChoice: (KSymbol | null)[],
    /** prop->visible.tri */
    readonly propTri: Uint8Array,
    public modulesVal: Tristate,
    /** 6.11+: choice member priority lists (conf_read_simple moves user-set members first). */
    readonly choiceOrder: Map<number, KSymbol[]>,
  ) {}

  /** Nothing computed yet, except the y/m/n constants. */
  static forTree(tree: KconfigTree): Values {
    const n = tree.symbols.length;
    const v = new Values(
      new Int32Array(n),
      new Uint8Array(n),
      new Array<string | null>(n).fill(null),
      new Array<KSymbol | null>(n).fill(null),
      new Uint8Array(n),
      new Uint8Array(n),
      new Uint8Array(n),
      new Uint8Array(n),
      new Uint8Array(n),
      new Array<string | null>(n).fill(null),
      new Array<KSymbol | null>(n).fill(null),
      new Uint8Array(tree.props.length),
      0,
      new Map(),
    );
    for (const s of [tree.yes, tree.mod, tree.no]) {
      v.flags[s.id] = VALID;
      v.tri[s.id] = s.constTri!;
      v.val[s.id] = s.name;
    }
    return v;
  }

  clone(): Values {
    return new Values(
      this.flags.slice(),
      this.tri.slice(),
      this.val.slice(),
      this.choiceSel.slice(),
      this.visibleTri.slice(),
      this.dirDepTri.slice(),
      this.revDepTri.slice(),
      this.impliedTri.slice(),
      this.userTri.slice(),
      this.userVal.slice(),
      this.userChoice.slice(),
      this.propTri.slice(),
      this.modulesVal,
      new Map(this.choiceOrder),
    );
  }
}

/**
 * Values of every symbol for one configuration. Read values through the
 * methods (they compute lazily); do not mutate the tree.
 */
export class KconfigState {
  /** @internal the values; confdata.ts and incremental.ts read and set them as the C code does. */
  readonly values: Values;
  /** Memoized expression values + 1 by expression id (0 = not computed). */
  private readonly memo: Uint8Array;
  /** Set by conf_read (confdata.ts): how reading the input went. */
  read: ReadInfo = { changed: false, unknown: [], warnings: [] };
  /** conf_set_changed state (conf_write clears all values when false). */
  confChanged = true;

  private readonly index: PropIndex;
  private readonly v611: boolean;

  /** olddefconfigFrom re-evaluated only the changed symbols' dependents (false: full evaluation). */
  incremental = false;
  /** @internal set by settle() (incremental.ts): a recomputation would give the same values. */
  settled = false;
  /** @internal the input, built lazily for olddefconfigFrom's states. */
  inputOf: () => DotConfig | null = () => null;
  /** The input olddefconfig read (null: no .config); for olddefconfigFrom, base's input with the changes. */
  get input(): DotConfig | null {
    return this.inputOf();
  }
  set input(config: DotConfig | null) {
    this.inputOf = () => config;
  }
  /** @internal post-read values for olddefconfigFrom (null when it must run in full). */
  snapshot: Snapshot | null = null;

  /** `from`: start from a copy of these values (olddefconfigFrom). */
  constructor(
    readonly tree: KconfigTree,
    from?: Values,
  ) {
    this.index = propIndex(tree);
    this.v611 = tree.dialect === 'v6.11';
    this.values = from ? from.clone() : Values.forTree(tree);
    this.memo = new Uint8Array(tree.exprCount ?? 0);
  }

  // ---- public queries -----------------------------------------------

  /** Current tristate value (sym_get_tristate_value), computing it if needed. */
  tristate(sym: KSymbol): Tristate {
    this.calc(sym);
    return this.values.tri[sym.id] as Tristate;
  }

  /** sym_get_string_value: 'y'/'m'/'n' for bool/tristate, else the string. */
  value(sym: KSymbol): string {
    this.calc(sym);
    return this.stringValue(sym);
  }

  /** Value by name; undefined if no such symbol. */
  valueOf(name: string): string | undefined {
    const s = this.tree.byName.get(name);
    return s ? this.value(s) : undefined;
  }

  /** Prompt visibility (sym->visible). */
  visibility(sym: KSymbol): Tristate {
    this.calc(sym);
    return this.values.visibleTri[sym.id] as Tristate;
  }
  /** Value of `depends on` (sym->dir_dep.tri). */
  directDependency(sym: KSymbol): Tristate {
    this.calc(sym);
    return this.values.dirDepTri[sym.id] as Tristate;
  }
  /** Value of the OR of all selects (sym->rev_dep.tri). */
  selectedLevel(sym: KSymbol): Tristate {
    this.calc(sym);
    return this.values.revDepTri[sym.id] as Tristate;
  }
  /** Value of the OR of all implies (sym->implied.tri). */
  impliedLevel(sym: KSymbol): Tristate {
    this.calc(sym);
    return this.values.impliedTri[sym.id] as Tristate;
  }
  /** Would be written to .config (SYMBOL_WRITE). */
  isWritten(sym: KSymbol): boolean {
    this.calc(sym);
    return (this.values.flags[sym.id] & WRITE) !== 0;
  }
  /** The user (input .config) value is in effect (SYMBOL_DEF_USER). */
  hasUserValue(sym: KSymbol): boolean {
    return (this.values.flags[sym.id] & DEF_USER) !== 0;
  }
  /** The user can change it (sym_is_changeable: visible > selected). */
  isChangeable(sym: KSymbol): boolean {
    this.calc(sym);
    return this.values.visibleTri[sym.id] > this.values.revDepTri[sym.id];
  }
  /** For a choice: its selected member. */
  choiceSelection(choice: KSymbol): KSymbol | null {
    if (this.v611) {
      const menu = choice.menus[0];
      return menu ? this.calcChoiceV611(menu) : null;
    }
    this.calc(choice);
    return this.values.tri[choice.id] === 2 ? this.values.choiceSel[choice.id] : null;
  }
  /** Evaluate any expression against this state (expr_calc_value). */
  evalExpr(e: Expr | null): Tristate {
    return this.calcExpr(e);
  }
  /** The first default whose condition holds (the one in effect), if any. */
  activeDefault(sym: KSymbol): Property | null {
    this.calc(sym);
    return this.defaultProp(sym);
  }
  /** The `select` properties currently forcing sym (selector value and condition non-n). */
  activeSelects(sym: KSymbol): Property[] {
    return sym.selectedBy.filter((p) => triAnd(this.tristate(p.menu.sym!), this.calcExpr(p.cond)) !== 0);
  }
  /** The `imply` properties currently raising sym's default. */
  activeImplies(sym: KSymbol): Property[] {
    return sym.impliedBy.filter((p) => triAnd(this.tristate(p.menu.sym!), this.calcExpr(p.cond)) !== 0);
  }
  /** sym_get_type (tristate becomes bool without modules or as a y-visible choice member). */
  effectiveType(sym: KSymbol): EffType {
    return this.getType(sym);
  }

  // ---- symbol.c -------------------------------------------------------

  private stringValue(sym: KSymbol): string {
    if (sym.type === 'bool' || sym.type === 'tristate') {
      const t = this.values.tri[sym.id];
      return t === 2 ? 'y' : t === 1 ? 'm' : 'n';
    }
    return this.values.val[sym.id] ?? '';
  }

  private getType(sym: KSymbol): EffType {
    let type: EffType = sym.type;
    if (type === 'tristate') {
      if (!this.v611 && sym.choice !== null && this.values.visibleTri[sym.id] === 2) type = 'bool';
      else if (this.values.modulesVal === 0) type = 'bool';
    }
    return type;
  }

  calcExpr(e: Expr | null): Tristate {
    if (!e) return 2;
    if (e.k === 'sym') {
      this.calc(e.sym);
      return this.values.tri[e.sym.id] as Tristate;
    }
    const id = e.id;
    if (id === undefined || id < 0) return this.calcExpr1(e);
    const m = this.memo[id];
    if (m !== 0) return (m - 1) as Tristate;
    const v = this.calcExpr1(e);
    this.memo[id] = v + 1;
    return v;
  }

  /** Forget memoized expression values (after any VALID flag is cleared). */
  invalidateExpressions(): void {
    this.memo.fill(0);
  }

  private calcExpr1(e: Expr): Tristate {
    switch (e.k) {
      case 'sym':
        this.calc(e.sym);
        return this.values.tri[e.sym.id] as Tristate;
      case 'and':
        return triAnd(this.calcExpr(e.l), this.calcExpr(e.r));
      case 'or':
        return triOr(this.calcExpr(e.l), this.calcExpr(e.r));
      case 'not':
        return triNot(this.calcExpr(e.e));
      case 'range':
        return 0;
      case 'cmp': {
        this.calc(e.l);
        this.calc(e.r);
        const s1 = this.stringValue(e.l);
        const s2 = this.stringValue(e.r);
        const lt = e.l.type;
        const rt = e.r.type;
        if ((lt === 'bool' || lt === 'tristate') && (rt === 'bool' || rt === 'tristate')) {
          // Both sides parse as n/m/y = 0/1/2: compare the tristates.
          const a = this.values.tri[e.l.id];
          const b = this.values.tri[e.r.id];
          return cmpResult(e.op, a > b ? 1 : a < b ? -1 : 0);
        }
        let k1: Kind = 'string';
        let k2: Kind = 'string';
        let v1 = 0n;
        let v2 = 0n;
        if (e.l.type !== 'string' || e.r.type !== 'string') {
          const a = parseStringValue(s1, e.l.type);
          const b = parseStringValue(s2, e.r.type);
          k1 = a.kind;
          k2 = b.kind;
          v1 = a.v;
          v2 = b.v;
        }
        let res: number;
        if (k1 === 'string' || k2 === 'string') res = strcmp(s1, s2);
        else if (k1 === 'unsigned' || k2 === 'unsigned') {
          const x = toU64(v1);
          const y = toU64(v2);
          res = x > y ? 1 : x < y ? -1 : 0;
        } else res = v1 > v2 ? 1 : v1 < v2 ? -1 : 0;
        return cmpResult(e.op, res);
      }
    }
    return 0;
  }

  private defaultProp(sym: KSymbol): Property | null {
    for (const p of this.index.defaults[sym.id]) {
      const t = this.calcExpr(p.cond);
      this.values.propTri[p.id] = t;
      if (t !== 0) return p;
    }
    return null;
  }

  private rangeProp(sym: KSymbol): Property | null {
    for (const p of this.index.ranges[sym.id]) {
      const t = this.calcExpr(p.cond);
      this.values.propTri[p.id] = t;
      if (t !== 0) return p;
    }
    return null;
  }

  private rangeVal(sym: KSymbol, base: number): bigint {
    this.calc(sym);
    if (sym.type === 'int') base = 10;
    else if (sym.type === 'hex') base = 16;
    return strtoX(this.stringValue(sym), base, false).value;
  }

  private validateRange(sym: KSymbol): void {
    let base: number;
    if (sym.type === 'int') base = 10;
    else if (sym.type === 'hex') base = 16;
    else return;
    const prop = this.rangeProp(sym);
    if (!prop) return;
    const r = prop.expr as { k: 'range'; l: KSymbol; r: KSymbol };
    const v = strtoX(this.values.val[sym.id] ?? '', base, false).value;
    let rangeSym = r.l;
    let v2 = this.rangeVal(rangeSym, base);
    if (v >= v2) {
      rangeSym = r.r;
      v2 = this.rangeVal(rangeSym, base);
      if (v <= v2) return;
    }
    this.values.val[sym.id] = this.stringValue(rangeSym);
  }

  private calcVisibility(sym: KSymbol): void {
    const id = sym.id;
    let tri: Tristate = 0;
    const choice = sym.choice;
    for (const p of this.index.prompts[sym.id]) {
      let t = this.calcExpr(p.cond);
      if (choice && !this.v611 && sym.type === 'tristate' && t === 1 && this.values.tri[choice.id] === 2) t = 0;
      this.values.propTri[p.id] = t;
      tri = triOr(tri, t);
    }
    if (tri === 1 && (sym.type !== 'tristate' || this.values.modulesVal === 0)) tri = 2;
    this.values.visibleTri[id] = tri;
    if (choice) return;
    tri = sym.dirDep ? this.calcExpr(sym.dirDep) : 2;
    if (tri === 1 && this.getType(sym) === 'bool') tri = 2;
    this.values.dirDepTri[id] = tri;
    tri = sym.revDep ? this.calcExpr(sym.revDep) : 0;
    if (tri === 1 && this.getType(sym) === 'bool') tri = 2;
    this.values.revDepTri[id] = tri;
    tri = sym.implied ? this.calcExpr(sym.implied) : 0;
    if (tri === 1 && this.getType(sym) === 'bool') tri = 2;
    this.values.impliedTri[id] = tri;
  }

  /** sym_choice_default */
  choiceDefault(choice: KSymbol): KSymbol | null {
    for (const p of choice.props) {
      if (p.kind !== 'default') continue;
      const t = this.calcExpr(p.cond);
      this.values.propTri[p.id] = t;
      if (t === 0) continue;
      const d = (p.expr as { k: 'sym'; sym: KSymbol }).sym;
      if (this.values.visibleTri[d.id] !== 0) return d;
    }
    for (const m of choice.choiceMembers) if (this.values.visibleTri[m.id] !== 0) return m;
    return null;
  }

  private calcChoice(choice: KSymbol): KSymbol | null {
    let flags = this.values.flags[choice.id];
    for (const m of choice.choiceMembers) {
      this.calcVisibility(m);
      if (this.values.visibleTri[m.id] !== 0) flags &= this.values.flags[m.id];
    }
    this.values.flags[choice.id] &= flags | ~DEF_USER;
    const user = this.values.userChoice[choice.id];
    if (user && this.values.visibleTri[user.id] !== 0) return user;
    const def = this.choiceDefault(choice);
    if (def === null) {
      this.values.tri[choice.id] = 0;
      // Expressions read the choice as non-n until now; the C code re-evaluates them.
      this.invalidateExpressions();
    }
    return def;
  }

  /** sym_choice_default of either dialect (6.11+: of the choice's menu), for conf_write_defconfig (K-modes). */
  choiceDefaultOf(choice: KSymbol): KSymbol | null {
    if (!this.v611) return this.choiceDefault(choice);
    const menu = choice.menus[0];
    return menu ? this.choiceDefaultV611(menu) : null;
  }

  /** Members of a choice in priority order (6.11+). */
  choicePriority(choice: KSymbol): KSymbol[] {
    return this.values.choiceOrder.get(choice.id) ?? choice.choiceMembers;
  }

  /** 6.11+ sym_choice_default(choice menu). */
  private choiceDefaultV611(choice: MenuNode): KSymbol | null {
    for (const p of this.index.defaults[choice.sym!.id]) {
      const t = this.calcExpr(p.cond);
      this.values.propTri[p.id] = t;
      if (t === 0) continue;
      const d = (p.expr as { k: 'sym'; sym: KSymbol }).sym;
      if (this.values.visibleTri[d.id] !== 0) return d;
    }
    for (let m = menuNext(choice, choice); m; m = menuNext(m, choice)) {
      if (m.sym && this.values.visibleTri[m.sym.id] !== 0) return m.sym;
    }
    return null;
  }

  /** 6.11+ sym_calc_choice: decide every visible member of the choice at once. */
  private calcChoiceV611(choice: MenuNode): KSymbol | null {
    const members = this.choicePriority(choice.sym!);
    let res: KSymbol | null = null;
    for (const s of members) {
      this.calcVisibility(s);
      if (this.values.visibleTri[s.id] === 0) continue;
      if (this.values.flags[s.id] & DEF_USER && this.values.userTri[s.id] === 2) {
        res = s;
        break;
      }
    }
    if (!res) {
      res = this.choiceDefaultV611(choice);
      if (res && this.values.flags[res.id] & DEF_USER && this.values.userTri[res.id] === 0) res = null;
    }
    if (!res) {
      for (let m = menuNext(choice, choice); m; m = menuNext(m, choice)) {
        const s = m.sym;
        if (!s || this.values.visibleTri[s.id] === 0 || this.values.flags[s.id] & DEF_USER) continue;
        res = s;
        break;
      }
    }
    if (!res) {
      for (let i = members.length - 1; i >= 0; i--) {
        if (this.values.visibleTri[members[i].id] === 0) continue;
        res = members[i];
        break;
      }
    }
    for (let m = menuNext(choice, choice); m; m = menuNext(m, choice)) {
      const s = m.sym;
      if (!s || this.values.visibleTri[s.id] === 0) continue;
      this.values.tri[s.id] = s === res ? 2 : 0;
      this.values.flags[s.id] |= VALID | WRITE;
    }
    this.values.choiceSel[choice.sym!.id] = res;
    return res;
  }

  /** sym_calc_value */

  /**
   * symbol.c's value of a bool/tristate that is not a choice member: the user
   * value within visibility, else the default and any imply (both limited by
   * dir_dep), then raised by reverse dependencies (select). Sets WRITE as the
   * C code does.
   */
  private calcBoolTristate(sym: KSymbol, id: number, initial: Tristate): Tristate {
    let newTri = initial;
    let gotUser = false;
    if (this.values.visibleTri[id] !== 0 && this.values.flags[id] & DEF_USER) {
      newTri = triAnd(this.values.userTri[id] as Tristate, this.values.visibleTri[id] as Tristate);
      gotUser = true;
    }
    if (!gotUser) {
      if (this.values.revDepTri[id] !== 0) this.values.flags[id] |= WRITE;
      if (!sym.isChoice) {
        const prop = this.defaultProp(sym);
        if (prop) {
          newTri = triAnd(this.calcExpr(prop.expr), this.values.propTri[prop.id] as Tristate);
          if (newTri !== 0) this.values.flags[id] |= WRITE;
        }
        if (this.values.impliedTri[id] !== 0) {
          this.values.flags[id] |= WRITE;
          newTri = triOr(newTri, this.values.impliedTri[id] as Tristate);
          newTri = triAnd(newTri, this.values.dirDepTri[id] as Tristate);
        }
      }
    }
    return triOr(newTri, this.values.revDepTri[id] as Tristate);
  }

  calc(sym: KSymbol): void {
    const id = sym.id;
    if (this.values.flags[id] & VALID) return;
    this.values.flags[id] |= VALID;
    let newTri: Tristate = 0;
    let newVal: string | null;
    switch (sym.type) {
      case 'int':
        newVal = this.v611 ? '0' : '';
        break;
      case 'hex':
        newVal = this.v611 ? '0x0' : '';
        break;
      case 'string':
        newVal = '';
        break;
      case 'bool':
      case 'tristate':
        newVal = null;
        break;
      default:
        this.values.val[id] = sym.name;
        this.values.tri[id] = 0;
        return;
    }
    this.values.flags[id] &= ~WRITE;
    this.calcVisibility(sym);
    if (this.values.visibleTri[id] !== 0) this.values.flags[id] |= WRITE;
    // Default while recursively called.
    this.values.tri[id] = 0;
    this.values.val[id] = newVal;
    this.values.choiceSel[id] = null;

    const type = this.getType(sym);
    if ((type === 'bool' || type === 'tristate') && this.v611) {
      const choiceMenu = sym.choiceMenu;
      if (choiceMenu) {
        this.calcChoiceV611(choiceMenu);
        newTri = this.values.tri[id] as Tristate;
      } else {
        newTri = this.calcBoolTristate(sym, id, newTri);
      }
      if (newTri === 1 && this.getType(sym) === 'bool') newTri = 2;
    } else if (type === 'bool' || type === 'tristate') {
      if (sym.choice && this.values.visibleTri[id] === 2) {
        newTri = this.values.choiceSel[sym.choice.id] === sym && this.values.tri[sym.choice.id] === 2 ? 2 : 0;
      } else {
        newTri = this.calcBoolTristate(sym, id, newTri);
      }
      if (newTri === 1 && this.getType(sym) === 'bool') newTri = 2;
    } else if (type === 'string' || type === 'hex' || type === 'int') {
      if (this.values.visibleTri[id] !== 0 && this.values.flags[id] & DEF_USER) {
        newVal = this.values.userVal[id];
      } else {
        const prop = this.defaultProp(sym);
        if (prop && prop.expr && prop.expr.k === 'sym') {
          const ds = prop.expr.sym;
          this.values.flags[id] |= WRITE;
          this.calc(ds);
          newVal = this.stringValue(ds);
        }
      }
    }
    this.values.tri[id] = newTri;
    this.values.val[id] = newVal;
    if (this.v611) {
      this.validateRange(sym);
      if (sym === this.tree.modules) this.values.modulesVal = this.values.tri[id] as Tristate;
      if (sym.isChoice || sym.noWrite) this.values.flags[id] &= ~WRITE;
      return;
    }
    if (sym.isChoice && newTri === 2) this.values.choiceSel[id] = this.calcChoice(sym);
    this.validateRange(sym);
    if (sym === this.tree.modules) this.values.modulesVal = this.values.tri[id] as Tristate;
    if (sym.isChoice) {
      if (this.values.flags[id] & WRITE) {
        for (const m of sym.choiceMembers) if (this.values.visibleTri[m.id] !== 0) this.values.flags[m.id] |= WRITE;
      }
    }
    if (sym.noWrite) this.values.flags[id] &= ~WRITE;
  }

  /** sym_clear_all_valid */
  clearAllValid(): void {
    if (this.settled) {
      // Values already are what recomputing from the current user values gives (see settle).
      this.settled = false;
      this.confChanged = true;
      return;
    }
    for (let i = 0; i < this.values.flags.length; i++) this.values.flags[i] &= ~VALID;
    for (const s of [this.tree.yes, this.tree.mod, this.tree.no]) this.values.flags[s.id] |= VALID;
    this.invalidateExpressions();
    this.confChanged = true;
    this.calc(this.tree.modules);
  }

  /** sym_string_within_range */
  stringWithinRange(sym: KSymbol, str: string): boolean {
    switch (sym.type) {
      case 'string':
        return true;
      case 'int':
      case 'hex': {
        if (!stringValidFor(sym.type, str)) return false;
        const prop = this.rangeProp(sym);
        if (!prop) return true;
        const base = sym.type === 'int' ? 10 : 16;
        const r = prop.expr as { k: 'range'; l: KSymbol; r: KSymbol };
        const v = strtoX(str, base, false).value;
        return v >= this.rangeVal(r.l, base) && v <= this.rangeVal(r.r, base);
      }
      default:
        return false;
    }
  }

  // ---- writer support --------------------------------------------------

  /** @internal for write.ts */
  markWritten(sym: KSymbol): boolean {
    if (this.values.flags[sym.id] & WRITTEN) return false;
    this.calc(sym);
    if (!(this.values.flags[sym.id] & WRITE)) return false;
    this.values.flags[sym.id] |= WRITTEN;
    return true;
  }
  /** @internal for write.ts */
  clearWritten(): void {
    for (let i = 0; i < this.values.flags.length; i++) this.values.flags[i] &= ~WRITTEN;
  }
  /** menu_is_visible for a node without symbol (menu, comment, if). */
  menuIsVisible(menu: import('./symbol.js').MenuNode): boolean {
    if (!menu.prompt) return false;
    if (menu.visibility && this.calcExpr(menu.visibility) === 0) return false;
    let visible: Tristate;
    if (menu.sym) {
      this.calc(menu.sym);
      visible = this.values.propTri[menu.prompt.id] as Tristate;
    } else {
      visible = this.calcExpr(menu.prompt.cond);
      this.values.propTri[menu.prompt.id] = visible;
    }
    if (visible !== 0) return true;
    if (!menu.sym || this.values.tri[menu.sym.id] === 0) return false;
    for (let c = menu.list; c; c = c.next) {
      if (this.menuIsVisible(c)) {
        this.values.flags[menu.sym.id] |= DEF_USER;
        return true;
      }
    }
    return false;
  }
}

/** Defaults of a symbol with their conditions, for explanations. */
export function defaultsWithConditions(sym: KSymbol): { value: Expr | null; condition: Expr | null; file: string; line: number }[] {
  return symbolDefaults(sym).map((p) => ({ value: p.expr, condition: p.cond, file: p.file, line: p.line }));
}
