// figures.ts outsideIntervals merges the ascending runs of the intervals
// instead of sorting pairs with a comparator (a speed-up, issue 7 §3): it must
// give what the comparator sort and sweep gave, also on intervals that end
// before they start (garbled logs), equal starts, and many short runs.
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { outsideIntervals } from '../../../src/initcall/figures.js';

/** The former code: pairs sorted by (start, end), then one sweep. */
function reference(intervals: Array<[number, number]>): number {
  const iv = intervals.map(([s, e]) => [s, e] as [number, number]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let covered = 0;
  let [curS, curE] = iv[0];
  const spanStart = curS;
  let spanEnd = curE;
  for (let i = 1; i < iv.length; i++) {
    const [s, e] = iv[i];
    spanEnd = Math.max(spanEnd, e);
    if (s > curE) {
      covered += curE - curS;
      curS = s;
      curE = e;
    } else if (e > curE) curE = e;
  }
  covered += curE - curS;
  return spanEnd - spanStart - covered;
}

const columns = (iv: Array<[number, number]>) => [Float64Array.from(iv, (x) => x[0]), Float64Array.from(iv, (x) => x[1])] as const;

describe('outsideIntervals', () => {
  it('a hand-made case: two boots one after the other, with a gap and an overlap', () => {
    // boot 1: [0,10) [12,20); boot 2 (its clock restarts): [0,5) [15,30) → covered [0,10) [12,30) of [0,30)
    const iv: Array<[number, number]> = [
      [0, 10],
      [12, 20],
      [0, 5],
      [15, 30],
    ];
    const [s, e] = columns(iv);
    expect(outsideIntervals(s, e, iv.length)).toBe(2);
    expect(reference(iv)).toBe(2);
  });

  it('equals the comparator sort on generated intervals (runs, ties, negative lengths)', () => {
    const t = fc.integer({ min: 0, max: 60 });
    const ivArb = fc.array(
      fc.tuple(t, fc.integer({ min: -10, max: 30 })).map(([s, d]) => [s, s + d] as [number, number]),
      {
        minLength: 1,
        maxLength: 40,
      },
    );
    // Some runs already in order, as a log of several boots gives them.
    const runsArb = fc.array(
      ivArb.map((iv) => iv.sort((x, y) => x[0] - y[0] || x[1] - y[1])),
      { minLength: 1, maxLength: 5 },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          ivArb,
          runsArb.map((r) => r.flat()),
        ),
        (iv) => {
          const [s, e] = columns(iv);
          expect(outsideIntervals(s, e, iv.length)).toBe(reference(iv));
        },
      ),
      { numRuns: 3_000, seed: 5 },
    );
  });
});
