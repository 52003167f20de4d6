// runMinimize with a fake lab (an object literal: build returns the config it
// got, boot times it by a model) on a small real Kconfig tree, so the flow
// (baseline, candidates, journal, resume, budgets, outputs, bad input) is
// checked in seconds. The real make + qemu run is test/e2e/minimize.test.ts.
import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BootResult } from '../../../src/boot/boot.js';
import type { BuildResult } from '../../../src/build/types.js';
import { configHash, type Lab } from '../../../src/lab/lab.js';
import { runMinimize, type MinimizeRequest } from '../../../src/minimize/run.js';
import type { ProposeResult } from '../../../src/propose/propose.js';
import type { ScreenResult } from '../../../src/boot/screen.js';
import { createMemoryLogger } from '../../../src/ui/log.js';
import type { Journal } from '../../../src/minimize/journal.js';
import { readKnobCatalog } from '../../../src/tune/catalog.js';
import { tuneKernel } from '../../../src/tune/tune.js';

const tree = join(process.cwd(), 'test', 'fixtures', 'minimize', 'tree');
const catalog = join(process.cwd(), 'test', 'fixtures', 'minimize', 'catalog');
const cacheDir = mkdtempSync(join(tmpdir(), 'ktrim-minimize-cache-'));

/** ms each symbol costs when on; BINFMT_ELF off panics. */
const COST: Record<string, number> = { LEGACY_PTYS: 34, SLOW_A: 20, SLOW_B: 15, HID: 0.04 };

function fakeLab(
  opts: {
    crashAfterBuilds?: number;
    testFails?: boolean;
    buildFailsWithout?: string;
    hangsWithout?: string;
    startBuildSeconds?: number;
  } = {},
) {
  const configs = new Map<string, string>();
  const built: string[] = [];
  let crash = opts.crashAfterBuilds;
  const lab: Lab = {
    async build(text) {
      const hash = configHash(text);
      if (crash !== undefined && crash-- <= 0) throw new Error('simulated kill -9');
      built.push(hash);
      if (opts.buildFailsWithout && !text.includes(`CONFIG_${opts.buildFailsWithout}=y\n`)) {
        return {
          ok: false,
          kind: 'build-failed',
          detail: 'make bzImage failed (make exit 2); first errors:\n  x.c:1: error: boom',
          seconds: 3,
        };
      }
      configs.set(`k-${hash}`, text);
      const buildSeconds = built.length === 1 ? (opts.startBuildSeconds ?? 1) : 1;
      const build = { bzImage: `k-${hash}`, cacheHit: false, buildSeconds, buildDir: join(cacheDir, hash), imageBytes: 1, config: '' };
      return { ok: true, build: build as unknown as BuildResult, configText: text };
    },
    async boot(kernel) {
      const text = configs.get(kernel)!;
      const on = (s: string) => text.includes(`CONFIG_${s}=y\n`);
      if (!on('BINFMT_ELF'))
        return { ok: false, kind: 'boot-failed', ending: 'panic', detail: 'Kernel panic - not syncing: No working init found.' };
      if (opts.hangsWithout && !on(opts.hangsWithout))
        return { ok: false, kind: 'boot-failed', ending: 'timeout', detail: 'no end marker within 60 s' };
      if (opts.testFails) return { ok: false, kind: 'test-failed', ending: 'marker', detail: 'test script failed (rc=1): FAIL' };
      const v = 300 + Object.entries(COST).reduce((a, [s, ms]) => a + (on(s) ? ms : 0), 0);
      const boot = {
        ending: 'marker',
        accel: 'tcg',
        host: { initMs: v + 500, markerMs: v + 520, wallMs: v + 600 },
        guest: {},
        memory: {},
        dmesg: 'dmesg\n',
      };
      return { ok: true, boot: boot as unknown as BootResult, valueMs: v };
    },
  };
  return { lab, built };
}

