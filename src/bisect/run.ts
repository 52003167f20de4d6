/**
 * `ktrim bisect` as a library call: read and check the inputs, settle each
 * candidate through ktrim's Kconfig engine (olddefconfigFrom on the good
 * config's state), judge it through the lab (build, boot, --test, or the
 * boot-time measurement against --slower-than-ms), journal every judged
 * config in <out>/journal.jsonl so --resume repeats nothing, and write the
 * culprits' diffconfigs and bisect.json. Real make olddefconfig (inside the
 * build) is the authority: what it wrote is what was tested, and where it
 * disagrees with the engine the disagreement is logged and journaled.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readFile, rm, rmdir } from 'node:fs/promises';
import { InputError, KtrimError } from '../errors.js';
import { readConfigFile } from '../build/config-request.js';
import { sourceIdentity } from '../build/source-id.js';
import { loadKernelKconfig } from '../build/kconfig-host.js';
import { olddefconfig } from '../kconfig/confdata.js';
import { dotConfigFrom, formatEntry, parseDotConfig, type DotConfig } from '../kconfig/dotconfig.js';
import { formatDiffconfig, type DiffEntry } from '../kconfig/diffconfig.js';
import { olddefconfigFrom } from '../kconfig/incremental.js';
import { writeConfig } from '../kconfig/write.js';
import { symbolPrompts } from '../kconfig/symbol.js';
import { configHash, type Lab } from '../lab/lab.js';
import { Journal, type JournalRecord } from '../minimize/journal.js';
import { metricSpec, type BootMetric } from '../boot/metric.js';
import { decideSaving } from '../stats/sequential.js';
import { checkOutput, checkOutputDir, writeOutput, type OutputRules } from '../output.js';
import type { Logger } from '../ui/log.js';
import {
  bisectConfigs,
  canonicalText,
  diffEntries,
  differingSymbols,
  type BisectResult,
  type BisectStep,
  type Candidate,
  type TestReport,
  type Values,
} from './bisect.js';

export interface BisectRequest {
  source: string;
  good: string;
  bad: string;
  /** Test script run in the guest (must print PASS). */
  testScript?: string;
  /** Boot-time oracle: a config is bad when it boots slower than this (ms, metric below). */
  slowerThanMs?: number;
  /** Metric for --slower-than-ms. */
  metric: BootMetric;
  /** Boots per config at most for a noisy metric. */
  maxRuns: number;
  maxCulprits?: number;
  out: string;
  resume: boolean;
  timeoutS: number;
  arch?: string;
  cc?: string;
  jobs?: number;
  makeVars?: string[];
}

export interface BisectDeps {
  logger: Logger;
  /** The build/boot lab for these options (realLab in the CLI, a fake in tests). */
  lab: Lab;
  /** olddefconfig through ktrim's engine (and which symbols have a prompt); default: the source's Kconfig via loadKernelKconfig. */
  settleWith?: (good: DotConfig) => Settler;
  /** The source's identity for the run key; default sourceIdentity(). */
  sourceId?: (dir: string) => Promise<string>;
}

export interface Disagreement {
  key: string;
  label: string;
  /** ktrim's engine → make's .config, diffconfig entries. */
  entries: DiffEntry[];
}

export interface BisectReport {
  source: string;
  good: string;
  bad: string;
  oracle:
    | { kind: 'pass-fail'; testScript?: string }
    | { kind: 'slower-than'; ms: number; metric: BootMetric; maxRuns: number; testScript?: string };
  status: BisectResult['status'];
  initialDifference: number;
  culprits: {
    round: number;
    inseparable: boolean;
    /** The bad config fails only with every part of the set together (each part alone passes on good). */
    together: boolean;
    /** The parts in the order found, diffconfig format each; `dependency`: what olddefconfig needs to set the others. */
    parts: { diffconfig: string; dependency: boolean }[];
    /** The set alone on the good config: `bad` confirms it (skip: could not be judged). */
    verification: { verdict: BisectStep['verdict']; why: string; key?: string };
    entries: DiffEntry[];
    diffconfig: string;
    /** Prompt-less symbols that change with the culprit, diffconfig format. */
    follows: string;
    /** The last good and bad configs of the round (journal config hashes). */
    goodKey: string;
    badKey: string;
    file: string;
  }[];
  steps: BisectStep[];
  end: string;
  /** Verdicts that contradict each other (a flaky test?): the culprits are only what the verdicts imply. */
  notes: string[];
  /** Distinct configs judged (from the journal or the lab). */
  tests: number;
  /** Judged now: lab builds (make runs + cache hits) and boots. */
  builds: number;
  makeRuns: number;
  boots: number;
  /** Judgements taken from the journal (--resume). */
  fromJournal: number;
  disagreements: Disagreement[];
  resumed: boolean;
  seconds: number;
  out: { dir: string; journal: string; report: string };
}

