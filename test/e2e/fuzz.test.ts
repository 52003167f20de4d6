/**
 * Fuzzing the input verbs over mutations of the real fixtures (issue 7 §5):
 * boot logs for `report` in every format and `--compare`, .config files for
 * `diff` and `kconfig olddefconfig` (with fragments, and now and then a
 * mutated Kconfig file), through the functions the commands call, and a
 * smaller number through the real CLI. Every case must end with a result
 * (exit 0) or one typed input error (exit 1, one `E:` line): never a stack
 * trace, "internal error", a hang or exit 2. Fixed seeds: a failure names a
 * case that reproduces (its inputs are kept under .ktrim-tmp/fuzz-failures).
 *
 * The long run (≥ 100,000 cases) is bench/fuzz.bench.mjs.
 */
import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  caseArbitrary,
  cliArgs,
  cliViolation,
  describeCase,
  keepFailure,
  loadSeeds,
  ROOT,
  runCli,
  runInProcess,
  type FuzzCase,
} from '../helpers/fuzz.mjs';
import { runReport } from '../../src/commands/report.js';
import { readDotConfigFile } from '../../src/commands/diff.js';
import { readWarnings } from '../../src/commands/kconfig.js';
import { createLogger } from '../../src/ui/log.js';
import { KtrimError } from '../../src/errors.js';
import { diffConfigs, formatDiffconfig, formatDiffconfigMerge, summarizeDiff } from '../../src/kconfig/diffconfig.js';
import { parseDotConfig } from '../../src/kconfig/dotconfig.js';
import { mergeFragments } from '../../src/kconfig/merge.js';
import { loadKconfigSync } from '../../src/kconfig/tree.js';
import { olddefconfig } from '../../src/kconfig/confdata.js';
import { writeConfig } from '../../src/kconfig/write.js';

const api = {
  runReport,
  createLogger,
  KtrimError,
  readDotConfigFile,
  diffConfigs,
  formatDiffconfig,
  formatDiffconfigMerge,
  summarizeDiff,
  parseDotConfig,
  mergeFragments,
  loadKconfigSync,
  olddefconfig,
  writeConfig,
  readWarnings,
};

const IN_PROCESS_SEED = 20261201;
const IN_PROCESS_RUNS = Number(process.env.KTRIM_FUZZ_RUNS ?? 600);
const CLI_SEED = 7105;
const CLI_RUNS = 48;
// About a minute of CPU in all on two idle cores; the timeouts only catch a
// hang, with room for a machine busy with other builds (a CLI case is
// declared hung after 5 minutes).
const TIMEOUT = 20 * 60_000;
const CLI_CASE_TIMEOUT = 5 * 60_000;

const seeds = loadSeeds();
const FAILURES = join(ROOT, '.ktrim-tmp/fuzz-failures');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ktrim-fuzz-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Failure {
  case: string;
  message: string;
  kept: string;
}

function fail(c: FuzzCase, message: string, n: number): Failure {
  const kept = keepFailure(seeds, c, join(FAILURES, `case-${n}`));
  return { case: describeCase(c).slice(0, 600), message, kept };
}

