/**
 * Symbol evaluation exactly as scripts/kconfig/symbol.c computes it
 * (sym_calc_value, sym_calc_visibility, sym_calc_choice, expr_calc_value,
 * sym_validate_range, the `modules` symbol), and the .config reading of
 * confdata.c (conf_read_simple, conf_read) that `conf --olddefconfig` does.
 *
 * The tree is never copied: a KconfigState holds the per-symbol values in
 * flat arrays indexed by symbol id, computed lazily with a VALID flag like
 * SYMBOL_VALID. One olddefconfig() costs one pass over the symbols;
 * olddefconfigFrom() re-evaluates only what a candidate's changes reach.
 */
import type { DotConfig, DotConfigEntry } from './dotconfig.js';
import { forEachExprSymbol, triAnd, triNot, triOr, type Expr, type Tristate } from './expr.js';
import { symbolDefaults, type KconfigTree, type KSymbol, type MenuNode, type Property } from './symbol.js';

// sym->flags bits we need.
const VALID = 1;
const WRITE = 2;
const DEF_USER = 4;
const WRITTEN = 8;

type EffType = 'unknown' | 'bool' | 'tristate' | 'string' | 'int' | 'hex';

const LLONG_MAX = (1n << 63n) - 1n;
const LLONG_MIN = -(1n << 63n);
const ULLONG_MAX = (1n << 64n) - 1n;

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isXDigit = (c: string | undefined) =>
  c !== undefined && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
const isSpace = (c: string | undefined) => c !== undefined && /^[ \t\n\v\f\r]$/.test(c);

/** strtoll/strtoull: value (clamped), end index, overflow (errno = ERANGE). */
export function strtoX(str: string, base: number, unsigned: boolean): { value: bigint; end: number; overflow: boolean } {
  let i = 0;
  while (isSpace(str[i])) i++;
  let neg = false;
  if (str[i] === '+' || str[i] === '-') {
    neg = str[i] === '-';
    i++;
  }
  if ((base === 0 || base === 16) && str[i] === '0' && (str[i + 1] === 'x' || str[i + 1] === 'X') && isXDigit(str[i + 2])) {
    i += 2;
    base = 16;
  } else if (base === 0) base = str[i] === '0' ? 8 : 10;
  const start = i;
  let mag = 0n;
  const b = BigInt(base);
  for (; i < str.length; i++) {
    const c = str[i];
    let d: number;
    if (c >= '0' && c <= '9') d = c.charCodeAt(0) - 48;
    else if (c >= 'a' && c <= 'z') d = c.charCodeAt(0) - 87;
    else if (c >= 'A' && c <= 'Z') d = c.charCodeAt(0) - 55;
    else break;
    if (d >= base) break;
    mag = mag * b + BigInt(d);
  }
  if (i === start) return { value: 0n, end: 0, overflow: false };
  let overflow = false;
  let value: bigint;
  if (unsigned) {
    if (mag > ULLONG_MAX) {
      overflow = true;
      value = ULLONG_MAX;
    } else value = neg ? (ULLONG_MAX + 1n - mag) & ULLONG_MAX : mag;
  } else {
    value = neg ? -mag : mag;
    if (value > LLONG_MAX) {
      overflow = true;
      value = LLONG_MAX;
    } else if (value < LLONG_MIN) {
      overflow = true;
      value = LLONG_MIN;
    }
  }
  return { value, end: i, overflow };
}

/** menu_next: pre-order successor of `menu` inside `root`'s subtree. */
function menuNext(menu: MenuNode, root: MenuNode): MenuNode | null {
  if (menu.list) return menu.list;
  let m: MenuNode = menu;
  while (m !== root && !m.next) m = m.parent!;
  if (m === root) return null;
  return m.next;
}

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

const toU64 = (v: bigint) => (v < 0n ? v + (1n << 64n) : v);

