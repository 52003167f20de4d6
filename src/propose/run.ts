/**
 * `ktrim propose` and `ktrim report --source` read their inputs here: the
 * source tree (Kconfig, the cached source index), the .config, the boot logs
 * and the catalog. Everything after reading is pure (propose.ts, gate.ts).
 */
import { resolve } from 'node:path';
import { loadSourceIndex } from '../attribute/index-cache.js';
import { loadKernelKconfig } from '../build/kconfig-host.js';
import { hostMakeArch } from '../build/arch.js';
import { kernelVersionOf } from '../build/source-id.js';
import { InputError } from '../errors.js';
import { binaryReason, loadBootLog, readInputFile } from '../commands/report.js';
import { attributeInitcalls, type AttributionResult, type SourceIndex } from '../initcall/attribute.js';
import { parseSystemMap, type SystemMap } from '../initcall/symbols.js';
import type { ParsedBoot } from '../initcall/types.js';
import { parseDotConfig, type DotConfig } from '../kconfig/dotconfig.js';
import { olddefconfig } from '../kconfig/confdata.js';
import { gateContext, type GateContext } from '../kconfig/gate.js';
import type { KconfigTree } from '../kconfig/symbol.js';
import type { Logger } from '../ui/log.js';
import { defaultCatalogDir, readCatalog } from './catalog.js';
import { checkConfigAgainstTree } from './checks.js';
import { groupReportByAttribution, type AttributedGroupBy } from './group.js';
import { proposeRemovals, type ProposeResult } from './propose.js';
import type { InitcallReport } from '../initcall/rank.js';

export interface ProposeFiles {
  source: string;
  /** The .config the logged kernel was built from; without it, only attribution (no gates). */
  config?: string;
  logs: string[];
  /** Boots already parsed (report): the logs are then not read again. */
  boots?: readonly ParsedBoot[];
  systemMap?: string;
  catalogDir?: string;
  /** ARCH= (default: $ARCH, else what plain make uses on this host; src/build/arch.ts). */
  arch?: string;
  minMs?: number;
  /** Plans with more user-settable changes are reported as entangled (GateOptions.maxChanges; default 8). */
  maxChanges?: number;
  logger?: Logger;
  cacheDir?: string;
}

export interface LoadedInputs {
  srctree: string;
  boots: ParsedBoot[];
  index: SourceIndex;
  attribution: AttributionResult;
  tree?: KconfigTree;
  config?: DotConfig;
  gate?: GateContext;
  warnings: string[];
}

/** Read and check everything; attribute the initcalls; evaluate the config when given. */
export async function loadProposeInputs(f: ProposeFiles): Promise<LoadedInputs> {
  // The tree must look like a kernel tree before anything is parsed (the one check, as build and kconfig).
  const srctree = resolve(f.source);
  kernelVersionOf(srctree);
  if (!f.logs.length && !f.boots?.length) throw new InputError('no boot logs given');
  let symbols: SystemMap | undefined;
  if (f.systemMap) {
    const bytes = await readInputFile(f.systemMap, 'a System.map');
    const why = binaryReason(bytes);
    if (why) throw new InputError(why, f.systemMap);
    symbols = parseSystemMap(bytes.toString('utf8'), f.systemMap);
  }
  const boots: ParsedBoot[] = f.boots ? [...f.boots] : [];
  if (!f.boots) for (const l of f.logs) boots.push(await loadBootLog(l, symbols));
  const warnings: string[] = [];
  let tree: KconfigTree | undefined;
  let config: DotConfig | undefined;
  let gate: GateContext | undefined;
  // ARCH as plain make resolves it (--arch, $ARCH, else the host's), like every other verb.
  const arch = hostMakeArch(f.arch);
  if (f.config) {
    const text = (await readInputFile(f.config, 'a .config')).toString('utf8');
    config = parseDotConfig(text, f.config, { strict: false });
    const t0 = Date.now();
    tree = loadKernelKconfig({ srctree, arch: arch.ARCH, cacheDir: f.cacheDir });
    const state = olddefconfig(tree, config);
    f.logger?.debug(`Kconfig: ${tree.byName.size} symbols, config evaluated in ${Date.now() - t0} ms`);
    const check = checkConfigAgainstTree(state, config, text, tree.kernelVersion);
    if (check.error) throw new InputError(check.error);
    warnings.push(...check.warnings);
    gate = gateContext(tree, config, state, { maxChanges: f.maxChanges });
  }
  const loaded = await loadSourceIndex(srctree, {
    cacheDir: f.cacheDir,
    arch: arch.SRCARCH,
    logger: f.logger,
  });
  if (loaded.index.kbuild.files.size === 0)
    throw new InputError("no Kbuild object found in the tree's Makefiles: nothing to attribute to", f.source);
  f.logger?.debug(`source index ${loaded.cached ? 'from the cache' : 'built'} in ${Math.round(loaded.ms)} ms`);
  const attribution = attributeInitcalls(boots, loaded.index, { systemMap: symbols, config, treeVersion: loaded.kernelVersion });
  warnings.push(...attribution.warnings);
  return { srctree, boots, index: loaded.index, attribution, tree, config, gate, warnings };
}

/** `ktrim propose`: inputs in, ranked removals out. */
export async function runPropose(f: ProposeFiles): Promise<ProposeResult> {
  if (!f.config) throw new InputError('--config is required: the .config the logged kernel was built from');
  const inputs = await loadProposeInputs(f);
  const catalog = readCatalog(f.catalogDir ?? defaultCatalogDir());
  return proposeRemovals({
    boots: inputs.boots,
    attribution: inputs.attribution.items,
    kbuild: inputs.index.kbuild,
    gate: inputs.gate!,
    catalog,
    minMs: f.minMs,
    warnings: inputs.warnings,
  });
}

/** `ktrim report --group-by symbol|dir|file`: attribute the report's boots and regroup it. */
export async function groupReportFromSource(
  report: InitcallReport,
  boots: readonly ParsedBoot[],
  by: AttributedGroupBy,
  f: Omit<ProposeFiles, 'logs' | 'boots'>,
): Promise<{ report: InitcallReport; warnings: string[] }> {
  if (by === 'symbol' && !f.config) throw new InputError('--group-by symbol needs --config: the .config the logged kernel was built from');
  const inputs = await loadProposeInputs({ ...f, logs: [], boots });
  return {
    report: groupReportByAttribution(report, boots, by, inputs.attribution.items, inputs.index.kbuild, inputs.gate),
    warnings: inputs.warnings,
  };
}
