/** The build step's public API. */
export { buildKernel, nearestBuild, buildsRoot } from './build.js';
export { realMakeRunner, compilerErrors, compilerSetup, distccSlots, makeArgv, bareCompiler, onPath, srcArch } from './make.js';
export { sourceIdentity, kernelVersionOf, type SourceIdentity } from './source-id.js';
export {
  readConfigRequest,
  readConfigFile,
  configKey,
  configDrift,
  configDistance,
  mergeOnBase,
  normalizedText,
} from './config-request.js';
export type { BuildDeps, BuildRequest, BuildResult, DriftEntry, MakeOutcome, MakeRun, MakeRunner } from './types.js';
export { hostMakeArch, resolveMakeArch, srcArchOf, subarchOf, type MakeArch } from './arch.js';