const ASCII = /^[\x00-\x7f]*$/;
function strcmp(a: string, b: string): number {
  if (ASCII.test(a) && ASCII.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
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

export interface ReadInfo {
  /** conf_warnings + unknown symbols + unsaved: `.config` would be rewritten. */
  changed: boolean;
  /** Names in the input that no Kconfig defines. */
  unknown: string[];
  /** conf_warning()s: file:line: message. */
  warnings: string[];
}

/**
 * Values of every symbol for one configuration. Read values through the
 * methods (they compute lazily); do not mutate the tree.
 */
export class KconfigState {
  readonly flags: Int32Array;
  readonly tri: Uint8Array;
  /** curr.val of string/int/hex (and unknown: the name). */
  readonly val: (string | null)[];
  /** curr.val of a choice: the selected member (null when none). */
  readonly choiceSel: (KSymbol | null)[];
  readonly visibleTri: Uint8Array;
  readonly dirDepTri: Uint8Array;
  readonly revDepTri: Uint8Array;
  readonly impliedTri: Uint8Array;
  readonly userTri: Uint8Array;
  readonly userVal: (string | null)[];
  readonly userChoice: (KSymbol | null)[];
  /** prop->visible.tri */
  readonly propTri: Uint8Array;
  /** Memoized expression values + 1 by expression id (0 = not computed). */
  private readonly memo: Uint8Array;
  modulesVal: Tristate = 0;
  /** Set by olddefconfig: how reading the input went. */
  read: ReadInfo = { changed: false, unknown: [], warnings: [] };
  /** conf_set_changed state (conf_write clears all values when false). */
  confChanged = true;

  private readonly index: PropIndex;
  private readonly v611: boolean;
  /** 6.11+: choice member priority lists (conf_read_simple moves user-set members first). */
  private readonly choiceOrder = new Map<number, KSymbol[]>();

  /** olddefconfigFrom re-evaluated only the changed symbols' dependents (false: full evaluation). */
  incremental = false;
  /** Set by settle(): a recomputation would give the same values. */
  private settled = false;
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

  /** @internal `from`: start from a snapshot's values (olddefconfigFrom). */
  constructor(
    readonly tree: KconfigTree,
    from?: Snapshot,
  ) {
    this.index = propIndex(tree);
    this.v611 = tree.dialect === 'v6.11';
    if (from) {
      this.flags = from.flags.slice();
      this.tri = from.tri.slice();
      this.val = from.val.slice();
      this.choiceSel = from.choiceSel.slice();
      this.visibleTri = from.visibleTri.slice();
      this.dirDepTri = from.dirDepTri.slice();
      this.revDepTri = from.revDepTri.slice();
      this.impliedTri = from.impliedTri.slice();
      this.userTri = from.userTri.slice();
      this.userVal = from.userVal.slice();
      this.userChoice = from.userChoice.slice();
      this.propTri = from.propTri.slice();
      this.memo = new Uint8Array(tree.exprCount ?? 0);
      this.modulesVal = from.modulesVal;
      for (const [k, v] of from.choiceOrder) this.choiceOrder.set(k, v);
      return;
    }
    const n = tree.symbols.length;
    this.flags = new Int32Array(n);
    this.tri = new Uint8Array(n);
    this.val = new Array(n).fill(null);
    this.choiceSel = new Array(n).fill(null);
    this.visibleTri = new Uint8Array(n);
    this.dirDepTri = new Uint8Array(n);
    this.revDepTri = new Uint8Array(n);
    this.impliedTri = new Uint8Array(n);
    this.userTri = new Uint8Array(n);
    this.userVal = new Array(n).fill(null);
    this.userChoice = new Array(n).fill(null);
    this.propTri = new Uint8Array(tree.props.length);
    this.memo = new Uint8Array(tree.exprCount ?? 0);
    for (const s of [tree.yes, tree.mod, tree.no]) {
      this.flags[s.id] = VALID;
      this.tri[s.id] = s.constTri!;
      this.val[s.id] = s.name;
    }
  }

  // ---- public queries -----------------------------------------------

  /** Current tristate value (sym_get_tristate_value), computing it if needed. */
  tristate(sym: KSymbol): Tristate {
    this.calc(sym);
    return this.tri[sym.id] as Tristate;
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
    return this.visibleTri[sym.id] as Tristate;
  }
  /** Value of `depends on` (sym->dir_dep.tri). */
  directDependency(sym: KSymbol): Tristate {
    this.calc(sym);
    return this.dirDepTri[sym.id] as Tristate;
  }
  /** Value of the OR of all selects (sym->rev_dep.tri). */
  selectedLevel(sym: KSymbol): Tristate {
    this.calc(sym);
    return this.revDepTri[sym.id] as Tristate;
  }
  /** Value of the OR of all implies (sym->implied.tri). */
  impliedLevel(sym: KSymbol): Tristate {
    this.calc(sym);
    return this.impliedTri[sym.id] as Tristate;
  }
  /** Would be written to .config (SYMBOL_WRITE). */
  isWritten(sym: KSymbol): boolean {
    this.calc(sym);
    return (this.flags[sym.id] & WRITE) !== 0;
  }
  /** The user (input .config) value is in effect (SYMBOL_DEF_USER). */
  hasUserValue(sym: KSymbol): boolean {
    return (this.flags[sym.id] & DEF_USER) !== 0;
  }
  /** The user can change it (sym_is_changeable: visible > selected). */
  isChangeable(sym: KSymbol): boolean {
    this.calc(sym);
    return this.visibleTri[sym.id] > this.revDepTri[sym.id];
  }
  /** For a choice: its selected member. */
  choiceSelection(choice: KSymbol): KSymbol | null {
    if (this.v611) {
      const menu = choice.menus[0];
      return menu ? this.calcChoiceV611(menu) : null;
    }
    this.calc(choice);
    return this.tri[choice.id] === 2 ? this.choiceSel[choice.id] : null;
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
      const t = this.tri[sym.id];
      return t === 2 ? 'y' : t === 1 ? 'm' : 'n';
    }
    return this.val[sym.id] ?? '';
  }

  private getType(sym: KSymbol): EffType {
    let type: EffType = sym.type;
    if (type === 'tristate') {
      if (!this.v611 && sym.choice !== null && this.visibleTri[sym.id] === 2) type = 'bool';
      else if (this.modulesVal === 0) type = 'bool';
    }
    return type;
  }

  calcExpr(e: Expr | null): Tristate {
    if (!e) return 2;
    if (e.k === 'sym') {
      this.calc(e.sym);
      return this.tri[e.sym.id] as Tristate;
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
        return this.tri[e.sym.id] as Tristate;
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
          const a = this.tri[e.l.id];
          const b = this.tri[e.r.id];
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
      this.propTri[p.id] = t;
      if (t !== 0) return p;
    }
    return null;
  }

  private rangeProp(sym: KSymbol): Property | null {
    for (const p of this.index.ranges[sym.id]) {
      const t = this.calcExpr(p.cond);
      this.propTri[p.id] = t;
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
    const v = strtoX(this.val[sym.id] ?? '', base, false).value;
    let rangeSym = r.l;
    let v2 = this.rangeVal(rangeSym, base);
    if (v >= v2) {
      rangeSym = r.r;
      v2 = this.rangeVal(rangeSym, base);
      if (v <= v2) return;
    }
    this.val[sym.id] = this.stringValue(rangeSym);
  }

  private calcVisibility(sym: KSymbol): void {
    const id = sym.id;
    let tri: Tristate = 0;
    const choice = sym.choice;
    for (const p of this.index.prompts[sym.id]) {
      let t = this.calcExpr(p.cond);
      if (choice && !this.v611 && sym.type === 'tristate' && t === 1 && this.tri[choice.id] === 2) t = 0;
      this.propTri[p.id] = t;
      tri = triOr(tri, t);
    }
    if (tri === 1 && (sym.type !== 'tristate' || this.modulesVal === 0)) tri = 2;
    this.visibleTri[id] = tri;
    if (choice) return;
    tri = sym.dirDep ? this.calcExpr(sym.dirDep) : 2;
    if (tri === 1 && this.getType(sym) === 'bool') tri = 2;
    this.dirDepTri[id] = tri;
    tri = sym.revDep ? this.calcExpr(sym.revDep) : 0;
    if (tri === 1 && this.getType(sym) === 'bool') tri = 2;
    this.revDepTri[id] = tri;
    tri = sym.implied ? this.calcExpr(sym.implied) : 0;
    if (tri === 1 && this.getType(sym) === 'bool') tri = 2;
    this.impliedTri[id] = tri;
  }

  /** sym_choice_default */
  choiceDefault(choice: KSymbol): KSymbol | null {
    for (const p of choice.props) {
      if (p.kind !== 'default') continue;
      const t = this.calcExpr(p.cond);
      this.propTri[p.id] = t;
      if (t === 0) continue;
      const d = (p.expr as { k: 'sym'; sym: KSymbol }).sym;
      if (this.visibleTri[d.id] !== 0) return d;
    }
    for (const m of choice.choiceMembers) if (this.visibleTri[m.id] !== 0) return m;
    return null;
  }

  private calcChoice(choice: KSymbol): KSymbol | null {
    let flags = this.flags[choice.id];
    for (const m of choice.choiceMembers) {
      this.calcVisibility(m);
      if (this.visibleTri[m.id] !== 0) flags &= this.flags[m.id];
    }
    this.flags[choice.id] &= flags | ~DEF_USER;
    const user = this.userChoice[choice.id];
    if (user && this.visibleTri[user.id] !== 0) return user;
    const def = this.choiceDefault(choice);
    if (def === null) {
      this.tri[choice.id] = 0;
      // Expressions read the choice as non-n until now; the C code re-evaluates them.
      this.invalidateExpressions();
    }
    return def;
  }

  /** Members of a choice in priority order (6.11+). */
  choicePriority(choice: KSymbol): KSymbol[] {
    return this.choiceOrder.get(choice.id) ?? choice.choiceMembers;
  }

  /** 6.11+ sym_choice_default(choice menu). */
  private choiceDefaultV611(choice: MenuNode): KSymbol | null {
    for (const p of this.index.defaults[choice.sym!.id]) {
      const t = this.calcExpr(p.cond);
      this.propTri[p.id] = t;
      if (t === 0) continue;
      const d = (p.expr as { k: 'sym'; sym: KSymbol }).sym;
      if (this.visibleTri[d.id] !== 0) return d;
    }
    for (let m = menuNext(choice, choice); m; m = menuNext(m, choice)) {
      if (m.sym && this.visibleTri[m.sym.id] !== 0) return m.sym;
    }
    return null;
  }

  /** 6.11+ sym_calc_choice: decide every visible member of the choice at once. */
  private calcChoiceV611(choice: MenuNode): KSymbol | null {
    const members = this.choicePriority(choice.sym!);
    let res: KSymbol | null = null;
    for (const s of members) {
      this.calcVisibility(s);
      if (this.visibleTri[s.id] === 0) continue;
      if (this.flags[s.id] & DEF_USER && this.userTri[s.id] === 2) {
        res = s;
        break;
      }
    }
    if (!res) {
      res = this.choiceDefaultV611(choice);
      if (res && this.flags[res.id] & DEF_USER && this.userTri[res.id] === 0) res = null;
    }
    if (!res) {
      for (let m = menuNext(choice, choice); m; m = menuNext(m, choice)) {
        const s = m.sym;
        if (!s || this.visibleTri[s.id] === 0 || this.flags[s.id] & DEF_USER) continue;
        res = s;
        break;
      }
    }
    if (!res) {
      for (let i = members.length - 1; i >= 0; i--) {
        if (this.visibleTri[members[i].id] === 0) continue;
        res = members[i];
        break;
      }
    }
    for (let m = menuNext(choice, choice); m; m = menuNext(m, choice)) {
      const s = m.sym;
      if (!s || this.visibleTri[s.id] === 0) continue;
      this.tri[s.id] = s === res ? 2 : 0;
      this.flags[s.id] |= VALID | WRITE;
    }
    this.choiceSel[choice.sym!.id] = res;
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
    if (this.visibleTri[id] !== 0 && this.flags[id] & DEF_USER) {
      newTri = triAnd(this.userTri[id] as Tristate, this.visibleTri[id] as Tristate);
      gotUser = true;
    }
    if (!gotUser) {
      if (this.revDepTri[id] !== 0) this.flags[id] |= WRITE;
      if (!sym.isChoice) {
        const prop = this.defaultProp(sym);
        if (prop) {
          newTri = triAnd(this.calcExpr(prop.expr), this.propTri[prop.id] as Tristate);
          if (newTri !== 0) this.flags[id] |= WRITE;
        }
        if (this.impliedTri[id] !== 0) {
          this.flags[id] |= WRITE;
          newTri = triOr(newTri, this.impliedTri[id] as Tristate);
          newTri = triAnd(newTri, this.dirDepTri[id] as Tristate);
        }
      }
    }
    return triOr(newTri, this.revDepTri[id] as Tristate);
  }

  calc(sym: KSymbol): void {
    const id = sym.id;
    if (this.flags[id] & VALID) return;
    this.flags[id] |= VALID;
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
        this.val[id] = sym.name;
        this.tri[id] = 0;
        return;
    }
    this.flags[id] &= ~WRITE;
    this.calcVisibility(sym);
    if (this.visibleTri[id] !== 0) this.flags[id] |= WRITE;
    // Default while recursively called.
    this.tri[id] = 0;
    this.val[id] = newVal;
    this.choiceSel[id] = null;

    const type = this.getType(sym);
    if ((type === 'bool' || type === 'tristate') && this.v611) {
      const choiceMenu = sym.choiceMenu;
      if (choiceMenu) {
        this.calcChoiceV611(choiceMenu);
        newTri = this.tri[id] as Tristate;
      } else {
        newTri = this.calcBoolTristate(sym, id, newTri);
      }
      if (newTri === 1 && this.getType(sym) === 'bool') newTri = 2;
    } else if (type === 'bool' || type === 'tristate') {
      if (sym.choice && this.visibleTri[id] === 2) {
        newTri = this.choiceSel[sym.choice.id] === sym && this.tri[sym.choice.id] === 2 ? 2 : 0;
      } else {
        newTri = this.calcBoolTristate(sym, id, newTri);
      }
      if (newTri === 1 && this.getType(sym) === 'bool') newTri = 2;
    } else if (type === 'string' || type === 'hex' || type === 'int') {
      if (this.visibleTri[id] !== 0 && this.flags[id] & DEF_USER) {
        newVal = this.userVal[id];
      } else {
        const prop = this.defaultProp(sym);
        if (prop && prop.expr && prop.expr.k === 'sym') {
          const ds = prop.expr.sym;
          this.flags[id] |= WRITE;
          this.calc(ds);
          newVal = this.stringValue(ds);
        }
      }
    }
    this.tri[id] = newTri;
    this.val[id] = newVal;
    if (this.v611) {
      this.validateRange(sym);
      if (sym === this.tree.modules) this.modulesVal = this.tri[id] as Tristate;
      if (sym.isChoice || sym.noWrite) this.flags[id] &= ~WRITE;
      return;
    }
    if (sym.isChoice && newTri === 2) this.choiceSel[id] = this.calcChoice(sym);
    this.validateRange(sym);
    if (sym === this.tree.modules) this.modulesVal = this.tri[id] as Tristate;
    if (sym.isChoice) {
      if (this.flags[id] & WRITE) {
        for (const m of sym.choiceMembers) if (this.visibleTri[m.id] !== 0) this.flags[m.id] |= WRITE;
      }
    }
    if (sym.noWrite) this.flags[id] &= ~WRITE;
  }

  /** sym_clear_all_valid */
  clearAllValid(): void {
    if (this.settled) {
      // Values already are what recomputing from the current user values gives (see settle).
      this.settled = false;
      this.confChanged = true;
      return;
    }
    for (let i = 0; i < this.flags.length; i++) this.flags[i] &= ~VALID;
    for (const s of [this.tree.yes, this.tree.mod, this.tree.no]) this.flags[s.id] |= VALID;
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
    if (this.flags[sym.id] & WRITTEN) return false;
    this.calc(sym);
    if (!(this.flags[sym.id] & WRITE)) return false;
    this.flags[sym.id] |= WRITTEN;
    return true;
  }
  /** @internal for write.ts */
  clearWritten(): void {
    for (let i = 0; i < this.flags.length; i++) this.flags[i] &= ~WRITTEN;
  }
  /** menu_is_visible for a node without symbol (menu, comment, if). */
  menuIsVisible(menu: import('./symbol.js').MenuNode): boolean {
    if (!menu.prompt) return false;
    if (menu.visibility && this.calcExpr(menu.visibility) === 0) return false;
    let visible: Tristate;
    if (menu.sym) {
      this.calc(menu.sym);
      visible = this.propTri[menu.prompt.id] as Tristate;
    } else {
      visible = this.calcExpr(menu.prompt.cond);
      this.propTri[menu.prompt.id] = visible;
    }
    if (visible !== 0) return true;
    if (!menu.sym || this.tri[menu.sym.id] === 0) return false;
    for (let c = menu.list; c; c = c.next) {
      if (this.menuIsVisible(c)) {
        this.flags[menu.sym.id] |= DEF_USER;
        return true;
      }
    }
    return false;
  }

  // ---- confdata.c: reading ------------------------------------------------

  /** conf_set_sym_val for S_DEF_USER. Returns false when the value was rejected. */
  private setUserValue(sym: KSymbol, raw: string, warn: (m: string) => void): boolean {
    const id = sym.id;
    switch (sym.type) {
      case 'tristate':
        if (raw[0] === 'm') {
          this.userTri[id] = 1;
          this.flags[id] |= DEF_USER;
          return true;
        }
      // fall through
      case 'bool':
        if (raw[0] === 'y') {
          this.userTri[id] = 2;
          this.flags[id] |= DEF_USER;
          return true;
        }
        if (raw[0] === 'n') {
          this.userTri[id] = 0;
          this.flags[id] |= DEF_USER;
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
          let out = '';
          let closed = false;
          for (let i = 1; i < p.length; i++) {
            const c = p[i];
            if (c === '"') {
              closed = true;
              break;
            }
            if (c === '\\') {
              i++;
              if (i < p.length) out += p[i];
              else break;
              continue;
            }
            out += c;
          }
          if (!closed) {
            warn('invalid string found');
            return false;
          }
          p = out;
        }
        if (stringValidFor(sym.type, p)) {
          this.userVal[id] = p;
          this.flags[id] |= DEF_USER;
          return true;
        }
        warn(`symbol value '${raw}' invalid for ${sym.name}`);
        return false;
      }
      default:
        return true;
    }
  }

  /** @internal conf_read_simple() of 6.11+: the user values of `config`; returns the number of conf_warning()s. */
  readUserValuesV611(config: DotConfig, info: ReadInfo): number {
    const tree = this.tree;
    let confWarnings = 0;
    const file = config.file ?? '.config';
    for (const s of tree.hashOrder) {
      this.flags[s.id] &= ~DEF_USER;
      this.userVal[s.id] = null;
      this.userTri[s.id] = 0;
    }
    for (const s of tree.hashOrder) this.flags[s.id] &= ~VALID;
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
        this.confChanged = true;
        continue;
      }
      if (!this.setUserValue(sym, entry.raw, lineWarn)) continue;
      const choice = sym.choiceMenu?.sym;
      if (choice) {
        // list_move(): this member gets the highest priority; the last assignment wins.
        const order = [...this.choicePriority(choice)];
        const at = order.indexOf(sym);
        if (at >= 0) order.splice(at, 1);
        order.unshift(sym);
        this.choiceOrder.set(choice.id, order);
      }
    }
    return confWarnings;
  }

  /** conf_read() of 6.11+: read user values, compute, note whether .config changes. */
  private readConfigV611(config: DotConfig): void {
    const tree = this.tree;
    const info = this.read;
    const confWarnings = this.readUserValuesV611(config, info);
    const userDef = new Uint8Array(this.flags.length);
    for (const s of tree.hashOrder) if (this.flags[s.id] & DEF_USER) userDef[s.id] = 1;
    this.calc(tree.modules);
    let unsaved = 0;
    for (const s of tree.hashOrder) {
      this.calc(s);
      unsaved += this.unsavedShare(s);
    }
    if (unsaved) this.confChanged = true;
    if (confWarnings) this.confChanged = true;
    info.changed = this.confChanged;
    this.snapshot = this.takeSnapshot(() => config, userDef, unsaved, confWarnings);
  }

  /** @internal conf_read_simple() of ≤ 6.10: the user values of `config`; returns the number of conf_warning()s. */
  readUserValues(config: DotConfig, info: ReadInfo): number {
    const tree = this.tree;
    let confWarnings = 0;
    const file = config.file ?? '.config';
    for (const s of tree.hashOrder) {
      this.flags[s.id] &= ~(DEF_USER | VALID);
      if (s.isChoice) this.flags[s.id] |= DEF_USER;
      this.userVal[s.id] = null;
      this.userTri[s.id] = 0;
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
        this.confChanged = true;
        continue;
      }
      if (!this.setUserValue(sym, entry.raw, lineWarn)) continue;
      const cs = sym.choice;
      if (cs) {
        switch (this.userTri[sym.id]) {
          case 1:
            if (this.userTri[cs.id] === 2) {
              lineWarn(`${sym.name} creates inconsistent choice state`);
              this.flags[cs.id] &= ~DEF_USER;
            }
            break;
          case 2:
            if (this.userTri[cs.id] !== 0) lineWarn(`override: ${sym.name} changes choice state`);
            this.userChoice[cs.id] = sym;
            break;
        }
        this.userTri[cs.id] = triOr(this.userTri[cs.id] as Tristate, this.userTri[sym.id] as Tristate);
      }
    }
    return confWarnings;
  }

  /** conf_read(): read the user values, compute, and reconcile like confdata.c. */
  readConfig(config: DotConfig | null): void {
    const tree = this.tree;
    this.confChanged = false;
    const info: ReadInfo = { changed: false, unknown: [], warnings: [] };
    this.read = info;
    if (!config) {
      // No .config: conf_read_simple returns 1 after conf_set_changed(true).
      this.confChanged = true;
      this.calc(tree.modules);
      info.changed = true;
      return;
    }
    this.input = config;
    if (this.v611) return this.readConfigV611(config);
    const confWarnings = this.readUserValues(config, info);

    // DEF_USER as read, before sym_calc_value touches the choices' bits (for olddefconfigFrom).
    const userDef = new Uint8Array(this.flags.length);
    for (const s of tree.hashOrder) if (this.flags[s.id] & DEF_USER) userDef[s.id] = 1;
    this.calc(tree.modules);
    let unsaved = 0;
    let rangeResets = 0;
    for (const s of tree.hashOrder) {
      this.calc(s);
      if (s.isChoice || s.noWrite) continue;
      const f = this.flags[s.id];
      if (f & DEF_USER && f & WRITE) {
        if (s.type === 'bool' || s.type === 'tristate') {
          if (this.userTri[s.id] === this.tri[s.id]) continue;
        } else if ((this.val[s.id] ?? '') === this.userVal[s.id]) continue;
      } else if (!(f & DEF_USER) && !(f & WRITE)) continue;
      unsaved++;
    }
    // olddefconfigFrom starts from the values of this first pass.
    const snapshot = this.takeSnapshot(() => config, userDef, unsaved, confWarnings);
    for (const s of tree.hashOrder) {
      if (this.flags[s.id] & DEF_USER && !s.choice) {
        if (this.visibleTri[s.id] === 0 && !unsaved) this.flags[s.id] &= ~DEF_USER;
        if (s.type === 'string' || s.type === 'int' || s.type === 'hex') {
          if (this.stringWithinRange(s, this.userVal[s.id] ?? '')) continue;
          this.flags[s.id] &= ~(VALID | DEF_USER);
          this.invalidateExpressions();
          unsaved++;
          rangeResets++;
        }
      }
    }
    if (confWarnings || unsaved) this.confChanged = true;
    info.changed = this.confChanged;
    // Reset out-of-range values leave dependents computed from the old value: no shortcut from there.
    if (!rangeResets) this.snapshot = snapshot;
  }

  // ---- incremental evaluation (olddefconfigFrom) -------------------------

  /** @internal copy of the values right after reading (writeConfig mutates a state). */
  takeSnapshot(config: () => DotConfig | null, userDef: Uint8Array, unsaved: number, confWarnings: number): Snapshot {
    let cfg: DotConfig | null | undefined;
    return {
      config: () => (cfg === undefined ? (cfg = config()) : cfg),
      userDef,
      unsaved,
      confWarnings,
      unknown: this.read.unknown,
      warnings: this.read.warnings,
      modulesVal: this.modulesVal,
      choiceOrder: new Map(this.choiceOrder),
      flags: this.flags.slice(),
      tri: this.tri.slice(),
      val: this.val.slice(),
      choiceSel: this.choiceSel.slice(),
      visibleTri: this.visibleTri.slice(),
      dirDepTri: this.dirDepTri.slice(),
      revDepTri: this.revDepTri.slice(),
      impliedTri: this.impliedTri.slice(),
      userTri: this.userTri.slice(),
      userVal: this.userVal.slice(),
      userChoice: this.userChoice.slice(),
      propTri: this.propTri.slice(),
    };
  }

  /** @internal forget the choice state a snapshot carried, before reading a .config into this state. */
  resetChoiceState(): void {
    this.userChoice.fill(null);
    this.choiceOrder.clear();
  }
  /** @internal 6.11+ choice priority lists differing from the snapshot's (their choices' ids). */
  choiceOrderChanges(snap: Snapshot): number[] {
    const out: number[] = [];
    const same = (a: KSymbol[] | undefined, b: KSymbol[] | undefined) => a === b || (!!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]));
    for (const id of new Set([...this.choiceOrder.keys(), ...snap.choiceOrder.keys()])) {
      if (!same(this.choiceOrder.get(id), snap.choiceOrder.get(id))) out.push(id);
    }
    return out;
  }

  /** @internal conf_set_sym_val for olddefconfigFrom: false when the C tool would warn. */
  setUserValueQuiet(sym: KSymbol, raw: string | null): boolean {
    const id = sym.id;
    this.flags[id] &= ~DEF_USER;
    this.userTri[id] = 0;
    this.userVal[id] = null;
    if (raw === null) return true;
    let ok = true;
    this.setUserValue(sym, raw, () => (ok = false));
    return ok;
  }

  /** @internal one symbol's share of conf_read()'s `unsaved` count. */
  unsavedShare(sym: KSymbol): number {
    if (sym.isChoice || (sym.noWrite && !this.v611)) return 0;
    const id = sym.id;
    const f = this.flags[id];
    if (f & DEF_USER && f & WRITE) {
      if (sym.type === 'bool' || sym.type === 'tristate') return this.userTri[id] === this.tri[id] ? 0 : 1;
      return (this.val[id] ?? '') === this.userVal[id] ? 0 : 1;
    }
    return !(f & DEF_USER) && !(f & WRITE) ? 0 : 1;
  }

  /**
   * @internal Recompute the symbols in `marked` (ids, in any order) from their
   * as-read user state, in for_all_symbols order like conf_read.
   */
  recompute(marked: Uint8Array, list: number[], userDef: Uint8Array): void {
    const tree = this.tree;
    for (const id of list) {
      this.flags[id] = (this.flags[id] & ~(VALID | WRITE | DEF_USER)) | (userDef[id] ? DEF_USER : 0);
      for (const p of tree.symbols[id].props) this.propTri[p.id] = 0;
    }
    for (const s of tree.hashOrder) if (marked[s.id]) this.calc(s);
  }

  /**
   * @internal conf_read()'s second pass when nothing is unsaved: invisible
   * symbols lose their user value. That changes no value (calc reads a user
   * value only when visible), so the recomputation conf_write's
   * sym_clear_all_valid() would start is skipped: see clearAllValid.
   */
  settle(settled: boolean): void {
    if (!this.v611)
      for (const s of this.tree.hashOrder) {
      if (this.flags[s.id] & DEF_USER && !s.choice && this.visibleTri[s.id] === 0) this.flags[s.id] &= ~DEF_USER;
    }
    this.settled = settled;
  }

  /** @internal the second pass of conf_read() over recomputed symbols: true when it would change nothing. */
  rangesHold(list: number[]): boolean {
    const syms = this.tree.symbols;
    for (const id of list) {
      const s = syms[id];
      if (!(this.flags[id] & DEF_USER) || s.choice) continue;
      if (s.type !== 'string' && s.type !== 'int' && s.type !== 'hex') continue;
      if (!this.stringWithinRange(s, this.userVal[id] ?? '')) return false;
    }
    return true;
  }
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
  modulesVal: Tristate;
  /** 6.11+ choice priority lists. */
  choiceOrder: Map<number, KSymbol[]>;
  flags: Int32Array;
  tri: Uint8Array;
  val: (string | null)[];
  choiceSel: (KSymbol | null)[];
  visibleTri: Uint8Array;
  dirDepTri: Uint8Array;
  revDepTri: Uint8Array;
  impliedTri: Uint8Array;
  userTri: Uint8Array;
  userVal: (string | null)[];
  userChoice: (KSymbol | null)[];
  propTri: Uint8Array;
}

