// ktrim's search (dist/minimize/search.js, searchRemovals) on the model, with
// the same pieces `ktrim minimize` uses: candidates from propose on the
// model's boots + the catalog (gatherCandidates, mode 'both'), each trial
// config predicted by the Kconfig engine, and an oracle that "builds" it
// (olddefconfig on the model; a config built before is a cache hit) and boots
// trial and accepted config until decideSaving (the sequential test) decides —
// the loop of src/minimize/run.ts's evaluate(), with simulated boots.
import { metricSpec } from '../../dist/boot/metric.js';
import { gateContext } from '../../dist/kconfig/gate.js';
import { olddefconfigFrom } from '../../dist/kconfig/incremental.js';
import { writeConfig } from '../../dist/kconfig/write.js';
import { DEFAULT_MAX_PLAN_CHANGES, gatherCandidates, keptSymbols } from '../../dist/minimize/candidates.js';
import { searchRemovals } from '../../dist/minimize/search.js';
import { defaultCatalogDir, readCatalog } from '../../dist/propose/catalog.js';
import { proposeRemovals } from '../../dist/propose/propose.js';
import { decideSaving } from '../../dist/stats/sequential.js';
import { METRIC_NOISE, rng } from './model.mjs';

const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;

/**
 * The candidates `ktrim minimize --candidates both` would try on the model's
 * start config: by default as minimize's defaults (the lab's needs kept,
 * propose's plans up to DEFAULT_MAX_PLAN_CHANGES); keepLabNeeds false and
 * maxPlanChanges 8 give the old behaviour.
 */
export function minimizeCandidates(model, { keepLabNeeds = true, maxPlanChanges = DEFAULT_MAX_PLAN_CHANGES, keep = [] } = {}) {
  const catalog = readCatalog(defaultCatalogDir());
  const proposed = proposeRemovals({
    boots: model.boots,
    attribution: model.attribution.items,
    kbuild: model.index.kbuild,
    gate: gateContext(model.tree, model.gate.config, model.startState, { maxChanges: maxPlanChanges }),
    catalog,
  });
  return gatherCandidates({
    mode: 'both',
    start: model.startState,
    propose: proposed,
    catalog,
    keep: keptSymbols(keep, keepLabNeeds),
  });
}

export async function ktrimSearch(model, { metric, minSavingMs = 2, maxRuns = 5, jobs = 1, seed = 1, candidates } = {}) {
  const spec = metricSpec(metric);
  const noise = METRIC_NOISE[metric];
  const r = rng(seed);
  const list = candidates ?? minimizeCandidates(model);
  const byId = new Map(list.candidates.map((c) => [c.id, c]));
  const configs = new Map(); // ids key -> { text, truth }
  const built = new Set(); // config texts built (the build cache)
  const samples = new Map(); // config text -> metric values
  const counts = { builds: 0, boots: 0, failedBoots: 0, evaluations: 0 };

  const configFor = (ids) => {
    const key = ids.join('\n');
    let c = configs.get(key);
    if (!c) {
      const state = olddefconfigFrom(
        model.startState,
        ids.flatMap((id) => byId.get(id).changes),
      );
      c = { text: writeConfig(state), truth: model.evaluate(state) };
      configs.set(key, c);
    }
    return c;
  };
  const build = (c) => {
    if (!built.has(c.text)) {
      built.add(c.text);
      counts.builds++;
    }
  };
  const boot = (c) => {
    counts.boots++;
    if (!c.truth.boots) {
      counts.failedBoots++;
      return undefined;
    }
    const v = c.truth.timeMs * (1 + noise.relSd * r.normal());
    const list = samples.get(c.text) ?? [];
    list.push(v);
    samples.set(c.text, list);
    return v;
  };

  // The baseline: built, and booted minRuns times (run.ts step 2), plus one initcall_debug boot for propose.
  const start = configFor([]);
  build(start);
  counts.boots++;
  while ((samples.get(start.text)?.length ?? 0) < (spec.deterministic ? 1 : 2)) boot(start);

  const oracle = async (accepted, trial) => {
    const base = configFor(accepted);
    const t = configFor([...accepted, ...trial]);
    if (t.text === base.text) return { kind: 'unchanged', why: 'the Kconfig engine predicts the same .config as the accepted one' };
    counts.evaluations++;
    build(t);
    const opts = { minEffectMs: minSavingMs * trial.length, maxRuns, deterministic: spec.deterministic };
    for (;;) {
      const B = samples.get(base.text) ?? [];
      const T = samples.get(t.text) ?? [];
      const d = decideSaving(B, T, opts);
      if (d.kind !== 'more') return { kind: d.kind, savingMs: d.savingMs, ci: d.ci, why: d.why };
      if (T.length <= B.length || B.length >= maxRuns) {
        if (T.length >= maxRuns)
          return { kind: 'not-faster', savingMs: mean(B) - mean(T), ci: null, why: `unclear after ${maxRuns} boots` };
        if (boot(t) === undefined) return { kind: 'broken', stage: 'boot', why: `panic: no ${t.truth.missing.join(', ')}` };
      } else {
        build(base);
        boot(base);
      }
    }
  };

  const res = await searchRemovals(
    list.candidates.map((c) => ({ id: c.id, expectedMs: c.expectedMs })),
    oracle,
    { minSavingMs, jobs },
  );
  const fin = configFor(res.accepted);
  build(fin);
  return { counts, result: res, candidates: list, final: fin.truth, start: start.truth };
}
