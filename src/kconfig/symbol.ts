/**
 * The Kconfig symbol and menu model (scripts/kconfig/expr.h `struct symbol`,
 * `struct property`, `struct menu`), Kconfiglib-style: everything the parser
 * and menu_finalize know, immutable once `loadKconfig` returns. Values live
 * in a separate KconfigState (value.ts) so one tree serves many evaluations.
 * Also the symbol table of symbol.c: sym_lookup (SymbolTable, with the C
 * hash-bucket order for_all_symbols follows) and sym_find (findSymbol).
 *
 * What "why is X on / what goes off with X" needs is all here:
 * - `sym.dirDep`   `depends on` of all definitions, with enclosing if/menu
 *                  deps (OR over definitions, as menu_finalize builds it);
 * - `sym.revDep`   OR of `S && cond` for every `select X if cond` in S
 *                  (`selectedBy` lists the same per selecting property);
 * - `sym.implied`  OR of `S && cond` for every `imply X if cond`
 *                  (`impliedBy`);
 * - `sym.defaults` in order, each with its condition (`prop.cond`, already
 *                  AND-ed with the definition's dependencies);
 * - `sym.prompts`  with their visibility conditions;
 * - `sym.selects` / `sym.implies`: the properties of S that select/imply.
 */
import type { Expr } from './expr.js';

export type SymbolType = 'unknown' | 'bool' | 'tristate' | 'string' | 'int' | 'hex';

export type PropKind = 'prompt' | 'menu' | 'comment' | 'default' | 'select' | 'imply' | 'range' | 'choice' | 'symbol';

/** One property line (`prompt`, `default`, `select`, ...) of a menu entry. */
export interface Property {
  /** Index into tree.props (value.ts keeps per-property state by it). */
  readonly id: number;
  kind: PropKind;
  /** Prompt text for prompt/menu/comment. */
  text?: string;
  /**
   * The value (default), target (select/imply: a `sym` expr), `range` expr,
   * or for `choice` on a choice symbol the member list (see KSymbol.choiceMembers).
   */
  expr: Expr | null;
  /**
   * `prop->visible.expr`: the `if` condition AND-ed with the dependencies of
   * the entry it belongs to (after menu_finalize). null means always.
   */
  cond: Expr | null;
  /** The menu node (definition) this property was written in. */
  menu: MenuNode;
  file: string;
  line: number;
}

export interface KSymbol {
  /** Index into tree.symbols. */
  readonly id: number;
  /** null for an unnamed choice. */
  readonly name: string | null;
  type: SymbolType;
  /** A quoted constant ("foo") or one of y/m/n. */
  readonly isConst: boolean;
  /** This is a choice (SYMBOL_CHOICE). */
  readonly isChoice: boolean;
  /** `optional` choice; every `config` also carries it, as in C. */
  optional: boolean;
  /**
   * For a choice member: its choice. Kconfig ≤ 6.10: set by menu_finalize
   * (SYMBOL_CHOICEVAL); ≥ 6.11: the `config` was parsed inside the choice block.
   */
  choice: KSymbol | null;
  /** ≥ 6.11 only: sym_get_choice_menu(), the choice menu whose value this symbol takes. */
  choiceMenu: MenuNode | null;
  /** For a choice: its members in order. */
  choiceMembers: KSymbol[];
  /** All properties, in definition order (sym->prop). */
  props: Property[];
  /** Every definition (config/menuconfig/choice block) of this symbol. */
  menus: MenuNode[];
  /** Direct dependencies (sym->dir_dep.expr); null = y. */
  dirDep: Expr | null;
  /** Reverse dependencies from `select` (sym->rev_dep.expr); null = n. */
  revDep: Expr | null;
  /** Weak reverse dependencies from `imply` (sym->implied.expr); null = n. */
  implied: Expr | null;
  /** The `select` properties that target this symbol. */
  selectedBy: Property[];
  /** The `imply` properties that target this symbol. */
  impliedBy: Property[];
  /** Writes nothing to .config (choices). */
  noWrite: boolean;
  /** Bucket in the C hash table (for_all_symbols order), -1 for y/m/n. */
  hashBucket: number;
  /** The C `sym->flags` of special constants: y/m/n carry a fixed value. */
  readonly constTri?: 0 | 1 | 2;
}

