import { describe, expect, it } from '@jest/globals';
import {
  exprAnd,
  exprContainsSymbol,
  exprDependsSymbol,
  exprFlatten,
  exprOr,
  exprSymbols,
  exprToString,
  triAnd,
  triNot,
  triOr,
  type Expr,
} from '../../../src/kconfig/expr.js';
import { SymbolTable } from '../../../src/kconfig/symbol.js';

const t = new SymbolTable(9973);
const A = t.lookup('A');
const B = t.lookup('B');
const C = t.lookup('C');
const s = (x: typeof A): Expr => ({ k: 'sym', sym: x });

describe('Kconfig expressions', () => {
  it('computes tristate logic as min/max/2-x', () => {
    expect([triAnd(2, 1), triAnd(0, 2), triOr(1, 0), triOr(1, 2), triNot(0), triNot(1), triNot(2)]).toEqual([1, 0, 1, 2, 2, 1, 0]);
  });

  it('treats a missing side of && / || as absent (expr_alloc_and/or)', () => {
    expect(exprAnd(null, s(A))).toEqual(s(A));
    expect(exprOr(s(A), null)).toEqual(s(A));
    expect(exprAnd(null, null)).toBeNull();
  });

  it('prints with the parentheses precedence needs', () => {
    const e: Expr = {
      k: 'and',
      l: { k: 'or', l: s(A), r: s(B) },
      r: { k: 'not', e: { k: 'cmp', op: '=', l: C, r: t.lookupConst('x86') } },
    };
    expect(exprToString(e)).toBe('(A || B) && !C="x86"');
    expect(exprToString(null)).toBe('y');
  });

  it('knows when a dependency requires a symbol (expr_depends_symbol)', () => {
    expect(exprDependsSymbol({ k: 'and', l: s(B), r: s(A) }, A)).toBe(true);
    expect(exprDependsSymbol({ k: 'or', l: s(B), r: s(A) }, A)).toBe(false);
    expect(exprDependsSymbol({ k: 'cmp', op: '!=', l: A, r: t.no }, A)).toBe(true);
    expect(exprDependsSymbol({ k: 'cmp', op: '=', l: A, r: t.mod }, A)).toBe(true);
    expect(exprDependsSymbol({ k: 'cmp', op: '=', l: A, r: t.no }, A)).toBe(false);
    expect(exprContainsSymbol({ k: 'not', e: s(A) }, A)).toBe(true);
    expect(exprContainsSymbol({ k: 'not', e: s(B) }, A)).toBe(false);
  });

  it('flattens chains and lists symbols once', () => {
    const e: Expr = { k: 'and', l: { k: 'and', l: s(A), r: s(B) }, r: { k: 'or', l: s(A), r: s(C) } };
    expect(exprFlatten(e, 'and').map(exprToString)).toEqual(['A', 'B', 'A || C']);
    expect(exprSymbols(e).map((x) => x.name)).toEqual(['A', 'B', 'C']);
  });

  it('looks symbols up like sym_lookup: y/m/n are the constants, quoted words are separate', () => {
    expect(t.lookup('y')).toBe(t.yes);
    expect(t.lookupConst('m')).toBe(t.mod);
    expect(t.lookup('A')).toBe(A);
    expect(t.lookupConst('A')).not.toBe(A);
    expect(t.lookupConst('A').isConst).toBe(true);
  });
});
