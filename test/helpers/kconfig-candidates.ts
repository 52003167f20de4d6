// Helpers for tests that check olddefconfigFrom against a full olddefconfig.
import type { DotConfig } from '../../src/kconfig/dotconfig.js';
import { applyConfigChanges, type ConfigChanges } from '../../src/kconfig/incremental.js';
import { olddefconfig } from '../../src/kconfig/confdata.js';
import type { KconfigTree } from '../../src/kconfig/symbol.js';
import { writeConfig } from '../../src/kconfig/write.js';

/** The full evaluation of the same candidate: what olddefconfigFrom must reproduce. */
export function fullText(tree: KconfigTree, config: DotConfig | null, changes: ConfigChanges): string {
  return writeConfig(olddefconfig(tree, applyConfigChanges(config, changes)));
}

export function describeChanges(changes: [string, string | null][]): string {
  return changes.map(([n, v]) => `${n}=${v ?? '(dropped)'}`).join(' ');
}