export type MenuKind = 'root' | 'config' | 'menuconfig' | 'choice' | 'menu' | 'comment' | 'if';

/** A node of the menu tree (struct menu). */
export interface MenuNode {
  kind: MenuKind;
  sym: KSymbol | null;
  /** The prompt property (P_PROMPT, P_MENU or P_COMMENT). */
  prompt: Property | null;
  /** Dependencies of this entry, parents' included after finalize. */
  dep: Expr | null;
  /** `visible if` of a menu. */
  visibility: Expr | null;
  parent: MenuNode | null;
  /** First child / next sibling, as in C (finalize restructures them). */
  list: MenuNode | null;
  next: MenuNode | null;
  help?: string;
  file: string;
  line: number;
}

export function isChoiceValue(sym: KSymbol): boolean {
  return sym.choice !== null;
}

export function symbolDefaults(sym: KSymbol): Property[] {
  return sym.props.filter((p) => p.kind === 'default');
}
export function symbolPrompts(sym: KSymbol): Property[] {
  return sym.props.filter((p) => p.text !== undefined);
}
export function symbolRanges(sym: KSymbol): Property[] {
  return sym.props.filter((p) => p.kind === 'range');
}
export function symbolSelects(sym: KSymbol): Property[] {
  return sym.props.filter((p) => p.kind === 'select');
}
export function symbolImplies(sym: KSymbol): Property[] {
  return sym.props.filter((p) => p.kind === 'imply');
}

/** The children of a menu node as an array. */
export function menuChildren(menu: MenuNode): MenuNode[] {
  const out: MenuNode[] = [];
  for (let m = menu.list; m; m = m.next) out.push(m);
  return out;
}

/** menu_next (menu.c): pre-order successor of `menu` inside `root`'s subtree. */
export function menuNext(menu: MenuNode, root: MenuNode): MenuNode | null {
  if (menu.list) return menu.list;
  let m: MenuNode = menu;
  while (m !== root && !m.next) m = m.parent!;
  if (m === root) return null;
  return m.next;
}

