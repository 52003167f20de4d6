/**
 * The evaluation API under its historical name. The code follows the C
 * files now: value.ts (symbol.c/expr.c values), confdata.ts (reading a
 * .config), incremental.ts (olddefconfigFrom), libc.ts (strtoll & co).
 * New code should import from those.
 */
export { KconfigState, Values, stringValidFor, defaultsWithConditions, type EffType } from './value.js';
export { olddefconfig, type ReadInfo, type Snapshot } from './confdata.js';
export { applyConfigChanges, olddefconfigFrom, type ConfigChanges } from './incremental.js';
export { strtoX } from './libc.js';