/** The .config text of settled values: every line, `is not set` included, sorted. */
export function configText(v: Values): string {
  return [...v.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([name, raw]) => formatEntry({ name, raw, unset: raw === 'n' }) + '\n')
    .join('');
}

/** name → raw of a parsed config (`is not set` as n). */
export function valuesOf(c: DotConfig): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of c.values.values()) m.set(e.name, e.unset ? 'n' : e.raw);
  return m;
}

/** A config's key: the hash of its canonical text (what the journal is looked up by). */
export const valuesKey = (v: Values): string => configHash(canonicalText(v));

export interface Settler {
  settle(values: Values): Values;
  settable(name: string): boolean;
}

/** The engine's olddefconfig, incremental from the good config's state. */
export function engineSettle(req: Pick<BisectRequest, 'source' | 'arch' | 'makeVars'>): (good: DotConfig) => Settler {
  return (good) => {
    const tree = loadKernelKconfig({ srctree: req.source, arch: req.arch, makeVars: req.makeVars });
    const base = olddefconfig(tree, good);
    return {
      settle: (values) =>
        valuesOf(parseDotConfig(writeConfig(olddefconfigFrom(base, dotConfigFrom(values))), undefined, { strict: false })),
      settable: (name) => {
        const sym = tree.byName.get(name);
        return sym !== undefined && symbolPrompts(sym).length > 0;
      },
    };
  };
}