const proposed = {
  candidates: [
    {
      id: 'SLOW_A=n',
      changes: [{ name: 'SLOW_A', from: 'y', to: 'n', because: '' }],
      saving: { medianMs: 20 },
      initcalls: [{ fn: 'slow_a_init', medianMs: 20 }],
      catalog: [],
    },
    {
      id: 'SLOW_B=n',
      changes: [{ name: 'SLOW_B', from: 'y', to: 'n', because: '' }],
      saving: { medianMs: 15 },
      initcalls: [{ fn: 'slow_b_init', medianMs: 15 }],
      catalog: [],
    },
  ],
  warnings: [],
} as unknown as ProposeResult;

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'ktrim-minimize-'));
  const config = join(dir, 'start.config');
  writeFileSync(config, ['BINFMT_ELF', 'LEGACY_PTYS', 'HID', 'HID_GENERIC', 'SLOW_A', 'SLOW_B'].map((s) => `CONFIG_${s}=y\n`).join(''));
  const req: MinimizeRequest = {
    source: tree,
    config,
    out: join(dir, 'out'),
    metric: 'icount',
    runs: 2,
    maxRuns: 3,
    minSavingMs: 2,
    candidates: 'both',
    catalogDir: catalog,
    timeoutS: 60,
    keepLabNeeds: false, // BINFMT_ELF is the candidate that breaks the boot
  };
  return { dir, config, req };
}

const run = (req: MinimizeRequest, lab: Lab) =>
  runMinimize(req, { logger: createMemoryLogger(), cacheDir, lab: () => lab, propose: async () => proposed });