/** fnv32 as in symbol.c strhash(), for the for_all_symbols order. */
export function strhash(s: string): number {
  let h = 2166136261;
  // (hash ^ *s) with *s a (signed) char: sign-extend bytes >= 0x80.
  const bytes = !/[\u0080-\uffff]/.test(s) ? null : Buffer.from(s, 'utf8');
  const n = bytes ? bytes.length : s.length;
  for (let i = 0; i < n; i++) {
    let c = bytes ? bytes[i] : s.charCodeAt(i);
    if (c >= 0x80) c = (c - 256) >>> 0;
    h = Math.imul((h ^ c) >>> 0, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
export const SYMBOL_HASHSIZE = 9973;
/** scripts/kconfig/internal.h from 6.11 on. */
export const SYMBOL_HASHSIZE_V611 = 1 << 14;

/**
 * Which scripts/kconfig the tree follows: 'v6.1' (≤ 6.10: choices are
 * symbols with tristate support and SYMBOL_CHOICEVAL, conf_read resets
 * out-of-range values) or 'v6.11' (≥ 6.11: reworked choices with member
 * priority lists, int/hex default to 0/0x0, plain conf_read).
 */
export type KconfigDialect = 'v6.1' | 'v6.11';

/** The parsed, finalized tree (what conf_parse leaves behind). */
export interface KconfigTree {
  dialect: KconfigDialect;
  /** KERNELVERSION the tree was read with. */
  kernelVersion: string;
  srctree: string;
  /** Root menu; its prompt is `mainmenu` (or "Main menu"). */
  root: MenuNode;
  /** All symbols, in creation order (consts included). */
  symbols: KSymbol[];
  /** Named non-const symbols by name (sym_find). */
  byName: Map<string, KSymbol>;
  props: Property[];
  /** The y/m/n constants. */
  yes: KSymbol;
  mod: KSymbol;
  no: KSymbol;
  /** The symbol with the `modules` attribute (or `option modules`), else n. */
  modules: KSymbol;
  /** Symbols in for_all_symbols order (hash buckets, newest first in a bucket). */
  hashOrder: KSymbol[];
  /** Every Kconfig file read, in order. */
  files: string[];
  /** Warnings the C parser would print (file:line: message). */
  warnings: string[];
  /** Number of compound expression nodes (ids 0..exprCount-1), for memoized evaluation. */
  exprCount: number;
  /** Environment the preprocessor read (name → value), for cache keys. */
  env: Record<string, string>;
}

interface MutableSym extends KSymbol {
  isConst: boolean;
}

/** Symbol table with sym_lookup()'s rules and the C hash-bucket order. */
export class SymbolTable {
  readonly symbols: KSymbol[] = [];
  readonly byName = new Map<string, KSymbol>();
  private readonly consts = new Map<string, KSymbol>();
  private readonly choices = new Map<string, KSymbol>();
  /** Buckets, newest first, as symbol_hash[]. */
  private readonly buckets = new Map<number, KSymbol[]>();
  readonly yes: KSymbol;
  readonly mod: KSymbol;
  readonly no: KSymbol;

  constructor(private readonly hashSize: number) {
    const special = (name: 'y' | 'm' | 'n', tri: 0 | 1 | 2): KSymbol => {
      const s = this.create(name, { isConst: true, constTri: tri, hashed: false });
      s.type = 'tristate';
      return s;
    };
    this.yes = special('y', 2);
    this.mod = special('m', 1);
    this.no = special('n', 0);
  }

  private create(name: string | null, o: { isConst?: boolean; isChoice?: boolean; constTri?: 0 | 1 | 2; hashed?: boolean }): KSymbol {
    const hashBucket = o.hashed === false ? -1 : name ? strhash(name) % this.hashSize : 0;
    const sym: MutableSym = {
      id: this.symbols.length,
      name,
      type: 'unknown',
      isConst: !!o.isConst,
      isChoice: !!o.isChoice,
      optional: false,
      choice: null,
      choiceMenu: null,
      choiceMembers: [],
      props: [],
      menus: [],
      dirDep: null,
      revDep: null,
      implied: null,
      selectedBy: [],
      impliedBy: [],
      noWrite: false,
      hashBucket,
      constTri: o.constTri,
    };
    this.symbols.push(sym);
    if (hashBucket >= 0) {
      let b = this.buckets.get(hashBucket);
      if (!b) this.buckets.set(hashBucket, (b = []));
      b.unshift(sym);
    }
    return sym;
  }

  private special(name: string): KSymbol | undefined {
    if (name.length === 1) {
      if (name === 'y') return this.yes;
      if (name === 'm') return this.mod;
      if (name === 'n') return this.no;
    }
    return undefined;
  }

  /** sym_lookup(name, 0). */
  lookup(name: string): KSymbol {
    const sp = this.special(name);
    if (sp) return sp;
    let s = this.byName.get(name);
    if (!s) {
      s = this.create(name, {});
      this.byName.set(name, s);
    }
    return s;
  }

  /** sym_lookup(name, SYMBOL_CONST). */
  lookupConst(name: string): KSymbol {
    const sp = this.special(name);
    if (sp) return sp;
    let s = this.consts.get(name);
    if (!s) {
      s = this.create(name, { isConst: true });
      this.consts.set(name, s);
    }
    return s;
  }

  /** sym_lookup(name, SYMBOL_CHOICE): a named choice is found again, an unnamed one is new. */
  lookupChoice(name: string | null): KSymbol {
    if (name) {
      const sp = this.special(name);
      if (sp) return sp;
      const found = this.choices.get(name);
      if (found) return found;
    }
    const s = this.create(name, { isChoice: true });
    if (name) this.choices.set(name, s);
    return s;
  }

  /** for_all_symbols order. */
  hashOrder(): KSymbol[] {
    const keys = [...this.buckets.keys()].sort((a, b) => a - b);
    const out: KSymbol[] = [];
    for (const k of keys) out.push(...this.buckets.get(k)!);
    return out;
  }
}

/** Find a named symbol (sym_find). */
export function findSymbol(tree: KconfigTree, name: string): KSymbol | undefined {
  if (name === 'y') return tree.yes;
  if (name === 'm') return tree.mod;
  if (name === 'n') return tree.no;
  return tree.byName.get(name);
}
