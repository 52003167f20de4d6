/**
 * `ktrim minimize`: start config in, a trimmed config that boots measurably
 * faster out, every kept change justified in ms (issue 10 §2).
 *
 *  1. Check the inputs (tree, config, --keep symbols, --test, --out) before
 *     anything slow; open the journal (<out>/journal.jsonl).
 *  2. Baseline: build the start config (fails → E: at once), one
 *     initcall_debug boot for attribution (dmesg after the marker), quiet
 *     boots with the metric; a --test failing here is an E: too.
 *  3. Candidates from propose and/or the catalog, through the Kconfig engine
 *     (candidates.ts); saved in the journal so a resumed run searches the same list.
 *  4. The search (search.ts) with an oracle that builds start + accepted +
 *     trial (the engine's predicted .config, make olddefconfig decides) and
 *     boots it against the accepted config with decideSaving (sequential.ts).
 *     Every build, boot and verdict is journaled; a resumed run answers a
 *     finished evaluation from the journal (by config hash) without building.
 *  5. Outputs: trimmed.config, trimmed.fragment, changes.diffconfig and the
 *     reports, after re-measuring before/after on the host clock.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import { defaultBootDeps, summarizeBoots, type BootFigures, type MetricName, type Summary } from '../boot/boot.js';
import { metricSpec, requestForMetric, type BootMetric } from '../boot/metric.js';
import { screenCandidates, type ScreenRequest, type ScreenResult } from '../boot/screen.js';
import { loadKernelKconfig } from '../build/kconfig-host.js';
import { hostMakeArch } from '../build/arch.js';
import { readConfigFile } from '../build/config-request.js';
import { evaluationSeconds, readRebuildIndex, rebuildObjects, type RebuildIndex } from '../build/rebuild-cost.js';
import { BootError, BuildError, InputError } from '../errors.js';
import { olddefconfig } from '../kconfig/confdata.js';
import { diffConfigs, formatDiffconfig, valueChanges } from '../kconfig/diffconfig.js';
import { parseDotConfig } from '../kconfig/dotconfig.js';
import { savedefconfig } from '../kconfig/write.js';
import { configHash, realLab, type BootOutcome, type Lab, type LabOptions } from '../lab/lab.js';
import { checkOutput, checkOutputDir, makeOutputDir, writeOutput, type OutputRules } from '../output.js';
import { defaultCatalogDir, readCatalog } from '../propose/catalog.js';
import type { ProposeResult } from '../propose/propose.js';
import { runPropose } from '../propose/run.js';
import { decideSaving } from '../stats/sequential.js';
import { summarizeOrNull } from '../stats/summary.js';
import type { Logger } from '../ui/log.js';
import { chooseAccel } from '../boot/qemu.js';
import { readKnobCatalog } from '../tune/catalog.js';
import { formatTuneMarkdown } from '../tune/report.js';
import { realTuneBooter, tuneKernel, type TuneResult } from '../tune/tune.js';
import {
  DEFAULT_MAX_PLAN_CHANGES,
  gatherCandidates,
  keptSymbols,
  predictConfig,
  sortCandidates,
  type CandidateSource,
  type DroppedCandidate,
  type MinimizeCandidate,
} from './candidates.js';
import { Journal, type JournalRecord } from './journal.js';
import { searchRemovals, type CandidateDecision, type Verdict } from './search.js';
import { renderMinimizeHtml, renderMinimizeMarkdown } from './report.js';

export const OUTPUT_FILES = [
  'trimmed.config',
  'trimmed.fragment',
  'changes.diffconfig',
  'report.md',
  'report.json',
  'report.html',
  'baseline-initcall-debug.dmesg.log',
  'tune.md',
] as const;

export interface MinimizeRequest {
  source: string;
  config: string;
  out: string;
  metric: BootMetric;
  /** Host-clock boots per side for the final before/after. */
  runs: number;
  /** Boots per side at most for one decision. */
  maxRuns: number;
  minSavingMs: number;
  testScript?: string;
  keep?: string[];
  /** Keep what the boot lab needs as if named by --keep (LAB_NEEDS; default true). */
  keepLabNeeds?: boolean;
  /** propose's plans up to this many changes are candidates (default DEFAULT_MAX_PLAN_CHANGES). */
  maxPlanChanges?: number;
  candidates: CandidateSource;
  catalogDir?: string;
  /** After the config search, tune qemu and command-line knobs on the trimmed kernel (issue 11). */
  tune?: boolean;
  /** Pre-screen propose's candidates by booting the start kernel with initcall_blacklist= (no build). */
  screen?: boolean;
  budgetBuilds?: number;
  /**
   * Seconds the search may start evaluations for, counted from its start: the
   * start config's build and the baseline boots come first and always run (a
   * cold demo build alone took 55 min under load and left the search no time).
   */
  budgetTimeS?: number;
  /** Evaluations in parallel. */
  jobs?: number;
  resume?: boolean;
  timeoutS: number;
  arch?: string;
  cc?: string;
  makeJobs?: number;
  makeVars?: string[];
  append?: string;
}

