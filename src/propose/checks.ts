/**
 * Does the .config belong to the tree? One written for another tree makes
 * every gate after it doubtful: refuse it when it is clearly foreign, warn
 * when it is suspect. (Logs of another kernel version than the tree are
 * warned about by attribution: initcall/attribute.ts versionMismatch.) Pure.
 */
import type { DotConfig } from '../kconfig/dotconfig.js';
import type { KconfigState } from '../kconfig/value.js';

/** `6.1` of `6.1.192`, `6.1.0-28-amd64` or `Linux/x86 6.12.9 Kernel Configuration`. */
export function seriesOf(version: string | undefined): string | undefined {
  return version ? /(\d+\.\d+)/.exec(version)?.[1] : undefined;
}

/** The version in a .config's header comment (`# Linux/x86_64 6.1.0 Kernel Configuration`). */
export function configHeaderVersion(text: string): string | undefined {
  return /^# Linux\/\S+ (\S+) Kernel Configuration$/m.exec(text.slice(0, 2000))?.[1];
}

export interface ConfigCheck {
  /** Set when the config clearly belongs to another tree: refuse with this message. */
  error?: string;
  warnings: string[];
  unknown: number;
  total: number;
}

/** Shares of symbols the tree does not know beyond which a config is foreign (an error) or suspect (a warning). */
export const FOREIGN_SHARE = 0.1;
export const SUSPECT_SHARE = 0.02;

/** Check a .config against the tree it is evaluated with. */
export function checkConfigAgainstTree(state: KconfigState, config: DotConfig, configText: string, treeVersion: string): ConfigCheck {
  const total = config.values.size;
  const unknown = state.read.unknown.length;
  const share = total ? unknown / total : 0;
  const file = config.file ?? '.config';
  const header = configHeaderVersion(configText);
  const warnings: string[] = [];
  const examples = state.read.unknown.slice(0, 3).join(', ');
  const what = `${unknown} of its ${total} symbols are unknown to the tree${unknown ? ` (e.g. ${examples})` : ''}`;
  const otherSeries = header && seriesOf(header) !== seriesOf(treeVersion);
  if (total === 0) return { error: `${file}: sets no CONFIG_ symbol: not a kernel .config`, warnings, unknown, total };
  if ((share >= FOREIGN_SHARE && unknown >= 20) || (otherSeries && share >= SUSPECT_SHARE)) {
    const from = header ? `written for Linux ${header}` : 'not written for this tree';
    return {
      error: `${file}: ${from}, the tree is ${treeVersion}: ${what}; pass the .config the logged kernel was built from`,
      warnings,
      unknown,
      total,
    };
  }
  if (otherSeries) warnings.push(`${file}: written for Linux ${header}, the tree is ${treeVersion} (${what})`);
  else if (share >= SUSPECT_SHARE) warnings.push(`${file}: ${what}: is it the config of this tree?`);
  return { warnings, unknown, total };
}
