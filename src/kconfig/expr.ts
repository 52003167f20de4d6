/**
 * Kconfig expressions (scripts/kconfig/expr.h, expr.c): the tree the parser
 * builds for `depends on`, `if` conditions, defaults, selects, and the
 * helpers menu_finalize needs. Evaluation lives in value.ts (it needs symbol
 * values); this file is pure structure.
 *
 * Tristate values are numbers as in the C code: 0 = n, 1 = m, 2 = y, so
 * `&&` is min, `||` is max and `!` is 2 - x.
 */
import type { KSymbol } from './symbol.js';

export type Tristate = 0 | 1 | 2;
export const NO: Tristate = 0;
export const MOD: Tristate = 1;
export const YES: Tristate = 2;

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/**
 * `id` numbers the compound nodes of a loaded tree (loadKconfig sets it; -1
 * or absent = not numbered) so an evaluation can memoize their values, as
 * 6.11+ does with e->val. Nodes are created with the field so every kind
 * keeps one object shape.
 */
export type Expr =
  | { readonly k: 'sym'; readonly sym: KSymbol; id?: number }
  | { readonly k: 'and' | 'or'; readonly l: Expr; readonly r: Expr; id?: number }
  | { readonly k: 'not'; readonly e: Expr; id?: number }
  | { readonly k: 'cmp'; readonly op: CompareOp; readonly l: KSymbol; readonly r: KSymbol; id?: number }
  /** `range A B` (only in range properties). */
  | { readonly k: 'range'; readonly l: KSymbol; readonly r: KSymbol; id?: number };

export function exprSym(sym: KSymbol): Expr {
  return { k: 'sym', sym, id: -1 };
}

/** expr_alloc_and: a missing side means "yes". */
export function exprAnd(a: Expr | null, b: Expr | null): Expr | null {
  if (!a) return b;
  if (!b) return a;
  return { k: 'and', l: a, r: b, id: -1 };
}

/** expr_alloc_or: a missing side absorbs (as in the C code, NULL || e = e). */
export function exprOr(a: Expr | null, b: Expr | null): Expr | null {
  if (!a) return b;
  if (!b) return a;
  return { k: 'or', l: a, r: b, id: -1 };
}

export function triAnd(a: Tristate, b: Tristate): Tristate {
  return (a < b ? a : b) as Tristate;
}
export function triOr(a: Tristate, b: Tristate): Tristate {
  return (a > b ? a : b) as Tristate;
}
export function triNot(a: Tristate): Tristate {
  return (2 - a) as Tristate;
}
export function triName(t: Tristate): 'n' | 'm' | 'y' {
  return t === 2 ? 'y' : t === 1 ? 'm' : 'n';
}

/** expr_contains_symbol. */
export function exprContainsSymbol(e: Expr | null, sym: KSymbol): boolean {
  if (!e) return false;
  switch (e.k) {
    case 'and':
    case 'or':
      return exprContainsSymbol(e.l, sym) || exprContainsSymbol(e.r, sym);
    case 'sym':
      return e.sym === sym;
    case 'cmp':
      return e.l === sym || e.r === sym;
    case 'not':
      return exprContainsSymbol(e.e, sym);
    default:
      return false;
  }
}

/** expr_depends_symbol: `dep` can only be true when `sym` is. */
export function exprDependsSymbol(e: Expr | null, sym: KSymbol): boolean {
  if (!e) return false;
  switch (e.k) {
    case 'and':
      return exprDependsSymbol(e.l, sym) || exprDependsSymbol(e.r, sym);
    case 'sym':
      return e.sym === sym;
    case 'cmp':
      if (e.l !== sym) return false;
      if (e.op === '=') return e.r.constTri === 2 || e.r.constTri === 1;
      if (e.op === '!=') return e.r.constTri === 0;
      return false;
    default:
      return false;
  }
}

/** Structural equality (expr_eq without the reordering). */
export function exprEqual(a: Expr | null, b: Expr | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.k !== b.k) return false;
  switch (a.k) {
    case 'sym':
      return a.sym === (b as typeof a).sym;
    case 'and':
    case 'or': {
      const o = b as typeof a;
      return (exprEqual(a.l, o.l) && exprEqual(a.r, o.r)) || (exprEqual(a.l, o.r) && exprEqual(a.r, o.l));
    }
    case 'not':
      return exprEqual(a.e, (b as typeof a).e);
    case 'cmp': {
      const o = b as typeof a;
      return a.op === o.op && a.l === o.l && a.r === o.r;
    }
    case 'range': {
      const o = b as typeof a;
      return a.l === o.l && a.r === o.r;
    }
  }
}

/** The operands of a chain of one operator: `a && (b && c)` → [a, b, c]. */
export function exprFlatten(e: Expr | null, k: 'and' | 'or'): Expr[] {
  if (!e) return [];
  if (e.k === k) return [...exprFlatten(e.l, k), ...exprFlatten(e.r, k)];
  return [e];
}

/** Call `visit` on every symbol an expression mentions, left to right (repeats included). */
export function forEachExprSymbol(e: Expr | null, visit: (s: KSymbol) => void): void {
  if (!e) return;
  switch (e.k) {
    case 'sym':
      visit(e.sym);
      break;
    case 'and':
    case 'or':
      forEachExprSymbol(e.l, visit);
      forEachExprSymbol(e.r, visit);
      break;
    case 'not':
      forEachExprSymbol(e.e, visit);
      break;
    case 'cmp':
    case 'range':
      visit(e.l);
      visit(e.r);
      break;
  }
}

/** Every symbol an expression mentions (no duplicates, first-seen order). */
export function exprSymbols(e: Expr | null, out: KSymbol[] = []): KSymbol[] {
  forEachExprSymbol(e, (s) => {
    if (!out.includes(s)) out.push(s);
  });
  return out;
}

function symText(s: KSymbol): string {
  if (s.isConst && !(s.name === 'y' || s.name === 'm' || s.name === 'n')) return JSON.stringify(s.name);
  return s.name ?? '<choice>';
}

/** Print an expression the way expr_print does (parentheses by precedence). */
export function exprToString(e: Expr | null): string {
  const prec = (x: Expr): number => (x.k === 'or' ? 1 : x.k === 'and' ? 2 : x.k === 'not' ? 4 : 5);
  const go = (x: Expr, parent: number): string => {
    let s: string;
    switch (x.k) {
      case 'sym':
        s = symText(x.sym);
        break;
      case 'not':
        s = '!' + go(x.e, 4);
        break;
      case 'and':
        s = go(x.l, 2) + ' && ' + go(x.r, 2);
        break;
      case 'or':
        s = go(x.l, 1) + ' || ' + go(x.r, 1);
        break;
      case 'cmp':
        s = `${symText(x.l)}${x.op}${symText(x.r)}`;
        break;
      case 'range':
        s = `[${symText(x.l)} ${symText(x.r)}]`;
        break;
    }
    return prec(x) < parent ? `(${s})` : s;
  };
  return e ? go(e, 0) : 'y';
}