/** KconfigState.unsavedShare on a snapshot's values. */
function snapshotShare(snap: Snapshot, sym: KSymbol, v611: boolean): number {
  if (sym.isChoice || (sym.noWrite && !v611)) return 0;
  const id = sym.id;
  const f = snap.flags[id];
  if (f & DEF_USER && f & WRITE) {
    if (sym.type === 'bool' || sym.type === 'tristate') return snap.userTri[id] === snap.tri[id] ? 0 : 1;
    return (snap.val[id] ?? '') === snap.userVal[id] ? 0 : 1;
  }
  return !(f & DEF_USER) && !(f & WRITE) ? 0 : 1;
}

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
    const value = quoted ? raw.slice(1, raw.endsWith('"') && raw.length > 1 ? -1 : undefined).replace(/\\(.)/g, '$1') : raw;
    entries.push({ name, value, raw, quoted, unset: false, line: ++line });
  }
  const values = new Map<string, DotConfigEntry>();
  for (const e of entries) values.set(e.name, e);
  return { file: config?.file, entries, values, warnings: config?.warnings ?? [] };
}

/**
 * `conf --olddefconfig` on an input .config: read it, compute every symbol.
 * Pass null for "no .config". Write the result with writeConfig().
 */
export function olddefconfig(tree: KconfigTree, config: DotConfig | null): KconfigState {
  const state = new KconfigState(tree);
  state.readConfig(config);
  return state;
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
  const state = new KconfigState(tree, snap);
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
    if (!state.setUserValueQuiet(sym, raw)) return fromConfig(base, candidate());
    const id = sym.id;
    userDef[id] = state.hasUserValue(sym) ? 1 : 0;
    if (userDef[id] === snap.userDef[id] && state.userTri[id] === snap.userTri[id] && state.userVal[id] === snap.userVal[id]) continue;
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

/** olddefconfigFrom of a whole candidate .config: read it, diff the user values against base's. */
function fromConfig(base: KconfigState, config: DotConfig): KconfigState {
  const tree = base.tree;
  const snap = base.snapshot;
  if (!snap) return olddefconfig(tree, config);
  const state = new KconfigState(tree, snap);
  const info: ReadInfo = { changed: false, unknown: [], warnings: [] };
  state.read = info;
  state.confChanged = false;
  state.resetChoiceState();
  const confWarnings = tree.dialect === 'v6.11' ? state.readUserValuesV611(config, info) : state.readUserValues(config, info);
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
    if (state.flags[id] & DEF_USER) userDef[id] = 1;
    // Reading cleared VALID (and reset DEF_USER): back to base's evaluated flags, the seeds get recomputed.
    state.flags[id] = snap.flags[id];
    if (
      userDef[id] !== snap.userDef[id] ||
      state.userTri[id] !== snap.userTri[id] ||
      state.userVal[id] !== snap.userVal[id] ||
      state.userChoice[id] !== snap.userChoice[id]
    )
      seed(id);
  }
  for (const id of state.choiceOrderChanges(snap)) seed(id);
  return finishIncremental(snap, state, userDef, marked, queue, confWarnings, () => config);
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
  for (const id of queue) unsaved -= snapshotShare(snap, tree.symbols[id], v611);
  state.recompute(marked, queue, userDef);
  for (const id of queue) unsaved += state.unsavedShare(tree.symbols[id]);
  if (!v611 && !state.rangesHold(queue)) return full();
  state.snapshot = state.takeSnapshot(config, userDef, unsaved, confWarnings);
  state.inputOf = state.snapshot.config;
  const changed = unsaved > 0 || confWarnings > 0 || state.read.unknown.length > 0;
  state.read.changed = changed;
  state.confChanged = changed;
  if (unsaved === 0) state.settle(!changed);
  state.incremental = true;
  return state;
}

/** Defaults of a symbol with their conditions, for explanations. */
export function defaultsWithConditions(sym: KSymbol): { value: Expr | null; condition: Expr | null; file: string; line: number }[] {
  return symbolDefaults(sym).map((p) => ({ value: p.expr, condition: p.cond, file: p.file, line: p.line }));
}
