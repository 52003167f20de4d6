/**
 * runBisect with a fake lab (an object literal) and a toy olddefconfig: the
 * journal, --resume without a repeated build, the output files, make's
 * .config as the authority, the boot-time oracle, and the bad-input errors.
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../../src/errors.js';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';
import type { BootOutcome, BuildOutcome, Lab } from '../../../src/lab/lab.js';
import type { BuildResult } from '../../../src/build/types.js';
import type { BootResult } from '../../../src/boot/boot.js';
import { configText, formatBisectReport, runBisect, valuesOf, type BisectRequest, type Settler } from '../../../src/bisect/run.js';
import type { Values } from '../../../src/bisect/bisect.js';
import { createMemoryLogger } from '../../../src/ui/log.js';

const GOOD = { A: 'n', B: 'n', C: 'n', D: 'n', X: 'n', SEL: 'n' };
const BAD = { A: 'y', B: 'y', C: 'y', D: 'y', X: 'y', SEL: 'y', LIB: 'y' };

/** Toy olddefconfig: SEL selects the prompt-less LIB. */
const toySettler = (): Settler => ({
  settle(values) {
    const v = new Map(values);
    if (v.get('SEL') === 'y') v.set('LIB', 'y');
    else v.delete('LIB');
    return v;
  },
  settable: (n) => n !== 'LIB',
});

interface FakeLab extends Lab {
  builds: string[];
  boots: number;
}

/** Kernels are named by their config text; bad: X=y panics. `bootMs` gives a boot-time figure per config. */
function fakeLab(
  opts: { make?: (v: Map<string, string>) => void; bootMs?: (v: Values, n: number) => number; panics?: (v: Values) => boolean } = {},
): FakeLab {
  const kernels = new Map<string, Map<string, string>>();
  const lab: FakeLab = {
    builds: [],
    boots: 0,
    async build(text): Promise<BuildOutcome> {
      lab.builds.push(text);
      const v = valuesOf(parseDotConfig(text));
      opts.make?.(v);
      const kernel = `kernel-${lab.builds.length}`;
      kernels.set(kernel, v);
      const build = { bzImage: kernel, config: `${kernel}/.config`, cacheHit: false, configKey: `k${lab.builds.length}`, seconds: 1 };
      return { ok: true, build: build as unknown as BuildResult, configText: configText(v) };
    },
    async boot(kernel): Promise<BootOutcome> {
      const v = kernels.get(kernel)!;
      const n = lab.boots++;
      if (!opts.bootMs && (opts.panics ?? ((c) => c.get('X') === 'y'))(v))
        return { ok: false, kind: 'boot-failed', ending: 'panic', detail: 'Kernel panic - not syncing: No working init found' };
      return { ok: true, boot: {} as BootResult, valueMs: opts.bootMs ? opts.bootMs(v, n) : 1000 };
    },
  };
  return lab;
}

let dir: string;
const write = (name: string, pairs: Record<string, string>) => {
  const path = join(dir, name);
  writeFileSync(path, configText(new Map(Object.entries(pairs))));
  return path;
};

function request(extra: Partial<BisectRequest> = {}): BisectRequest {
  return {
    source: join(dir, 'linux'),
    good: write('good.config', GOOD),
    bad: write('bad.config', BAD),
    metric: 'host',
    maxRuns: 5,
    out: join(dir, 'out'),
    resume: false,
    timeoutS: 60,
    ...extra,
  };
}

const deps = (lab: Lab, logger = createMemoryLogger()) => ({ logger, lab, settleWith: () => toySettler(), sourceId: async () => 'src-1' });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ktrim-bisect-run-'));
});

