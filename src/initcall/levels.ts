/**
 * Initcall level ids as the kernel spells them in section and symbol names
 * (include/linux/init.h: `__define_initcall(fn, id)`), mapped to the level
 * names of init/main.c. Pure.
 */
import { INITCALL_LEVELS, type InitcallLevel } from './types.js';

/**
 * Level of an initcall id: `early`, `0`..`7` with an optional `s` (the
 * `*_initcall_sync` variants run at the end of the same level), `rootfs`.
 * `con` (console_initcall) is not a do_initcalls() level: undefined.
 */
export function levelFromId(id: string): InitcallLevel | undefined {
  switch (id) {
    case 'early':
      return 'early';
    case 'rootfs':
      return 'rootfs';
    case '0':
    case '0s':
      return 'pure';
    case '1':
    case '1s':
      return 'core';
    case '2':
    case '2s':
      return 'postcore';
    case '3':
    case '3s':
      return 'arch';
    case '4':
    case '4s':
      return 'subsys';
    case '5':
    case '5s':
      return 'fs';
    case '6':
    case '6s':
      return 'device';
    case '7':
    case '7s':
      return 'late';
    default:
      return undefined;
  }
}

/** A level name as printed by `entering initcall level: X` (init/main.c's names plus `early`). */
export function levelFromName(name: string): InitcallLevel | undefined {
  return (INITCALL_LEVELS as readonly string[]).includes(name) ? (name as InitcallLevel) : undefined;
}

/**
 * Split `<fn><id>` (the tail of an `__initcall_…` symbol) into the function
 * name and the level id. The id is one of `early`, `rootfs`, `con` or a digit
 * 0-7 with an optional `s`; a function name may itself end in digits, but
 * the id is always exactly the last digit (plus `s`), so the split is unique.
 */
export function splitFnAndId(tail: string): { fn: string; id: string } | undefined {
  for (const word of ['early', 'rootfs', 'con']) {
    if (tail.length > word.length && tail.endsWith(word)) {
      return { fn: tail.slice(0, -word.length), id: word };
    }
  }
  const n = tail.length;
  if (n >= 3 && tail[n - 1] === 's' && isLevelDigit(tail.charCodeAt(n - 2))) {
    return { fn: tail.slice(0, -2), id: tail.slice(-2) };
  }
  if (n >= 2 && isLevelDigit(tail.charCodeAt(n - 1))) {
    return { fn: tail.slice(0, -1), id: tail.slice(-1) };
  }
  return undefined;
}

function isLevelDigit(c: number): boolean {
  return c >= 48 && c <= 55; // '0'..'7'
}

const KMOD_RE = /^__init(?:call|stub)__kmod_(.+?)__(\d+)_(\d+)_(.+)$/;

/**
 * Parse an initcall entry symbol name:
 * - 5.16+ (and LTO stubs): `__initcall__kmod_<obj>__<counter>_<line>_<fn><id>`
 *   / `__initstub__kmod_…` (object = KBUILD_MODNAME, line = the registration's line);
 * - older kernels: `__initcall_<fn><id>`.
 * Returns undefined for anything else (`__initcall_start`, `__initcall6_start`…).
 */
export function parseInitcallSymbol(
  name: string,
): { fn: string; id: string; level?: InitcallLevel; object?: string; line?: number } | undefined {
  if (!name.startsWith('__init')) return undefined;
  const m = KMOD_RE.exec(name);
  if (m) {
    const split = splitFnAndId(m[4]);
    if (!split || split.fn === '') return undefined;
    return { ...split, level: levelFromId(split.id), object: m[1], line: Number(m[3]) };
  }
  if (name.startsWith('__initcall_') && !name.startsWith('__initcall__')) {
    const split = splitFnAndId(name.slice('__initcall_'.length));
    if (!split || split.fn === '') return undefined;
    return { ...split, level: levelFromId(split.id) };
  }
  return undefined;
}