function readInput(file: string, flag: string): DotConfig {
  try {
    return readConfigFile(file, `${flag} config`);
  } catch (err) {
    if (err instanceof KtrimError) throw err;
    throw new InputError(`cannot read the ${flag} config (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, file);
  }
}

function checkScript(file: string): void {
  if (!existsSync(file)) throw new InputError('--test script not found', file);
  if (!statSync(file).isFile()) throw new InputError('--test script is not a file', file);
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    throw new InputError(`cannot read the --test script (${(err as NodeJS.ErrnoException).code})`, file);
  }
}

/** The journal record of one judged config. */
interface EvaluationRecord extends JournalRecord {
  configHash: string;
  verdict: TestReport['verdict'];
  why: string;
  /** make's .config where it differs from the candidate: name → value (null: not written). */
  made: [string, string | null][];
}

export async function runBisect(req: BisectRequest, deps: BisectDeps): Promise<BisectReport> {
  const t0 = performance.now();
  const log = deps.logger;
  const goodIn = readInput(req.good, '--good');
  const badIn = readInput(req.bad, '--bad');
  if (req.testScript) checkScript(req.testScript);
  if (req.slowerThanMs !== undefined && !(req.slowerThanMs > 0 && Number.isFinite(req.slowerThanMs)))
    throw new InputError(`--slower-than-ms ${req.slowerThanMs}: expected a positive number of ms`);
  const goodValues = valuesOf(goodIn);
  const badValues = valuesOf(badIn);
  if (differingSymbols(goodValues, badValues).length === 0)
    throw new InputError(`sets every symbol as ${req.good} does: nothing to bisect`, req.bad);
  const sourceId = await (deps.sourceId ?? (async (d) => (await sourceIdentity(d)).id))(req.source);
  const rules: OutputRules = { inputs: [req.good, req.bad, req.testScript], trees: [req.source], flag: '--out' };
  const outDir = await checkOutputDir(req.out, rules);

  const scriptText = req.testScript ? await readFile(req.testScript, 'utf8') : undefined;
  const oracle: BisectReport['oracle'] =
    req.slowerThanMs !== undefined
      ? { kind: 'slower-than', ms: req.slowerThanMs, metric: req.metric, maxRuns: req.maxRuns, testScript: req.testScript }
      : { kind: 'pass-fail', testScript: req.testScript };
  const runKey = configHash(
    JSON.stringify({
      v: 1,
      verb: 'bisect',
      source: sourceId,
      good: canonicalText(goodValues),
      bad: canonicalText(badValues),
      test: scriptText === undefined ? null : configHash(scriptText),
      slowerThanMs: req.slowerThanMs ?? null,
      metric: req.slowerThanMs !== undefined ? req.metric : null,
      maxRuns: req.slowerThanMs !== undefined ? req.maxRuns : null,
      arch: req.arch ?? null,
      cc: req.cc ?? null,
      makeVars: [...(req.makeVars ?? [])].sort(),
    }),
  );
  log.info(`loading the Kconfig tree of ${req.source}`);
  const settler = (deps.settleWith ?? engineSettle(req))(goodIn);
  if (differingSymbols(settler.settle(goodValues), settler.settle(badValues)).length === 0)
    throw new InputError(`is the same config as ${req.good} after olddefconfig: nothing to bisect`, req.bad);
  const outExisted = existsSync(outDir);
  const journal = await Journal.open(outDir, {
    runKey,
    resume: req.resume,
    header: { verb: 'bisect', source: req.source, good: req.good, bad: req.bad, oracle },
  });
  const reportPath = await checkOutput(join(outDir, 'bisect.json'), rules);
  if (journal.resumed)
    log.info(`resuming ${journal.path}: ${journal.records().filter((r) => r.type === 'evaluation').length} config(s) already judged`);

  let builds = 0;
  let makeRuns = 0;
  let boots = 0;
  let fromJournal = 0;
  const disagreements: Disagreement[] = [];
  const spec = metricSpec(req.metric);

  /** A boot-time verdict: bad when the metric is slower than the threshold (sequentially, for a noisy metric). */
  async function measure(kernel: string): Promise<{ verdict: TestReport['verdict']; why: string; valuesMs: number[] }> {
    const threshold = req.slowerThanMs!;
    const valuesMs: number[] = [];
    for (;;) {
      const b = await bootOnce(kernel);
      if (!b.ok) return { verdict: 'skip', why: `cannot be measured: ${b.kind} (${b.ending}): ${b.detail}`, valuesMs };
      valuesMs.push(b.valueMs);
      // The threshold as a baseline with no spread: saving = threshold - boot time.
      const d = decideSaving(
        valuesMs.map(() => threshold),
        valuesMs,
        { minEffectMs: 0, maxRuns: req.maxRuns, deterministic: spec.deterministic },
      );
      if (d.kind === 'more') continue;
      // Not clearly faster than the threshold: slower when the estimate is (also decides an unclear end at maxRuns).
      const slower = d.kind === 'not-faster' && d.savingMs < 0;
      const mean = threshold - d.savingMs;
      // The saving's interval, as boot times.
      const ci = d.ci ? ` (interval ${(threshold - d.ci[1]).toFixed(1)}–${(threshold - d.ci[0]).toFixed(1)} ms)` : '';
      const unclear =
        d.kind === 'not-faster' && d.ci && d.ci[1] >= 0 ? `; unclear after ${valuesMs.length} boots, decided by the mean` : '';
      const why = `${req.metric} ${mean.toFixed(1)} ms over ${valuesMs.length} boot(s)${ci}: ${slower ? 'slower' : 'not slower'} than ${threshold} ms${unclear}`;
      return { verdict: slower ? 'bad' : 'good', why, valuesMs };
    }
  }

  async function bootOnce(kernel: string) {
    boots++;
    return deps.lab.boot(kernel);
  }

  async function judge(c: Candidate): Promise<TestReport> {
    const rec = journal.evaluation(c.key) as EvaluationRecord | undefined;
    if (rec) {
      fromJournal++;
      const tested = new Map(c.values);
      for (const [n, v] of rec.made) {
        if (v === null) tested.delete(n);
        else tested.set(n, v);
      }
      return { verdict: rec.verdict, why: `${rec.why} (journal)`, tested };
    }
    log.info(`testing ${c.label} (${c.key})`);
    builds++;
    const built = await deps.lab.build(configText(c.values));
    let report: TestReport;
    let made: [string, string | null][] = [];
    const bootFigures: number[] = [];
    const extra: Record<string, unknown> = {};
    if (!built.ok) {
      const why = `build failed: ${built.detail}`;
      report = { verdict: oracle.kind === 'pass-fail' ? 'bad' : 'skip', why };
      extra.build = { ok: false, seconds: built.seconds };
    } else {
      if (!built.build.cacheHit) makeRuns++;
      extra.build = { ok: true, configKey: built.build.configKey, cacheHit: built.build.cacheHit, seconds: built.build.seconds };
      const tested = valuesOf(parseDotConfig(built.configText, built.build.config, { strict: false }));
      const names = differingSymbols(c.values, tested);
      made = names.map((n) => [n, tested.get(n) ?? null]);
      if (names.length) {
        const entries = diffEntries(c.values, tested, names);
        disagreements.push({ key: c.key, label: c.label, entries });
        log.warn(
          `make olddefconfig disagrees with ktrim's Kconfig engine on ${c.label} (make is the authority):\n${formatDiffconfig(entries).trimEnd()}`,
        );
      }
      if (oracle.kind === 'pass-fail') {
        const b = await bootOnce(built.build.bzImage);
        report = b.ok
          ? { verdict: 'good', why: `booted${oracle.testScript ? ', test passed' : ''} (/init at ${b.valueMs.toFixed(0)} ms host)`, tested }
          : { verdict: 'bad', why: `${b.kind} (${b.ending}): ${b.detail}`, tested };
        if (b.ok) bootFigures.push(b.valueMs);
      } else {
        const m = await measure(built.build.bzImage);
        bootFigures.push(...m.valuesMs);
        report = { verdict: m.verdict, why: m.why, tested };
      }
    }
    await journal.append({
      type: 'evaluation',
      configHash: c.key,
      role: c.role,
      label: c.label,
      round: c.round,
      verdict: report.verdict,
      why: report.why,
      made,
      bootsMs: bootFigures,
      ...extra,
    });
    return report;
  }

  const result = await bisectConfigs(
    goodValues,
    badValues,
    {
      settle: settler.settle,
      settable: settler.settable,
      key: valuesKey,
      test: judge,
      onStep(s) {
        if (s.kind === 'unchanged') log.info(`skipped ${s.label}: ${s.why}`);
        else
          log.info(
            `${s.label}: ${s.verdict}${s.reused ? ' (same config as an earlier step)' : ''} — ${s.why}` +
              (s.remaining !== undefined ? `; ${s.remaining} symbol(s) left` : ''),
          );
      },
    },
    { maxCulprits: req.maxCulprits },
  );

  /** A run that could not start leaves no journal of its own behind (a fixed input is another run). */
  const failed = async (file: string, msg: string) => {
    if (journal.resumed) await journal.append({ type: 'input-error', file, message: msg });
    else {
      await rm(journal.path, { force: true });
      if (!outExisted) await rmdir(outDir).catch(() => undefined);
    }
    return new InputError(msg, file);
  };
  if (result.status === 'identical') throw await failed(req.bad, `is the same config as ${req.good} after olddefconfig: nothing to bisect`);
  if (result.status === 'good-fails')
    throw await failed(req.good, `the good config does not pass (${result.why}): --good must pass the ${oracleName(oracle)}`);
  if (result.status === 'bad-passes')
    throw await failed(req.bad, `the bad config does not fail (${result.why}): --bad must fail the ${oracleName(oracle)}`);

  const culprits: BisectReport['culprits'] = [];
  for (const c of result.culprits) {
    const file = await checkOutput(join(outDir, `culprit-${c.round}.diffconfig`), rules);
    const diffconfig = formatDiffconfig(c.entries);
    await writeOutput(file, diffconfig);
    culprits.push({
      round: c.round,
      inseparable: c.inseparable,
      together: c.together,
      parts: c.parts.map((p) => ({ diffconfig: formatDiffconfig(p.entries), dependency: p.dependency ?? false })),
      verification: c.verification,
      entries: c.entries,
      diffconfig,
      follows: formatDiffconfig(c.follows),
      goodKey: c.goodKey,
      badKey: c.badKey,
      file,
    });
  }
  const report: BisectReport = {
    source: req.source,
    good: req.good,
    bad: req.bad,
    oracle,
    status: result.status,
    initialDifference: result.initialDifference,
    culprits,
    steps: result.steps,
    end: result.end,
    notes: result.notes,
    tests: result.tests,
    builds,
    makeRuns,
    boots,
    fromJournal,
    disagreements,
    resumed: journal.resumed,
    seconds: (performance.now() - t0) / 1000,
    out: { dir: outDir, journal: journal.path, report: reportPath },
  };
  for (const n of result.notes) log.warn(n);
  await writeOutput(reportPath, JSON.stringify(report, null, 2) + '\n');
  await journal.append({ type: 'result', culprits: culprits.map((c) => c.diffconfig), tests: result.tests, end: result.end });
  return report;
}