describe('fuzz: mutated real fixtures', () => {
  it(
    `${IN_PROCESS_RUNS} cases in-process (report in every format, --compare, diff, olddefconfig)`,
    async () => {
      const failures: Failure[] = [];
      const outcomes: Record<string, number> = {};
      let n = 0;
      await fc.assert(
        fc.asyncProperty(caseArbitrary(fc, seeds), async (c) => {
          const caseDir = join(dir, `in-${n++}`);
          const key = `${c.verb}${'format' in c ? ` ${c.format}` : ''}`;
          try {
            const r = await runInProcess(api, seeds, c, caseDir);
            outcomes[`${key}: ${r.outcome}`] = (outcomes[`${key}: ${r.outcome}`] ?? 0) + 1;
          } catch (err) {
            failures.push(fail(c, (err as Error).message, n));
          } finally {
            rmSync(caseDir, { recursive: true, force: true });
          }
          return true;
        }),
        { seed: IN_PROCESS_SEED, numRuns: IN_PROCESS_RUNS, endOnFailure: true },
      );
      expect(failures).toEqual([]);
      // The mutations must leave most inputs usable, or the fuzzer tests only the error paths.
      const ok = Object.entries(outcomes)
        .filter(([k]) => k.endsWith(': ok'))
        .reduce((t, [, v]) => t + v, 0);
      expect(ok).toBeGreaterThan(IN_PROCESS_RUNS * 0.3);
      for (const verb of ['report text', 'report json', 'report md', 'report svg', 'report html', 'compare text', 'diff', 'olddefconfig'])
        expect(outcomes[`${verb}: ok`] ?? 0).toBeGreaterThan(0);
    },
    TIMEOUT,
  );

  it(
    `${CLI_RUNS} cases through bin/ktrim: exit 0 with a result, or exit 1 with one E: line`,
    async () => {
      expect(existsSync(join(ROOT, 'dist/cli.js'))).toBe(true);
      // Kconfig files are not mutated here: the real CLI runs their $(shell,...) lines.
      const cases = fc
        .sample(caseArbitrary(fc, seeds), { seed: CLI_SEED, numRuns: CLI_RUNS })
        .map((c) => (c.verb === 'olddefconfig' ? { ...c, kconfigOps: [] } : c));
      const failures: Failure[] = [];
      const codes: Record<string, number> = {};
      // Two at a time: the machine has two cores.
      let next = 0;
      const worker = async () => {
        while (next < cases.length) {
          const i = next++;
          const c = cases[i];
          const caseDir = join(dir, `cli-${i}`);
          const r = await runCli(cliArgs(seeds, c, caseDir), CLI_CASE_TIMEOUT);
          codes[r.code] = (codes[r.code] ?? 0) + 1;
          const why = cliViolation(c, r, caseDir);
          if (why) failures.push(fail(c, why, 10_000 + i));
          rmSync(caseDir, { recursive: true, force: true });
        }
      };
      await Promise.all([worker(), worker()]);
      expect(failures).toEqual([]);
      expect(codes[0]).toBeGreaterThan(CLI_RUNS * 0.3);
    },
    TIMEOUT,
  );

  it('found by the long run: an unterminated $( in a Kconfig file is one E: line, not the rest of the file', () => {
    const dir0 = join(ROOT, 'test/fixtures/kconfig/basic');
    const top = join(dir0, 'Kconfig');
    const text = readFileSync(top, 'utf8').replace('$(warning-if,y,a warning)', '$(warning-if,y,a warning');
    let message = '';
    try {
      loadKconfigSync({
        srctree: dir0,
        env: { KERNELVERSION: '6.1.0' },
        shell: { run: () => 'LOUD  WORDS' },
        readFile: (p: string) => (p === top ? text : readFileSync(p, 'utf8')),
      });
    } catch (err) {
      expect(err).toBeInstanceOf(KtrimError);
      message = (err as Error).message;
    }
    expect(message).toBe("Kconfig:11: unterminated reference to 'warning-if,y,a warning…': missing ')'");
  });

  it(
    'the two inputs that crashed report before: a 6 MB name, one pair repeated 130,000 times',
    async () => {
      const name = 'x'.repeat(6 << 20);
      const pair = (i: number) => {
        const t = `1.${String(i).padStart(6, '0')}`;
        return `[    ${t}] calling  foo_init+0x0/0x10 @ 1\n[    ${t}] initcall foo_init+0x0/0x10 returned 0 after 5 usecs\n`;
      };
      const huge = join(dir, 'huge.log');
      writeFileSync(
        huge,
        `[    0.000000] Linux version 6.1.0 (a@b) #1\n[    1.000000] calling  ${name}+0x0/0x10 @ 1\n[    1.000100] initcall ${name}+0x0/0x10 returned 0 after 100 usecs\n` +
          Array.from({ length: 600 }, (_, i) => pair(i + 1)).join(''),
      );
      const repeated = join(dir, 'repeated.log');
      writeFileSync(
        repeated,
        `[    0.000000] Linux version 6.1.0 (a@b) #1\n` + Array.from({ length: 130_000 }, (_, i) => pair(i)).join(''),
      );
      for (const args of [
        [huge, '--format', 'text'],
        [huge, '--format', 'md', '--compare', huge],
        [repeated, '--format', 'text'],
      ]) {
        const r = await runCli(['report', ...args], CLI_CASE_TIMEOUT);
        // Before: heap out of memory (exit 134) / "Maximum call stack size exceeded" (exit 2).
        expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: expect.any(String) });
        expect(r.stdoutBytes).toBeGreaterThan(0);
        expect(r.stdoutBytes).toBeLessThan(2_000_000);
      }
    },
    TIMEOUT,
  );
});
