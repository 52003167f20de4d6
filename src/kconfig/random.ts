/**
 * glibc's srand()/rand() (stdlib/random_r.c, the default TYPE_3 additive
 * feedback generator: degree 31, separation 3), bit for bit. conf.c seeds
 * it with srand(KCONFIG_SEED) and draws with rand(): `make randconfig
 * KCONFIG_SEED=N` is reproducible only with the same generator.
 */

const DEG = 31;
const SEP = 3;

export class GlibcRandom {
  private readonly state = new Int32Array(DEG);
  private f = SEP;
  private r = 0;

  constructor(seed: number) {
    this.srand(seed);
  }

  /** __srandom_r: seed is an unsigned int; 0 becomes 1. */
  srand(seed: number): void {
    let s = seed >>> 0;
    if (s === 0) s = 1;
    const st = this.state;
    st[0] = s | 0;
    // int32_t word = seed; then state[i] = (16807 * state[i-1]) % 2147483647 without overflow, C division truncating.
    let word = s | 0;
    for (let i = 1; i < DEG; i++) {
      const hi = Math.trunc(word / 127773);
      const lo = word % 127773;
      word = 16807 * lo - 2836 * hi;
      if (word < 0) word += 2147483647;
      word |= 0;
      st[i] = word;
    }
    this.f = SEP;
    this.r = 0;
    for (let k = 0; k < DEG * 10; k++) this.rand();
  }

  /** rand(): 0 .. 2^31-1. */
  rand(): number {
    const st = this.state;
    const val = (st[this.f] + st[this.r]) | 0;
    st[this.f] = val;
    const result = (val >>> 0) >>> 1;
    if (++this.f >= DEG) {
      this.f = 0;
      ++this.r;
    } else if (++this.r >= DEG) this.r = 0;
    return result;
  }
}
