/**
 * `ktrim report --group-by symbol|dir|file`: rank initcalls by what builds
 * them. Pure: the attribution and (for symbol) the evaluated config come in.
 */
import { dirname } from 'node:path/posix';
import { gatingSymbols, triValue, type GateContext } from '../kconfig/gate.js';
import { kbuildState, type KbuildMap } from '../kconfig/kbuild.js';
import { groupInitcalls, type GroupNameOf, type InitcallReport } from '../initcall/rank.js';
import { attributionByKey, type AttributedInitcall } from './propose.js';
import type { ParsedBoot } from '../initcall/types.js';

export const ATTRIBUTED_GROUP_BYS = ['symbol', 'dir', 'file'] as const;
export type AttributedGroupBy = (typeof ATTRIBUTED_GROUP_BYS)[number];

export const UNRESOLVED_GROUP = '(unresolved)';
export const UNCONDITIONAL_GROUP = '(obj-y: no symbol)';
export const NOT_BUILT_GROUP = '(not built by this config)';

/**
 * The group of each ranked initcall: its source file, the file's directory,
 * or the nearest CONFIG symbol gating the file with this config (`CONFIG_X`).
 */
export function attributedGroupName(
  by: AttributedGroupBy,
  attribution: Map<string, AttributedInitcall>,
  kbuild: KbuildMap,
  gate?: Pick<GateContext, 'tree' | 'state'>,
): GroupNameOf {
  const symbolOf = new Map<string, string>();
  return (r) => {
    const file = attribution.get(r.key)?.file;
    if (!file) return UNRESOLVED_GROUP;
    if (by === 'file') return file;
    if (by === 'dir') return dirname(file) + '/';
    if (!gate) throw new Error('attributedGroupName: grouping by symbol needs the config');
    let s = symbolOf.get(file);
    if (s === undefined) {
      const obj = kbuild.files.get(file);
      const g = obj ? gatingSymbols(gate, obj)[0] : undefined;
      const built = obj && kbuildState(obj, (x) => triValue(gate.state, gate.tree, x)).state !== 'n';
      s = !obj ? UNRESOLVED_GROUP : !built ? NOT_BUILT_GROUP : g ? `CONFIG_${g.name}` : UNCONDITIONAL_GROUP;
      symbolOf.set(file, s);
    }
    return s;
  };
}

/** The report regrouped by source file, directory or gating symbol. */
export function groupReportByAttribution(
  report: InitcallReport,
  boots: readonly ParsedBoot[],
  by: AttributedGroupBy,
  items: readonly AttributedInitcall[],
  kbuild: KbuildMap,
  gate?: Pick<GateContext, 'tree' | 'state'>,
): InitcallReport {
  const nameOf = attributedGroupName(by, attributionByKey(boots, items), kbuild, gate);
  const grandTotal = boots.reduce((t, b) => t + b.totalInitcallUs, 0);
  return { ...report, groupBy: by, groups: groupInitcalls(report.initcalls, nameOf, boots.length, grandTotal) };
}
