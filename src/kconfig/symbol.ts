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
import { InputError } from '../errors.js';
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

/** One entry of symbol.c's dep_stack: which part of `sym` is being followed. */
interface DepFrame {
  sym: KSymbol;
  prop: Property | null;
  /** stack->expr: dir_dep, rev_dep, implied, a default's value, or none (prop->visible.expr or a choice link). */
  expr: 'dir' | 'rev' | 'implied' | 'value' | null;
}

/** A recursive dependency as the C tool reports it. */
export interface RecursiveDependency {
  /** The symbols around the loop, the first repeated at the end. */
  loop: KSymbol[];
  /** What sym_check_print_recursive prints for it, byte for byte. */
  report: string;
  /** Where the 6.1 report places it (≥ 6.11 prints no location: the first symbol's definition). */
  file: string;
  line: number;
}

const RESOLUTION =
  'For a resolution refer to Documentation/kbuild/kconfig-language.rst\n' +
  'subsection "Kconfig recursive dependency limitations"\n' +
  '\n';

/**
 * sym_check_deps for every symbol in conf_parse's order (≤ 6.10: for_all_symbols,
 * the hash order; ≥ 6.11: the menu tree), with sym_check_print_recursive's
 * report of each loop found. A symbol must not depend on itself through
 * `depends on`, select/imply reverse dependencies, property conditions or
 * default values; a choice and its members are checked as one group.
 */