describe('runMinimize (fake lab, real Kconfig engine)', () => {
  it('keeps the measured group in one evaluation, then decides the catalog candidates alone', async () => {
    const { req, config } = setup();
    const before = readFileSync(config, 'utf8');
    const { lab, built } = fakeLab();
    const r = await run(req, lab);
    const d = Object.fromEntries(r.decisions.map((x) => [x.id, x]));
    expect(d['SLOW_A=n']).toMatchObject({ decision: 'kept', group: ['SLOW_A=n', 'SLOW_B=n'], savingMs: 35 });
    expect(d['catalog:legacy_ptys']).toMatchObject({ decision: 'kept', savingMs: 34 });
    expect(d['catalog:binfmt_elf'].why).toMatch(/^boot failed: panic/);
    expect(d['catalog:hid']).toMatchObject({ decision: 'rejected' });
    expect(d['catalog:hid'].why).toMatch(/^not faster/);
    expect(r.kept).toEqual(['SLOW_A=n', 'SLOW_B=n', 'catalog:legacy_ptys']);
    expect(r.spent.evaluations).toBe(4);
    expect(r.before.metric.summary!.mean).toBeCloseTo(369.04, 6);
    expect(r.after.metric.summary!.mean).toBeCloseTo(300.04, 6);
    expect(r.after.host.initMs!.n).toBe(2);
    // start + 4 trials; the trimmed config is the last accepted one: not built again.
    expect(built).toHaveLength(5);
    const trimmed = readFileSync(join(req.out, 'trimmed.config'), 'utf8');
    expect(trimmed).toMatch(/# CONFIG_SLOW_A is not set\n[\s\S]*# CONFIG_SLOW_B is not set\n/);
    expect(trimmed).toContain('# CONFIG_LEGACY_PTYS is not set\n');
    expect(readFileSync(join(req.out, 'trimmed.fragment'), 'utf8')).toBe(
      '# CONFIG_LEGACY_PTYS is not set\n# CONFIG_SLOW_A is not set\n# CONFIG_SLOW_B is not set\n',
    );
    expect(readFileSync(join(req.out, 'changes.diffconfig'), 'utf8')).toBe(' LEGACY_PTYS y -> n\n SLOW_A y -> n\n SLOW_B y -> n\n');
    for (const f of ['report.md', 'report.json', 'report.html', 'journal.jsonl', 'baseline-initcall-debug.dmesg.log'])
      expect(existsSync(join(req.out, f))).toBe(true);
    expect(readFileSync(config, 'utf8')).toBe(before);
  });

  it('a build error and a boot that hangs are answers: the group is split and the culprits rejected alone', async () => {
    const { req } = setup();
    const r = await run({ ...req, candidates: 'propose' }, fakeLab({ buildFailsWithout: 'SLOW_B' }).lab);
    const d = Object.fromEntries(r.decisions.map((x) => [x.id, x]));
    expect(d['SLOW_B=n']).toMatchObject({
      decision: 'rejected',
      why: 'build failed: make bzImage failed (make exit 2); first errors: x.c:1: error: boom',
    });
    expect(d['SLOW_A=n']).toMatchObject({ decision: 'kept' });
    const s2 = setup();
    const h = await run({ ...s2.req, candidates: 'propose' }, fakeLab({ hangsWithout: 'SLOW_A' }).lab);
    expect(h.decisions.find((x) => x.id === 'SLOW_A=n')!.why).toBe('boot failed: timeout: no end marker within 60 s');
    expect(h.kept).toEqual(['SLOW_B=n']);
  });

  it('--jobs 2 evaluates groups in parallel and comes to the same trimmed config', async () => {
    const one = setup();
    const two = setup();
    await run(one.req, fakeLab().lab);
    const r = await run({ ...two.req, jobs: 2 }, fakeLab().lab);
    expect([...r.kept].sort()).toEqual(['SLOW_A=n', 'SLOW_B=n', 'catalog:legacy_ptys']);
    expect(readFileSync(join(two.req.out, 'trimmed.config'), 'utf8')).toBe(readFileSync(join(one.req.out, 'trimmed.config'), 'utf8'));
  });

  it('resumes after a crash without repeating an evaluation, to the same result', async () => {
    const { req } = setup();
    const a = fakeLab({ crashAfterBuilds: 3 }); // start, the group, binfmt_elf; dies building hid
    await expect(run(req, a.lab)).rejects.toThrow('simulated kill -9');
    const b = fakeLab();
    const r = await run({ ...req, resume: true }, b.lab);
    expect(r.kept).toEqual(['SLOW_A=n', 'SLOW_B=n', 'catalog:legacy_ptys']);
    expect(r.spent.fromJournal).toBe(2);
    expect(r.spent.evaluations).toBe(2);
    // Only the start config (a cache hit in real life) and the two unfinished ones are built again.
    const firstTrials = a.built.slice(1);
    expect(b.built.slice(1).filter((h) => firstTrials.includes(h))).toEqual([]);
    const evals = readFileSync(join(req.out, 'journal.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((x) => x.type === 'evaluation')
      .map((x) => x.configHash);
    expect(new Set(evals).size).toBe(evals.length);
    expect(evals).toHaveLength(4);
  });

  it("keeps the boot lab's needs by default: BINFMT_ELF is never built without, and the run key says so", async () => {
    const { req } = setup();
    const r = await run({ ...req, keepLabNeeds: undefined }, fakeLab().lab);
    expect(r.decisions.find((x) => x.id === 'catalog:binfmt_elf')).toMatchObject({
      decision: 'skipped',
      why: '--keep BINFMT_ELF (the boot lab needs it; --no-keep-lab-needs)',
    });
    // another choice is another run: its journal is not resumed with the lab's needs removable
    await expect(run({ ...req, keepLabNeeds: false, resume: true }, fakeLab().lab)).rejects.toThrow(/holds the journal of another run/);
  });

  it('never removes a --keep symbol, and refuses one that does not exist', async () => {
    const { req } = setup();
    const r = await run({ ...req, keep: ['CONFIG_LEGACY_PTYS'] }, fakeLab().lab);
    expect(r.decisions.find((x) => x.id === 'catalog:legacy_ptys')).toMatchObject({ decision: 'skipped', why: '--keep LEGACY_PTYS' });
    expect(readFileSync(join(req.out, 'trimmed.config'), 'utf8')).toContain('CONFIG_LEGACY_PTYS=y\n');
    const s2 = setup();
    await expect(run({ ...s2.req, keep: ['NOPE'] }, fakeLab().lab)).rejects.toThrow(/--keep NOPE: no such symbol/);
    expect(existsSync(s2.req.out)).toBe(false);
  });

  it('stops at the build budget and writes what was decided', async () => {
    const { req } = setup();
    const r = await run({ ...req, budgetBuilds: 3 }, fakeLab().lab);
    expect(r.stopped).toMatch(/build budget spent/);
    expect(r.decisions.filter((x) => x.decision === 'untried').map((x) => x.id)).toEqual(['catalog:hid', 'catalog:legacy_ptys']);
    expect(existsSync(join(req.out, 'report.md'))).toBe(true);
  });

  it('puts a removal that recompiles most objects after the cheap ones, and leaves it untried when it would overrun --budget-time', async () => {
    const { req } = setup();
    const all = Array.from({ length: 1000 }, (_, i) => i);
    // SLOW_B reaches a header every object includes (as BLOCK does <linux/fs.h>); the others a few objects.
    const index = {
      objects: 1000,
      dependents: new Map([
        ['SLOW_B', all],
        ['SLOW_A', [0, 1]],
        ['LEGACY_PTYS', [5]],
      ]),
      global: new Set<string>(),
    };
    const logger = createMemoryLogger();
    // A whole start build of 830 s for 1000 objects: 30 s fixed + 0.8 s per object.
    const { lab } = fakeLab({ startBuildSeconds: 830 });
    const r = await runMinimize(
      { ...req, budgetTimeS: 60 },
      { logger, cacheDir, lab: () => lab, propose: async () => proposed, rebuildIndex: async () => index },
    );
    const evaluated = logger.lines.filter((l) => l.startsWith('I: evaluating'));
    expect(evaluated[0]).toMatch(/^I: evaluating SLOW_A=n on top of 0 kept, 2 of 1000 objects to recompile/);
    expect(evaluated.some((l) => l.includes('SLOW_B=n'))).toBe(false);
    const d = Object.fromEntries(r.decisions.map((x) => [x.id, x]));
    expect(d['SLOW_A=n']).toMatchObject({ decision: 'kept', group: ['SLOW_A=n'] });
    // 1000 objects × 0.8 s (the whole start build's rate) + the fixed part measured on SLOW_A's evaluation (ms here): ≈ 13.3 min.
    expect(d['SLOW_B=n'].decision).toBe('untried');
    expect(d['SLOW_B=n'].why).toMatch(/^needs ≈ 13\.3 min \(1000 of 1000 objects to recompile\), \d+ s of --budget-time left$/);
    expect(d['catalog:legacy_ptys']).toMatchObject({ decision: 'kept' });
    expect(r.stopped).toMatch(/^no group left fits the budget: needs ≈ 13\.3 min/);
    const cands = Object.fromEntries(r.candidates.map((c) => [c.id, c]));
    expect(cands['SLOW_B=n']).toMatchObject({ rebuild: { objects: 1000, of: 1000 } });
    expect(cands['catalog:legacy_ptys']).toMatchObject({ rebuild: { objects: 1, of: 1000 } });
    const md = readFileSync(join(req.out, 'report.md'), 'utf8');
    expect(md).toMatch(/^\| `SLOW_B=n` \| untried \| needs ≈ 13\.3 min .* \| 1000 of 1000 objects \|$/m);
    expect(md).toMatch(/^\| `SLOW_A=n` \| 20\.0 \| deterministic \| 20\.0 \| .* \| 2 of 1000 objects \|$/m);
  });

  it('fails fast on a --test that fails on the start config (exit 1) and a start config that does not boot (exit 2)', async () => {
    const { req, dir } = setup();
    const test = join(dir, 't.sh');
    writeFileSync(test, 'echo FAIL\n');
    await expect(run({ ...req, testScript: test }, fakeLab({ testFails: true }).lab)).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/t\.sh: fails on the start config/),
    });
    const s2 = setup();
    writeFileSync(s2.config, 'CONFIG_BINFMT_ELF=n\n');
    await expect(run(s2.req, fakeLab().lab)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/start config does not boot \(panic\)/),
    });
  });

  it("--screen: a candidate whose initcalls cannot be skipped is rejected without a build; the screened ms replace propose's", async () => {
    const { req } = setup();
    const { lab, built } = fakeLab();
    const screened: string[][] = [];
    const r = await runMinimize(
      { ...req, screen: true, candidates: 'propose' },
      {
        logger: createMemoryLogger(),
        cacheDir,
        lab: () => lab,
        propose: async () => proposed,
        screen: async (s) => {
          screened.push(s.candidates.flatMap((c) => c.initcalls));
          return {
            candidates: [
              { id: 'SLOW_A=n', screenedMs: 19, skipped: true, breaksBoot: false, ending: 'marker', boots: 1 },
              { id: 'SLOW_B=n', screenedMs: null, skipped: false, breaksBoot: true, ending: 'panic', boots: 1 },
            ],
          } as unknown as ScreenResult;
        },
      },
    );
    expect(screened).toEqual([['slow_a_init', 'slow_b_init']]);
    const d = Object.fromEntries(r.decisions.map((x) => [x.id, x]));
    expect(d['SLOW_B=n']).toMatchObject({ decision: 'rejected' });
    expect(d['SLOW_B=n'].why).toMatch(/^--screen: .* does not boot \(panic\): not built/);
    expect(d['SLOW_A=n']).toMatchObject({ decision: 'kept', expectedMs: 19, savingMs: 20 });
    expect(built).toHaveLength(2); // start + SLOW_A
  });

  it('refuses an --out holding another run and an --out inside the kernel tree', async () => {
    const { req } = setup();
    await run(req, fakeLab().lab);
    await expect(run({ ...req, minSavingMs: 9, resume: true }, fakeLab().lab)).rejects.toThrow(/holds the journal of another run/);
    await expect(run({ ...req, out: join(tree, 'out') }, fakeLab().lab)).rejects.toThrow(/inside the kernel tree/);
    await expect(run({ ...req, out: req.config }, fakeLab().lab)).rejects.toThrow(/not a directory/);
  });
  it('--tune tries the knobs on the trimmed kernel through the same journal: report.md/json and tune.md; a resume replays them', async () => {
    const { req } = setup();
    const knobs = readKnobCatalog().knobs.filter((k) => ['firmware=qboot', 'cmdline:tsc.reliable=1'].includes(k.id));
    const tuned: { kernel: string; configText: string }[] = [];
    let boots = 0;
    // The real tuneKernel with a fake qemu: SeaBIOS costs 150 ms of host time, tsc.reliable=1 nothing.
    const tune = (kernel: string, configText: string, journal: Journal) => {
      tuned.push({ kernel, configText });
      return tuneKernel(
        { kernel, knobs, metric: 'icount', hostMetric: 'icount-total', minSavingMs: 5, maxRuns: 2 },
        {
          accel: 'tcg',
          journal,
          fileExists: () => true,
          boot: async (r) => (boots++, { ok: true, valueMs: 900 + (r.bios?.endsWith('qboot.rom') ? 0 : 150), wallMs: 1, accel: 'tcg' }),
        },
      );
    };
    const { lab } = fakeLab(); // one lab for both runs: its builds are the cache the resume finds
    const go = (resume?: boolean) =>
      runMinimize(
        { ...req, tune: true, resume },
        { logger: createMemoryLogger(), cacheDir, lab: () => lab, propose: async () => proposed, tune },
      );
    const r = await go();
    expect(tuned).toHaveLength(1);
    expect(tuned[0].configText).toContain('# CONFIG_LEGACY_PTYS is not set\n'); // the trimmed kernel, not the start one
    expect(tuned[0].kernel).toBe(`k-${configHash(tuned[0].configText)}`);
    expect(r.tune!.knobs.map((k) => [k.id, k.decision])).toEqual([
      ['firmware=qboot', 'kept'],
      ['cmdline:tsc.reliable=1', 'no-saving'],
    ]);
    const md = readFileSync(join(req.out, 'report.md'), 'utf8');
    expect(md).toContain('## Tuning (--tune): 1 knob(s) kept, details in tune.md');
    expect(md).toMatch(/-bios \/usr\/share\/qemu\/qboot\.rom/);
    expect(JSON.parse(readFileSync(join(req.out, 'report.json'), 'utf8')).tune.final.kept).toEqual(['firmware=qboot']);
    expect(readFileSync(join(req.out, 'tune.md'), 'utf8')).toContain('firmware=qboot');
    const bootsFirst = boots;
    const again = await go(true);
    expect(boots).toBe(bootsFirst); // the knobs' decisions come from minimize's journal
    expect(again.tune).toMatchObject({ boots: 0, replayed: 2 });
  });
});
