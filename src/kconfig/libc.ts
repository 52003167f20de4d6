/**
 * The C library behaviour scripts/kconfig/symbol.c and expr.c rely on
 * (glibc strtoll/strtoull, strcmp, <ctype.h>): values must parse, clamp
 * and compare exactly as the C tool's do, 64-bit overflow included.
 */

const LLONG_MAX = (1n << 63n) - 1n;
const LLONG_MIN = -(1n << 63n);
const ULLONG_MAX = (1n << 64n) - 1n;

/** isdigit() in the C locale. */
export const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
/** isxdigit() in the C locale. */
export const isXDigit = (c: string | undefined): boolean =>
  c !== undefined && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
/** isspace() in the C locale. */
export const isSpace = (c: string | undefined): boolean => c !== undefined && /^[ \t\n\v\f\r]$/.test(c);

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

/** A signed 64-bit value as the unsigned long long C converts it to. */
export const toU64 = (v: bigint): bigint => (v < 0n ? v + (1n << 64n) : v);

const NON_ASCII = /[\u0080-\uffff]/;
/** strcmp(): byte order of the UTF-8 encodings (JS compares UTF-16 units). */
export function strcmp(a: string, b: string): number {
  if (!NON_ASCII.test(a) && !NON_ASCII.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}