function oracleName(o: BisectReport['oracle']): string {
  if (o.kind === 'pass-fail') return o.testScript ? 'build, boot and --test' : 'build and boot';
  return `boot-time test (--slower-than-ms ${o.ms}, metric ${o.metric})`;
}

/** A verdict's reason cut to one readable line (a panic's detail can be long). */
const short = (why: string) => (why.length > 100 ? `${why.slice(0, 99)}…` : why);

/** The text report: culprits first, then the steps and what they cost. */
export function formatBisectReport(r: BisectReport): string {
  const lines: string[] = [];
  lines.push(
    `bisect ${r.good} (good) .. ${r.bad} (bad): ${r.initialDifference} symbol(s) differ after olddefconfig; oracle: ${oracleName(r.oracle)}`,
  );
  for (const c of r.culprits) {
    lines.push('');
    const narrowed = c.parts.filter((p) => !p.dependency).length;
    const what = c.together
      ? ` (${narrowed} parts that fail only together: each passes without the others${c.inseparable ? '; a part is symbols olddefconfig keeps together' : ''})`
      : c.inseparable
        ? ' (symbols olddefconfig keeps together)'
        : '';
    lines.push(`culprit ${c.round}${what}: ${c.file}`);
    for (const l of c.diffconfig.trimEnd().split('\n')) lines.push(`  ${l}`);
    const deps = c.parts.filter((p) => p.dependency).map((p) => p.diffconfig.trim().replace(/\n\s*/g, ', '));
    if (deps.length) lines.push(`  of which needed only so that olddefconfig keeps the others (depends on): ${deps.join('; ')}`);
    lines.push(
      c.verification.verdict === 'bad'
        ? `  checked: the good config with only ${c.entries.length > 1 ? 'these' : 'this'} fails (${short(c.verification.why)})`
        : `  not confirmed: the good config with only ${c.entries.length > 1 ? 'these' : 'this'} ${c.verification.verdict === 'good' ? 'passes' : 'could not be judged'} (${short(c.verification.why)})`,
    );
    if (c.follows) lines.push(`  and with it (no prompt): ${c.follows.trim().split('\n').join(',')}`);
  }
  lines.push('');
  lines.push('steps:');
  let n = 0;
  for (const s of r.steps) {
    if (s.kind === 'unchanged') {
      lines.push(`       ${s.label}: not tested, ${s.why}`);
      continue;
    }
    const extra = [
      s.reused ? 'same config as an earlier step' : '',
      s.dragged.length ? `olddefconfig also changed ${s.dragged.join(' ')}` : '',
      s.undone.length ? `olddefconfig undid ${s.undone.join(' ')}` : '',
      s.remaining !== undefined ? `${s.remaining} left` : '',
    ].filter(Boolean);
    const why = short(s.why ?? '');
    lines.push(
      `  ${String(++n).padStart(3)}  ${s.label}: ${s.verdict?.toUpperCase()} — ${why}${extra.length ? ` [${extra.join('; ')}]` : ''}`,
    );
  }
  lines.push('');
  lines.push(r.end);
  for (const n of r.notes) lines.push(`warning: ${n}`);
  lines.push(
    `${r.tests} config(s) judged: ${r.builds} build(s) (${r.makeRuns} ran make), ${r.boots} boot(s), ${r.fromJournal} from the journal; ` +
      `${r.disagreements.length} olddefconfig disagreement(s); ${r.seconds.toFixed(0)} s`,
  );
  lines.push(`journal ${r.out.journal}; report ${r.out.report}`);
  return lines.join('\n') + '\n';
}