describe('runBisect', () => {
  it('finds the culprit, journals each judged config and writes its diffconfig and bisect.json', async () => {
    const lab = fakeLab();
    const req = request();
    const r = await runBisect(req, deps(lab));
    expect(r.status).toBe('found');
    expect(r.culprits.map((c) => c.diffconfig)).toEqual([' X n -> y\n']);
    expect(readFileSync(join(dir, 'out', 'culprit-1.diffconfig'), 'utf8')).toBe(' X n -> y\n');
    expect(r.culprits[0]).toMatchObject({ follows: '', inseparable: false, round: 1 });
    expect(r.initialDifference).toBe(6);
    expect(r.builds).toBe(lab.builds.length);
    expect(r.boots).toBe(lab.boots);
    expect(r.tests).toBe(r.builds);
    expect(r.tests).toBeLessThanOrEqual(Math.ceil(Math.log2(6)) + 3);
    const journal = readFileSync(join(dir, 'out', 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(journal[0]).toMatchObject({ type: 'start', verb: 'bisect' });
    expect(journal.filter((j) => j.type === 'evaluation')).toHaveLength(r.tests);
    expect(journal.at(-1)).toMatchObject({ type: 'result', culprits: [' X n -> y\n'] });
    const saved = JSON.parse(readFileSync(join(dir, 'out', 'bisect.json'), 'utf8'));
    expect(saved.culprits[0].entries).toEqual([{ op: '->', name: 'X', before: 'n', after: 'y' }]);
    // The inputs are untouched.
    expect(readFileSync(req.good, 'utf8')).toBe(configText(new Map(Object.entries(GOOD))));
  });

  it('resumes from the journal without building anything again, and refuses to reuse --out without --resume', async () => {
    const first = await runBisect(request(), deps(fakeLab()));
    await expect(runBisect(request(), deps(fakeLab()))).rejects.toThrow(/pass --resume/);
    const lab = fakeLab();
    const again = await runBisect(request({ resume: true }), deps(lab));
    expect(lab.builds).toHaveLength(0);
    expect(again.fromJournal).toBe(first.tests);
    expect(again.resumed).toBe(true);
    expect(again.culprits.map((c) => c.diffconfig)).toEqual(first.culprits.map((c) => c.diffconfig));
    // Another good config is another run: its journal is not overwritten.
    await expect(runBisect(request({ resume: true, good: write('good2.config', { ...GOOD, A: 'y' }) }), deps(fakeLab()))).rejects.toThrow(
      /journal of another run/,
    );
  });

  it('reports symbols that fail only together as one culprit set: one diffconfig with every line, checked alone on good', async () => {
    // A=y alone boots, D=y alone boots, both panic.
    const lab = fakeLab({ panics: (v) => v.get('A') === 'y' && v.get('D') === 'y' });
    const r = await runBisect(request(), deps(lab));
    expect(r.culprits).toHaveLength(1);
    const [c] = r.culprits;
    expect(c).toMatchObject({
      together: true,
      diffconfig: ' A n -> y\n D n -> y\n',
      parts: [
        { diffconfig: ' D n -> y\n', dependency: false },
        { diffconfig: ' A n -> y\n', dependency: false },
      ],
    });
    expect(c!.verification.verdict).toBe('bad');
    expect(readFileSync(join(dir, 'out', 'culprit-1.diffconfig'), 'utf8')).toBe(' A n -> y\n D n -> y\n');
    const saved = JSON.parse(readFileSync(join(dir, 'out', 'bisect.json'), 'utf8'));
    expect(saved.culprits[0]).toMatchObject({ together: true, entries: [{ name: 'A' }, { name: 'D' }] });
    const text = formatBisectReport(r);
    expect(text).toContain(
      `culprit 1 (2 parts that fail only together: each passes without the others): ${join(dir, 'out', 'culprit-1.diffconfig')}\n`,
    );
    expect(text).toContain(
      '  checked: the good config with only these fails (boot-failed (panic): Kernel panic - not syncing: No working init found)\n',
    );
    expect(r.end).toBe('the bad config passes without the culprits: nothing else is bad');
    expect(r.notes).toEqual([]);
  });

  it('tests what make olddefconfig wrote and reports where it disagrees with the engine', async () => {
    const logger = createMemoryLogger();
    // make also turns D on whenever C is on: the engine did not predict it.
    const lab = fakeLab({ make: (v) => void (v.get('C') === 'y' && v.set('D', 'y')) });
    const r = await runBisect(request(), deps(lab, logger));
    expect(r.culprits.map((c) => c.diffconfig)).toEqual([' X n -> y\n']);
    expect(r.disagreements.length).toBeGreaterThan(0);
    expect(r.disagreements[0]!.entries).toEqual([{ op: '->', name: 'D', before: 'n', after: 'y' }]);
    expect(logger.lines.some((l) => l.startsWith('W: make olddefconfig disagrees'))).toBe(true);
  });

  it('with --slower-than-ms, a config is bad when its (deterministic) boot time exceeds the threshold', async () => {
    // B=y costs 300 ms; the threshold is 1100 ms.
    const lab = fakeLab({ bootMs: (v) => 1000 + (v.get('B') === 'y' ? 300 : 0) });
    const r = await runBisect(request({ slowerThanMs: 1100, metric: 'icount' }), deps(lab));
    expect(r.culprits.map((c) => c.diffconfig)).toEqual([' B n -> y\n']);
    expect(lab.boots).toBe(r.tests);
    expect(r.steps.find((s) => s.role === 'bad')!.why).toMatch(/^icount 1300\.0 ms over 1 boot\(s\): slower than 1100 ms$/);
  });

  it('with a noisy metric, boots again until the statistics decide', async () => {
    const noise = [0, 40, -40, 20, -20];
    const lab = fakeLab({ bootMs: (v, n) => 1000 + (v.get('B') === 'y' ? 300 : 0) + noise[n % noise.length]! });
    const r = await runBisect(request({ slowerThanMs: 1150, metric: 'host', maxRuns: 5 }), deps(lab));
    expect(r.culprits.map((c) => c.diffconfig)).toEqual([' B n -> y\n']);
    expect(lab.boots).toBeGreaterThanOrEqual(2 * r.tests);
  });

  it('rejects bad input with one error naming the file, before or without bisecting', async () => {
    const err = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    };
    const req = request();
    expect(await err(runBisect({ ...req, bad: req.good }, deps(fakeLab())))).toBe(
      `${req.good}: sets every symbol as ${req.good} does: nothing to bisect`,
    );
    expect(await err(runBisect({ ...req, good: join(dir, 'nope.config') }, deps(fakeLab())))).toBe(
      `${join(dir, 'nope.config')}: --good config file not found`,
    );
    // Swapped: the good one panics.
    const swapped = { ...req, good: req.bad, bad: req.good, out: join(dir, 'o2') };
    expect(await err(runBisect(swapped, deps(fakeLab())))).toMatch(
      new RegExp(`^${req.bad}: the good config does not pass \\(boot-failed \\(panic\\)`),
    );
    // A run that could not start leaves no journal (or directory) behind: the fixed input is a new run.
    expect(existsSync(join(dir, 'o2'))).toBe(false);
    const lab = fakeLab({ bootMs: () => 900 });
    expect(await err(runBisect({ ...req, out: join(dir, 'o3'), slowerThanMs: 1000, metric: 'icount' }, deps(lab)))).toMatch(
      new RegExp(`^${req.bad}: the bad config does not fail \\(icount 900\\.0 ms .*--bad must fail the boot-time test`),
    );
    expect(await err(runBisect({ ...req, testScript: join(dir, 'no-test.sh') }, deps(fakeLab())))).toMatch(
      /no-test\.sh: --test script not found/,
    );
  });
});