export function findRecursiveDependencies(tree: Pick<KconfigTree, 'dialect' | 'root' | 'hashOrder' | 'symbols'>): RecursiveDependency[] {
  const v611 = tree.dialect === 'v6.11';
  const CHECK = 1;
  const CHECKED = 2;
  const flags = new Uint8Array(tree.symbols.length);
  const stack: DepFrame[] = [];
  const found: RecursiveDependency[] = [];
  const name = (s: KSymbol) => s.name ?? '<choice>';
  /** printf("%s", NULL) in glibc. */
  const cstr = (s: string | null) => s ?? '(null)';
  /** The choice symbol whose value `sym` takes (sym_is_choice_value / sym_get_choice_menu). */
  const choiceOf = (sym: KSymbol): KSymbol | null => (v611 ? (sym.choiceMenu?.sym ?? null) : sym.choice);
  /** The members sym_check_choice_deps marks and checks. */
  const membersOf = (choice: KSymbol): KSymbol[] => {
    if (!v611) return choice.choiceMembers;
    const out: KSymbol[] = [];
    const menu = choice.menus[0];
    if (menu) for (let m = menuNext(menu, menu); m; m = menuNext(m, menu)) if (m.sym) out.push(m.sym);
    return out;
  };

  const printRecursive = (lastSym: KSymbol): void => {
    let last = lastSym;
    let cv: DepFrame | null = null;
    const choice = choiceOf(last);
    if (choice) {
      cv = { sym: last, prop: null, expr: null };
      stack.push(cv);
      last = choice;
    }
    let from = stack.length - 1;
    while (from >= 0 && stack[from].sym !== last) from--;
    if (from < 0) {
      found.push({ loop: [lastSym], report: 'unexpected recursive dependency error\n', file: '', line: 0 });
      if (cv) stack.pop();
      return;
    }
    const lines: string[] = [];
    let file = '';
    let line = 0;
    for (let i = from; i < stack.length; i++) {
      const f = stack[i];
      const sym = f.sym;
      const next = i + 1 < stack.length ? stack[i + 1].sym : last;
      if (v611) {
        if (sym === last) {
          lines.push('error: recursive dependency detected!\n');
          file = sym.menus[0]?.file ?? '';
          line = sym.menus[0]?.line ?? 0;
        }
        const type = f.prop ? f.prop.kind : 'unknown';
        if (next.isChoice) {
          const cm = next.menus[0];
          lines.push(`\tsymbol ${name(sym)} is part of choice block at ${cm?.file}:${cm?.line}\n`);
        } else if (f.expr === 'dir') lines.push(`\tsymbol ${name(sym)} depends on ${cstr(next.name)}\n`);
        else if (f.expr === 'rev') lines.push(`\tsymbol ${cstr(sym.name)} is selected by ${cstr(next.name)}\n`);
        else if (f.expr === 'implied') lines.push(`\tsymbol ${cstr(sym.name)} is implied by ${cstr(next.name)}\n`);
        else if (f.expr) lines.push(`\tsymbol ${name(sym)} ${type} value contains ${cstr(next.name)}\n`);
        else lines.push(`\tsymbol ${name(sym)} ${type} is visible depending on ${cstr(next.name)}\n`);
        continue;
      }
      // ≤ 6.10 prefixes each line with the property's place (the symbol's first property when none is being followed).
      let prop = f.prop ?? sym.props[0];
      let menu: MenuNode | null = null;
      if (sym.isChoice || sym.choice) {
        prop = sym.props[0];
        menu = prop?.menu ?? null;
      }
      const at = `${prop?.file}:${prop?.line}:`;
      if (sym === last) {
        lines.push(`${at}error: recursive dependency detected!\n`);
        file = prop?.file ?? '';
        line = prop?.line ?? 0;
      }
      const mat = `${menu?.file}:${menu?.line}:`;
      if (sym.isChoice) lines.push(`${mat}\tchoice ${name(sym)} contains symbol ${name(next)}\n`);
      else if (sym.choice) lines.push(`${mat}\tsymbol ${name(sym)} is part of choice ${name(next)}\n`);
      else if (f.expr === 'dir') lines.push(`${at}\tsymbol ${name(sym)} depends on ${name(next)}\n`);
      else if (f.expr === 'rev') lines.push(`${at}\tsymbol ${name(sym)} is selected by ${name(next)}\n`);
      else if (f.expr === 'implied') lines.push(`${at}\tsymbol ${name(sym)} is implied by ${name(next)}\n`);
      else if (f.expr) lines.push(`${at}\tsymbol ${name(sym)} ${prop?.kind} value contains ${name(next)}\n`);
      else lines.push(`${at}\tsymbol ${name(sym)} ${prop?.kind} is visible depending on ${name(next)}\n`);
    }
    const loop = [...stack.slice(from).map((f) => f.sym), last];
    found.push({ loop, report: lines.join('') + RESOLUTION, file, line });
    if (cv) stack.pop();
  };

  const checkExpr = (e: Expr | null): KSymbol | null => {
    if (!e) return null;
    switch (e.k) {
      case 'and':
      case 'or':
        return checkExpr(e.l) ?? checkExpr(e.r);
      case 'not':
        return checkExpr(e.e);
      case 'cmp':
        return checkDeps(e.l) ?? checkDeps(e.r);
      case 'sym':
        return checkDeps(e.sym);
      default:
        return null;
    }
  };

  const checkSymDeps = (sym: KSymbol): KSymbol | null => {
    const frame: DepFrame = { sym, prop: null, expr: 'dir' };
    stack.push(frame);
    let sym2 = checkExpr(sym.dirDep);
    if (!sym2) {
      frame.expr = 'rev';
      sym2 = checkExpr(sym.revDep);
    }
    if (!sym2) {
      frame.expr = 'implied';
      sym2 = checkExpr(sym.implied);
    }
    if (!sym2) {
      frame.expr = null;
      for (const prop of sym.props) {
        if (prop.kind === 'select' || prop.kind === 'imply') continue;
        // ≥ 6.11 has no P_SYMBOL/P_CHOICE properties.
        if (v611 && (prop.kind === 'symbol' || prop.kind === 'choice')) continue;
        frame.prop = prop;
        sym2 = checkExpr(prop.cond);
        if (sym2) break;
        if (prop.kind !== 'default' || sym.isChoice) continue;
        frame.expr = 'value';
        sym2 = checkExpr(prop.expr);
        if (sym2) break;
        frame.expr = null;
      }
    }
    stack.pop();
    return sym2;
  };

  const checkChoiceDeps = (choice: KSymbol): KSymbol | null => {
    stack.push({ sym: choice, prop: null, expr: null });
    const members = membersOf(choice);
    for (const m of members) flags[m.id] |= CHECK | CHECKED;
    flags[choice.id] |= CHECK | CHECKED;
    let sym2 = checkSymDeps(choice);
    flags[choice.id] &= ~CHECK;
    if (!sym2) {
      for (const m of members) {
        sym2 = checkSymDeps(m);
        if (sym2) break;
      }
    }
    for (const m of members) flags[m.id] &= ~CHECK;
    if (sym2 && choiceOf(sym2) === choice) sym2 = choice;
    stack.pop();
    return sym2;
  };

  const checkDeps = (sym: KSymbol): KSymbol | null => {
    if (flags[sym.id] & CHECK) {
      printRecursive(sym);
      return sym;
    }
    if (flags[sym.id] & CHECKED) return null;
    const choice = choiceOf(sym);
    let sym2: KSymbol | null;
    if (choice) {
      // For choice groups the check starts with the choice symbol.
      stack.push({ sym, prop: null, expr: null });
      sym2 = checkDeps(choice);
      stack.pop();
    } else if (sym.isChoice) sym2 = checkChoiceDeps(sym);
    else {
      flags[sym.id] |= CHECK | CHECKED;
      sym2 = checkSymDeps(sym);
      flags[sym.id] &= ~CHECK;
    }
    return sym2;
  };

  if (v611) {
    for (let m = menuNext(tree.root, tree.root); m; m = menuNext(m, tree.root)) if (m.sym) checkDeps(m.sym);
  } else for (const s of tree.hashOrder) checkDeps(s);
  return found;
}

/**
 * conf_parse's refusal of recursive dependencies: throws an InputError
 * naming the first loop, with every loop's C report (what conf prints on
 * stderr) as the error's `report`.
 */
export function checkRecursiveDependencies(tree: Pick<KconfigTree, 'dialect' | 'root' | 'hashOrder' | 'symbols'>): void {
  const found = findRecursiveDependencies(tree);
  if (!found.length) return;
  const first = found[0];
  const more = found.length > 1 ? ` (and ${found.length - 1} more)` : '';
  throw new InputError(
    `recursive dependency detected: ${first.loop.map((s) => s.name ?? '<choice>').join(' -> ')}${more}`,
    first.file || undefined,
    first.line || undefined,
    {
      report: found.map((f) => f.report).join(''),
    },
  );
}