export interface MinimizeDeps {
  logger: Logger;
  cacheDir?: string;
  /** A lab per metric (tests: a fake); default realLab. */
  lab?: (metric: BootMetric) => Lab;
  /** Default: runPropose on the baseline's initcall_debug dmesg. */
  propose?: (files: { config: string; log: string; systemMap: string }) => Promise<ProposeResult>;
  /** Default: tuneKernel (src/tune) with real qemu. */
  tune?: (kernel: string, configText: string, journal: Journal) => Promise<TuneResult>;
  /** Default: screenCandidates (src/boot/screen.ts) with real qemu. */
  screen?: (req: ScreenRequest) => Promise<ScreenResult>;
  /** What a build's objects depend on, from its O= directory (default readRebuildIndex; tests: a fake or none). */
  rebuildIndex?: (objDir: string) => Promise<RebuildIndex | undefined>;
}

export interface MeasuredSide {
  configHash: string;
  metric: { name: BootMetric; values: number[]; summary: Summary | null };
  host: Partial<Record<MetricName, Summary>>;
  hostBoots: number;
  /** Kept *.console.ts.log files of the host-clock boots (timelines). */
  logs: string[];
}

export interface MinimizeResult {
  version: 1;
  source: string;
  config: string;
  out: string;
  metric: BootMetric;
  minSavingMs: number;
  resumed: boolean;
  stopped?: string;
  candidates: (MinimizeCandidate | DroppedCandidate)[];
  decisions: (CandidateDecision & { from: string; describe?: string; changes?: [string, string][] })[];
  kept: string[];
  before: MeasuredSide;
  after: MeasuredSide;
  /** Symbols that differ, start → trimmed (make's .config files). */
  diffconfig: string;
  spent: { builds: number; buildSeconds: number; boots: number; wallSeconds: number; evaluations: number; fromJournal: number };
  disagreements: { configHash: string; symbols: string[] }[];
  files: Record<string, string>;
  /** --tune: the knobs tried on the trimmed kernel. */
  tune?: TuneResult;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** Figures of a boot worth journaling (no console). */
function figures(b: BootFigures): Record<string, unknown> {
  return { ending: b.ending, accel: b.accel, host: b.host, guest: b.guest, memory: b.memory };
}

export async function runMinimize(req: MinimizeRequest, deps: MinimizeDeps): Promise<MinimizeResult> {
  const t0 = performance.now();
  const log = deps.logger;
  const spec = metricSpec(req.metric);

  // 1. Inputs, before anything slow.
  const srctree = resolve(req.source);
  if (!existsSync(srctree) || !statSync(srctree).isDirectory()) throw new InputError('no such directory', req.source);
  if (!existsSync(join(srctree, 'Kconfig'))) throw new InputError('not a kernel source tree: no Kconfig at its top', req.source);
  readConfigFile(req.config, '--config');
  const startInput = await readFile(req.config, 'utf8');
  if (req.testScript && !existsSync(req.testScript)) throw new InputError('test script not found', req.testScript);
  for (const [flag, v] of [
    ['--runs', req.runs],
    ['--max-runs', req.maxRuns],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`${flag} ${v}: expected a positive integer`);
  }
  if (!Number.isFinite(req.minSavingMs) || req.minSavingMs < 0)
    throw new InputError(`--min-saving-ms ${req.minSavingMs}: expected a number ≥ 0`);
  const rules: OutputRules = { inputs: [req.config, req.testScript], trees: [req.source], flag: '--out' };
  const out = await checkOutputDir(req.out, rules);
  const files: Record<string, string> = {};
  if (existsSync(out)) for (const name of OUTPUT_FILES) await checkOutput(join(out, name), rules);
  // Made before anything slow (an --out that cannot be made is bad input); bad input found below leaves none of it behind.
  const made = await makeOutputDir(out);
  const unmake = async () => {
    for (const d of [...made].reverse()) await rmdir(d).catch(() => undefined);
  };

  log.info(`reading the Kconfig tree of ${srctree}`);
  let tree: ReturnType<typeof loadKernelKconfig>;
  const userKeep = keptSymbols(req.keep ?? [], false);
  const keep = keptSymbols(userKeep, req.keepLabNeeds ?? true);
  try {
    tree = loadKernelKconfig({ srctree, arch: req.arch, makeVars: req.makeVars, cacheDir: deps.cacheDir });
    for (const k of userKeep) {
      const sym = tree.byName.get(k);
      if (!sym || sym.type === 'unknown') throw new InputError(`--keep ${k}: no such symbol in the Kconfig of ${req.source}`);
    }
  } catch (err) {
    await unmake();
    throw err;
  }
  const startState = olddefconfig(tree, parseDotConfig(startInput, req.config, { strict: false }));

  const testText = req.testScript ? readFileSync(req.testScript, 'utf8') : '';
  const runKey = sha(
    JSON.stringify({
      v: 1,
      source: srctree,
      config: sha(startInput),
      metric: req.metric,
      minSavingMs: req.minSavingMs,
      maxRuns: req.maxRuns,
      candidates: req.candidates,
      catalog: req.catalogDir ? resolve(req.catalogDir) : null,
      keep: [...keep].sort(),
      maxPlanChanges: req.maxPlanChanges ?? DEFAULT_MAX_PLAN_CHANGES,
      test: sha(testText),
      arch: req.arch ?? null,
      makeVars: req.makeVars ?? [],
      append: req.append ?? null,
    }),
  );
  const journal = await Journal.open(out, {
    runKey,
    resume: Boolean(req.resume),
    header: {
      source: srctree,
      config: resolve(req.config),
      metric: req.metric,
      minSavingMs: req.minSavingMs,
      candidates: req.candidates,
      keep,
    },
  });
  if (journal.resumed)
    log.info(`resuming ${journal.path}: ${journal.records().filter((r) => r.type === 'evaluation').length} evaluation(s) done`);

  const labOpts: LabOptions = {
    source: srctree,
    arch: req.arch,
    cc: req.cc,
    jobs: req.makeJobs,
    makeVars: req.makeVars,
    metric: req.metric,
    testScript: req.testScript,
    timeoutS: req.timeoutS,
    append: req.append,
    logDir: join(out, 'boots'),
  };
  const makeLab = deps.lab ?? ((m: BootMetric) => realLab({ ...labOpts, metric: m }, { logger: log, cacheDir: deps.cacheDir }));
  const lab = makeLab(req.metric);
  const hostLab = req.metric === 'host' ? lab : makeLab('host');

  // State rebuilt from the journal: each config's metric samples, finished builds.
  const samples = new Map<string, number[]>();
  const builds = new Map<string, JournalRecord>();
  for (const r of journal.records()) {
    if (r.type === 'boot' && r.ok && r.role !== 'final' && typeof r.valueMs === 'number') {
      const list = samples.get(r.configHash as string) ?? [];
      list.push(r.valueMs);
      samples.set(r.configHash as string, list);
    }
    if (r.type === 'build') builds.set(r.configHash as string, r);
  }
  const spent = { builds: 0, buildSeconds: 0, boots: 0, evaluations: 0, fromJournal: 0 };
  const disagreements: MinimizeResult['disagreements'] = [];
  const kernels = new Map<string, { kernel: string; configText: string }>();
  const bootLimit = pLimit(1); // boots one at a time: parallel qemu would distort each other's timing
  const buildsBefore = [...builds.values()].filter((b) => !b.cacheHit).length;

  /** Build a predicted config; journal it; note where make disagrees with the engine. */
  const build = async (
    text: string,
    why: string,
  ): Promise<{ ok: true; kernel: string; configText: string } | { ok: false; detail: string }> => {
    const hash = configHash(text);
    const known = kernels.get(hash);
    if (known) return { ok: true, ...known };
    const prior = builds.get(hash);
    if (prior && !prior.ok) return { ok: false, detail: String(prior.detail) };
    log.info(`build ${hash} (${why})`);
    const res = await lab.build(text);
    if (!res.ok) {
      spent.builds++;
      spent.buildSeconds += res.seconds;
      const rec = { type: 'build', configHash: hash, ok: false, seconds: res.seconds, detail: res.detail, why };
      await journal.append(rec);
      builds.set(hash, { v: 1, at: '', ...rec });
      return { ok: false, detail: res.detail };
    }
    if (!res.build.cacheHit) {
      spent.builds++;
      spent.buildSeconds += res.build.buildSeconds;
    }
    let differ: string[] = [];
    if (res.configText !== text) {
      differ = valueChanges(
        parseDotConfig(text, 'predicted', { strict: false }),
        parseDotConfig(res.configText, 'make', { strict: false }),
      ).map((e) => `${e.name} ${e.before ?? 'n'} -> ${e.after ?? 'n'}`);
      if (differ.length) {
        disagreements.push({ configHash: hash, symbols: differ });
        log.warn(
          `the Kconfig engine and make olddefconfig disagree on ${differ.length} symbol(s) of ${hash} (make wins): ${differ.slice(0, 5).join(', ')}`,
        );
      }
    }
    const rec = {
      type: 'build',
      configHash: hash,
      ok: true,
      cacheHit: res.build.cacheHit,
      seconds: res.build.buildSeconds,
      reusedFrom: res.build.reusedFrom,
      kernel: res.build.bzImage,
      buildDir: res.build.buildDir,
      imageBytes: res.build.imageBytes,
      disagreement: differ,
      why,
    };
    if (!builds.has(hash)) {
      await journal.append(rec);
      builds.set(hash, { v: 1, at: '', ...rec });
    }
    const k = { kernel: res.build.bzImage, configText: res.configText };
    kernels.set(hash, k);
    return { ok: true, ...k };
  };

  /** One metric boot of a built config, journaled. */
  const bootOnce = (hash: string, kernel: string, role: string): Promise<BootOutcome> =>
    bootLimit(async () => {
      const o = await lab.boot(kernel);
      spent.boots++;
      await journal.append({
        type: 'boot',
        configHash: hash,
        role,
        ok: o.ok,
        valueMs: o.ok ? o.valueMs : undefined,
        ...(o.ok ? figures(o.boot) : { kind: o.kind, ending: o.ending, detail: o.detail }),
        logs: o.ok ? o.boot.logs : o.boot?.logs,
      });
      if (o.ok) {
        const list = samples.get(hash) ?? [];
        list.push(o.valueMs);
        samples.set(hash, list);
      }
      return o;
    });

  // 2. Baseline.
  const startText = predictConfig(startState, []);
  const startHash = configHash(startText);
  const base = await build(startText, 'the start config');
  if (!base.ok) throw new BuildError(`the start config does not build: ${base.detail}`);
  const minRuns = spec.deterministic ? 1 : 2;
  let bootSeconds = 0; // host seconds of one metric boot, for the budget's estimates
  while ((samples.get(startHash)?.length ?? 0) < minRuns) {
    const tb = performance.now();
    const o = await bootOnce(startHash, base.kernel, 'baseline');
    if (!o.ok) failBaseline(o, req);
    bootSeconds = Math.max(bootSeconds, (performance.now() - tb) / 1000);
  }
  // What each change would recompile, from the start build's own dependency files.
  const startBuild = builds.get(startHash)!;
  const readIndex =
    deps.rebuildIndex ?? ((objDir: string) => readRebuildIndex(objDir, srctree, hostMakeArch(req.arch, req.makeVars).SRCARCH));
  const rebuildIdx = startBuild.buildDir
    ? await readIndex(join(String(startBuild.buildDir), 'obj')).catch((err: unknown) => {
        log.warn(
          `cannot read the start build's dependency files (${err instanceof Error ? err.message : String(err)}): build costs unknown`,
        );
        return undefined;
      })
    : undefined;
  const startMs = samples.get(startHash)!;
  log.info(`baseline: ${req.metric} ${fmt(mean(startMs))} ms (${startMs.length} boot(s))`);

  // 3. Candidates (journaled: a resumed run searches the very same list).
  let candList = journal.records().find((r) => r.type === 'candidates') as
    (JournalRecord & { candidates: MinimizeCandidate[]; dropped: DroppedCandidate[] }) | undefined;
  if (!candList) {
    let proposed: ProposeResult | undefined;
    if (req.candidates !== 'catalog') {
      const dmesgPath = join(out, 'baseline-initcall-debug.dmesg.log');
      const o = await bootLimit(() => lab.boot(base.kernel, { initcallDebug: true }));
      spent.boots++;
      if (!o.ok) failBaseline(o, req);
      const okBoot = o as Extract<BootOutcome, { ok: true }>;
      if (!okBoot.boot.dmesg) throw new BootError('the initcall_debug boot of the start config gave no dmesg dump');
      await writeOutput(await checkOutput(dmesgPath, rules), okBoot.boot.dmesg);
      files.dmesg = dmesgPath;
      const built = builds.get(startHash)!;
      const buildDir = String(built.buildDir ?? '');
      const propose =
        deps.propose ??
        ((f: { config: string; log: string; systemMap: string }) =>
          runPropose({
            source: srctree,
            config: f.config,
            logs: [f.log],
            systemMap: f.systemMap,
            arch: req.arch ?? 'x86_64',
            logger: log,
            cacheDir: deps.cacheDir,
            maxChanges: req.maxPlanChanges ?? DEFAULT_MAX_PLAN_CHANGES,
          }));
      proposed = await propose({
        config: join(buildDir, 'obj', '.config'),
        log: dmesgPath,
        systemMap: join(buildDir, 'obj', 'System.map'),
      });
      for (const w of proposed.warnings) log.warn(`propose: ${w}`);
    }
    const catalog = req.candidates !== 'propose' ? readCatalog(req.catalogDir ?? defaultCatalogDir()) : undefined;
    const list = gatherCandidates({ mode: req.candidates, start: startState, propose: proposed, catalog, keep });
    if (rebuildIdx)
      for (const c of list.candidates)
        c.rebuild = { objects: rebuildObjects(rebuildIdx, c.predictedSymbols ?? c.changes.map(([n]) => n)), of: rebuildIdx.objects };
    if (req.screen) await screenList(list.candidates, list.dropped, base.kernel);
    await journal.append({ type: 'candidates', candidates: list.candidates, dropped: list.dropped });
    candList = { v: 1, at: '', type: 'candidates', ...list };
  }
  async function screenList(cands: MinimizeCandidate[], dropped: DroppedCandidate[], kernel: string): Promise<void> {
    const todo = cands.filter((c) => c.initcalls?.length);
    if (!todo.length) {
      log.info('--screen: no candidate with initcalls to skip');
      return;
    }
    log.info(`--screen: booting the start kernel with initcall_blacklist= for ${todo.length} candidate(s), no build`);
    const screen = deps.screen ?? ((r: ScreenRequest) => screenCandidates(r, { ...defaultBootDeps(log), cacheDir: deps.cacheDir }));
    const res = await bootLimit(() =>
      screen({
        boot: requestForMetric(
          { kernel, testScript: req.testScript, timeoutS: req.timeoutS, append: req.append, logDir: join(out, 'boots'), logName: 'screen' },
          req.metric,
        ),
        candidates: todo.map((c) => ({ id: c.id, initcalls: c.initcalls!, predictedMs: c.expectedMs })),
        runs: spec.deterministic ? 1 : 2,
      }),
    );
    spent.boots += 1 + res.candidates.reduce((a, c) => a + c.boots, 0);
    for (const s of res.candidates) {
      const i = cands.findIndex((c) => c.id === s.id);
      if (i < 0) continue;
      if (s.breaksBoot) {
        const [c] = cands.splice(i, 1);
        dropped.push({
          id: c.id,
          from: c.from,
          decision: 'rejected',
          why: `--screen: the start kernel without its initcalls (${c.initcalls!.join(', ')}) does not boot (${s.ending}): not built`,
          expectedMs: c.expectedMs,
        });
      } else if (s.screenedMs !== null && s.skipped) {
        // The screened figure is a direct measurement of this kernel: it replaces propose's estimate.
        cands[i].describe += `; propose ${fmt(cands[i].expectedMs ?? NaN)} ms, screened ${fmt(s.screenedMs)} ms`;
        cands[i].screenedMs = s.screenedMs;
        cands[i].expectedMs = s.screenedMs;
      }
    }
    sortCandidates(cands); // in place
  }

  const candidates = candList.candidates;
  const byId = new Map(candidates.map((c) => [c.id, c]));
  log.info(
    `${candidates.length} candidate(s) to try` +
      (candList.dropped.length ? `, ${candList.dropped.length} skipped before building (see the report)` : '') +
      (candidates.length
        ? `: ${candidates.map((c) => c.id + (c.expectedMs !== undefined ? ` (~${fmt(c.expectedMs)} ms)` : '')).join('; ')}`
        : ''),
  );

  // 4. The search.
  const predicted = new Map<string, string>();
  const configFor = (ids: readonly string[]): string => {
    const key = ids.join('\n');
    let text = predicted.get(key);
    if (text === undefined) {
      text = predictConfig(
        startState,
        ids.flatMap((id) => byId.get(id)!.changes),
      );
      predicted.set(key, text);
    }
    return text;
  };
  const searchT0 = performance.now();
  /** Objects recompiled going from the accepted config to accepted + trial, as the engine predicts them (fits asks every round). */
  const rebuildCounts = new Map<string, number>();
  const rebuildOf = (accepted: readonly string[], trial: readonly string[]): number | undefined => {
    if (!rebuildIdx) return undefined;
    const key = `${accepted.join('\n')}\0${trial.join('\n')}`;
    let n = rebuildCounts.get(key);
    if (n === undefined) {
      const before = parseDotConfig(configFor(accepted), 'accepted', { strict: false });
      const after = parseDotConfig(configFor([...accepted, ...trial]), 'trial', { strict: false });
      n = rebuildObjects(
        rebuildIdx,
        valueChanges(before, after).map((e) => e.name),
      );
      rebuildCounts.set(key, n);
    }
    return n;
  };
  // Evaluations measured in this run, for the time budget's estimates (src/build/rebuild-cost.ts).
  const observed: { objects: number; seconds: number }[] = [];
  const wholeBuild =
    !startBuild.cacheHit && !startBuild.reusedFrom && rebuildIdx && typeof startBuild.seconds === 'number'
      ? { objects: rebuildIdx.objects, seconds: startBuild.seconds }
      : undefined;
  const fits = (trial: readonly string[], accepted: readonly string[]): string | undefined => {
    if (req.budgetTimeS === undefined) return undefined;
    const objects = rebuildOf(accepted, trial);
    if (objects === undefined) return undefined;
    const need = evaluationSeconds(objects, { observed, wholeBuild, bootSeconds });
    const left = req.budgetTimeS - (performance.now() - searchT0) / 1000;
    if (need <= left) return undefined;
    return `needs ≈ ${minutes(need)} (${objects} of ${rebuildIdx!.objects} objects to recompile), ${minutes(Math.max(0, left))} of --budget-time left`;
  };
  const budgetStop = (): string | undefined => {
    if (req.budgetBuilds !== undefined && buildsBefore + spent.builds >= req.budgetBuilds)
      return `build budget spent (--budget-builds ${req.budgetBuilds})`;
    if (req.budgetTimeS !== undefined && (performance.now() - searchT0) / 1000 >= req.budgetTimeS)
      return `time budget spent (--budget-time ${req.budgetTimeS} s)`;
    return undefined;
  };
  let best = mean(startMs);
  const evalSeconds: number[] = [];

  const oracle = async (accepted: readonly string[], trial: readonly string[]): Promise<Verdict> => {
    const baseText = configFor(accepted);
    const text = configFor([...accepted, ...trial]);
    const hash = configHash(text);
    const baseHash = configHash(baseText);
    const label = trial.join(' + ');
    if (text === baseText) return { kind: 'unchanged', why: 'the Kconfig engine predicts the same .config as the accepted one' };
    const done = journal.evaluation(hash);
    if (done && done.baseHash === baseHash) {
      spent.fromJournal++;
      log.info(`evaluation of ${label} from the journal: ${(done.verdict as Verdict).kind}`);
      return done.verdict as Verdict;
    }
    const te = performance.now();
    const objects = rebuildOf(accepted, trial);
    const cost = objects === undefined ? '' : `, ${objects} of ${rebuildIdx!.objects} objects to recompile`;
    const step = log.step(`evaluating ${label} on top of ${accepted.length} kept${cost}` + progress());
    const freshBefore = spent.builds;
    const verdict = await evaluate(trial, text, hash, baseText, baseHash);
    evalSeconds.push((performance.now() - te) / 1000);
    // One evaluation at a time (--jobs 1) and a fresh build: its wall time is its own.
    if (objects !== undefined && (req.jobs ?? 1) <= 1 && spent.builds > freshBefore)
      observed.push({ objects, seconds: evalSeconds.at(-1)! });
    spent.evaluations++;
    await journal.append({ type: 'evaluation', configHash: hash, baseHash, accepted: [...accepted], trial: [...trial], verdict });
    const v = verdict;
    const line = `${label}: ${v.kind}${'savingMs' in v ? ` (${fmt(v.savingMs)} ms)` : ''} — ${v.why}`;
    step.succeed(line); // a candidate that breaks the boot is an answer, not an error: no E: line
    return verdict;
  };

  let decidedCount = 0;
  const progress = (): string => {
    const per = evalSeconds.length ? mean(evalSeconds) : undefined;
    // At most one evaluation per undecided candidate is left when groups stop splitting: a rough ceiling.
    const left = candidates.length - decidedCount;
    const eta = per !== undefined ? `, ETA ≤ ${Math.ceil((per * left) / 60)} min (${left} undecided)` : '';
    return ` [builds ${buildsBefore + spent.builds}, best ${fmt(best)} ms${eta}]`;
  };

  const evaluate = async (trial: readonly string[], text: string, hash: string, baseText: string, baseHash: string): Promise<Verdict> => {
    const b = await build(text, trial.join(' + '));
    // make's summary line, then its first error line (the BuildError message lists them below).
    if (!b.ok)
      return {
        kind: 'broken',
        stage: 'build',
        why: b.detail
          .split('\n')
          .slice(0, 2)
          .map((l) => l.trim())
          .join(' '),
      };
    if (b.configText === kernels.get(baseHash)?.configText || configHash(b.configText) === configHash(baseText)) {
      return { kind: 'unchanged', why: 'make olddefconfig gives the same .config as the accepted one' };
    }
    const opts = { minEffectMs: req.minSavingMs * trial.length, maxRuns: req.maxRuns, deterministic: spec.deterministic };
    for (;;) {
      const B = samples.get(baseHash) ?? [];
      const T = samples.get(hash) ?? [];
      const d = decideSaving(B, T, opts);
      if (d.kind !== 'more') {
        if (d.kind === 'faster') best = Math.min(best, mean(T));
        return { kind: d.kind, savingMs: d.savingMs, ci: d.ci, why: `${d.why} (${d.runs.baseline}+${d.runs.trial} boots)` };
      }
      if (T.length <= B.length || B.length >= req.maxRuns) {
        if (T.length >= req.maxRuns)
          return { kind: 'not-faster', savingMs: mean(B) - mean(T), ci: null, why: `unclear after ${req.maxRuns} boots` };
        const o = await bootOnce(hash, b.kernel, 'trial');
        if (!o.ok) return { kind: 'broken', stage: o.kind === 'test-failed' ? 'test' : 'boot', why: `${o.ending}: ${firstLine(o.detail)}` };
      } else {
        const bk = await build(baseText, 'the accepted config, for more baseline boots');
        if (!bk.ok) throw new BuildError(`the accepted config no longer builds: ${bk.detail}`);
        const o = await bootOnce(baseHash, bk.kernel, 'baseline');
        if (!o.ok)
          throw new BootError(
            `the accepted config failed to boot on a repeat boot (${o.ending}): ${firstLine(o.detail)}; rerun with --resume`,
          );
      }
    }
  };

  const search = await searchRemovals(
    candidates.map((c) => ({ id: c.id, expectedMs: c.expectedMs, rebuild: c.rebuild && c.rebuild.objects / Math.max(1, c.rebuild.of) })),
    oracle,
    {
      minSavingMs: req.minSavingMs,
      jobs: req.jobs,
      shouldStop: budgetStop,
      fits,
      onEvent: (e) => {
        if (e.type === 'split') log.info(`split ${e.group.length} removals (${e.why}) into ${e.halves[0].length} + ${e.halves[1].length}`);
        if (e.type === 'accept') {
          decidedCount += e.ids.length;
          log.info(`kept ${e.ids.join(', ')}: ${fmt(e.savingMs)} ms`);
        }
        if (e.type === 'reject') decidedCount++;
      },
    },
  );
  if (search.stopped) log.warn(`${search.stopped}: stopping; the outputs hold what was decided`);

  // 5. Outputs: the accepted config as make wrote it; before/after on the host clock.
  const finalText = configFor(search.accepted);
  const finalHash = configHash(finalText);
  const fin = await build(finalText, 'the trimmed config');
  if (!fin.ok) throw new BuildError(`the trimmed config does not build: ${fin.detail}`);
  const startMake = kernels.get(startHash)!.configText;
  const trimmedState = olddefconfig(tree, parseDotConfig(fin.configText, 'trimmed.config', { strict: false }));
  const diffconfig = formatDiffconfig(
    diffConfigs(parseDotConfig(startMake, 'start', { strict: false }), parseDotConfig(fin.configText, 'trimmed', { strict: false })),
  );

  const finalBoots = { before: [] as BootFigures[], after: [] as BootFigures[], beforeLogs: [] as string[], afterLogs: [] as string[] };
  for (const r of journal.records()) {
    if (r.type !== 'boot' || r.role !== 'final' || !r.ok) continue;
    const side = r.configHash === startHash ? 'before' : r.configHash === finalHash ? 'after' : undefined;
    if (!side) continue;
    finalBoots[side].push(r as unknown as BootFigures);
    const ts = (r.logs as { timestamped?: string } | undefined)?.timestamped;
    if (ts) finalBoots[side === 'before' ? 'beforeLogs' : 'afterLogs'].push(ts);
  }
  // Alternate before/after so a drifting machine load hits both sides alike.
  const sides = startHash === finalHash ? (['before'] as const) : (['before', 'after'] as const);
  for (let i = 0; i < req.runs; i++) {
    for (const side of sides) {
      if (finalBoots[side].length > i) continue;
      const kernel = side === 'before' ? base.kernel : fin.kernel;
      const hash = side === 'before' ? startHash : finalHash;
      const o = await bootLimit(() => hostLab.boot(kernel));
      spent.boots++;
      if (!o.ok)
        throw new BootError(
          `the ${side === 'before' ? 'start' : 'trimmed'} kernel failed its final host-clock boot (${o.ending}): ${firstLine(o.detail)}`,
        );
      await journal.append({
        type: 'boot',
        configHash: hash,
        role: 'final',
        ok: true,
        valueMs: o.valueMs,
        ...figures(o.boot),
        logs: o.boot.logs,
      });
      finalBoots[side].push(o.boot);
      if (o.boot.logs?.timestamped) finalBoots[side === 'before' ? 'beforeLogs' : 'afterLogs'].push(o.boot.logs.timestamped);
    }
  }
  if (startHash === finalHash) {
    finalBoots.after = finalBoots.before;
    finalBoots.afterLogs = finalBoots.beforeLogs;
  }
  const side = (hash: string, boots: BootFigures[], logs: string[]): MeasuredSide => ({
    configHash: hash,
    metric: { name: req.metric, values: samples.get(hash) ?? [], summary: summarizeOrNull(samples.get(hash) ?? []) },
    host: summarizeBoots(boots),
    hostBoots: boots.length,
    logs,
  });

  let tuned: TuneResult | undefined;
  if (req.tune) {
    log.info('--tune: trying qemu and command-line knobs on the trimmed kernel');
    const tune =
      deps.tune ??
      ((kernel: string, configText: string, j: Journal) => {
        const bootDeps = { ...defaultBootDeps(log), cacheDir: deps.cacheDir };
        const accel = chooseAccel({}, bootDeps.qemu);
        return tuneKernel(
          {
            kernel,
            knobs: readKnobCatalog().knobs,
            config: parseDotConfig(configText, join(out, 'trimmed.config'), { strict: false }),
            metric: req.metric,
            minSavingMs: req.minSavingMs,
            maxRuns: req.maxRuns,
            append: req.append,
            timeoutS: req.timeoutS,
          },
          {
            boot: realTuneBooter(bootDeps, { request: { accel, testScript: req.testScript }, logDir: join(out, 'tune-boots') }),
            accel,
            journal: j,
            logger: log,
          },
        );
      });
    tuned = await tune(fin.kernel, fin.configText, journal);
  }

  const decisions: MinimizeResult['decisions'] = [
    ...search.decisions.map((d) => ({
      ...d,
      from: byId.get(d.id)!.from,
      describe: byId.get(d.id)!.describe,
      changes: byId.get(d.id)!.changes,
    })),
    ...candList.dropped.map((d) => ({ id: d.id, decision: d.decision, why: d.why, expectedMs: d.expectedMs, from: d.from })),
  ];
  const result: MinimizeResult = {
    version: 1,
    source: srctree,
    config: resolve(req.config),
    out,
    metric: req.metric,
    minSavingMs: req.minSavingMs,
    resumed: journal.resumed,
    stopped: search.stopped,
    candidates: [...candidates, ...candList.dropped],
    decisions,
    kept: search.accepted,
    before: side(startHash, finalBoots.before, finalBoots.beforeLogs),
    after: side(finalHash, finalBoots.after, finalBoots.afterLogs),
    diffconfig,
    spent: { ...spent, builds: buildsBefore + spent.builds, wallSeconds: (performance.now() - t0) / 1000 },
    disagreements,
    files,
    tune: tuned,
  };
  const write = async (name: string, data: string) => {
    const p = join(out, name);
    await writeOutput(await checkOutput(p, rules), data, p);
    files[name] = p;
    return p;
  };
  await write('trimmed.config', fin.configText);
  await write('trimmed.fragment', savedefconfig(trimmedState));
  await write('changes.diffconfig', diffconfig);
  await write('report.md', renderMinimizeMarkdown(result));
  await write('report.html', await renderMinimizeHtml(result));
  if (tuned) await write('tune.md', formatTuneMarkdown(tuned));
  await write('report.json', JSON.stringify(result, null, 2) + '\n');
  await journal.append({ type: 'result', kept: result.kept, stopped: result.stopped ?? null, finalHash });
  return result;
}

function failBaseline(o: Extract<BootOutcome, { ok: false }>, req: MinimizeRequest): never {
  if (o.kind === 'test-failed') {
    throw new InputError(`fails on the start config, before any change: ${firstLine(o.detail)}`, req.testScript);
  }
  throw new BootError(`the start config does not boot (${o.ending}): ${firstLine(o.detail)}; nothing to minimize`);
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
}

function minutes(seconds: number): string {
  return seconds < 90 ? `${Math.round(seconds)} s` : `${(seconds / 60).toFixed(1)} min`;
}

export function fmt(ms: number): string {
  return Number.isFinite(ms) ? ms.toFixed(1) : '?';
}
