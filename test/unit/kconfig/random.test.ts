import { describe, expect, it } from '@jest/globals';
import { GlibcRandom } from '../../../src/kconfig/random.js';

// Printed by glibc 2.36 (Debian 12): `srand(seed); rand()...` in a 10-line C program
// (test/e2e/kconfig-modes.test.ts compiles it with gcc and compares 200 seeds live).
const GLIBC: [number, number[]][] = [
  [0, [1804289383, 846930886, 1681692777, 1714636915, 1957747793]],
  [1, [1804289383, 846930886, 1681692777, 1714636915, 1957747793]],
  [0x6b74, [630585849, 1867312660, 1550298316, 35287098, 524518181, 1984354153, 947508505, 14258450]],
  [0xffffffff, [254925627, 1205188300, 366127624, 1401405153, 76053476]],
  [0x80000000, [1336741213, 1210407648, 1447044896, 337392383, 82502902]],
  [2147483647, [1065668062, 2142264300, 1066566375, 1064012770, 2141034222]],
  [12345, [383100999, 858300821, 357768173]],
];

describe('GlibcRandom (glibc srand/rand, TYPE_3)', () => {
  it.each(GLIBC)("seed %d gives glibc's sequence", (seed, expected) => {
    const r = new GlibcRandom(seed);
    expect(expected.map(() => r.rand())).toEqual(expected);
  });

  it('srand() restarts the sequence; values stay in 0..RAND_MAX', () => {
    const r = new GlibcRandom(7);
    const a = Array.from({ length: 1000 }, () => r.rand());
    r.srand(7);
    expect(Array.from({ length: 1000 }, () => r.rand())).toEqual(a);
    expect(a.every((x) => Number.isInteger(x) && x >= 0 && x <= 0x7fffffff)).toBe(true);
  });
});
