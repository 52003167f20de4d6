// `ktrim bisect` for real, through the built CLI: Debian's 6.1 tree, the tiny
// serial kernel's .config as the good config, and the bad one made from it
// with test/fixtures/bisect/bad.fragment (five harmless differences and
// BINFMT_ELF=n, which makes /init's busybox unrunnable: a panic at once).
// Real make olddefconfig and incremental builds, real qemu boots. Asserts the
// culprit, the number of configs built against log2 of the difference, that
// --resume builds nothing, the bad-input errors, the boot-time oracle
// (--slower-than-ms, icount) on test/fixtures/bisect/slow.fragment, that
// Ctrl-C during make and kill -9 during a boot leave no make or qemu behind,
// that --resume after kill -9 repeats no judged config, and that the source
// tree and the inputs are unchanged.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa, type ResultPromise } from 'execa';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianSource } from '../../src/build/source.js';
import { sourceIdentity } from '../../src/build/source-id.js';
import { mergeOnBase } from '../../src/build/config-request.js';
import { parseDotConfig } from '../../src/kconfig/dotconfig.js';
import { createLogger } from '../../src/ui/log.js';
import { tinyKernel, TINY_KERNEL_TIMEOUT_MS } from './helpers/tiny-kernel.js';
import { descendants, leftOf, processes, until, type Proc } from './helpers/processes.js';

const ktrim = (args: string[]) => execa(process.execPath, ['bin/ktrim', ...args], { reject: false, env: { NO_COLOR: '1' } });
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('E:'));
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

const FRAGMENT = join(process.cwd(), 'test/fixtures/bisect/bad.fragment');
const SLOW_FRAGMENT = join(process.cwd(), 'test/fixtures/bisect/slow.fragment');
const TOGETHER_FRAGMENT = join(process.cwd(), 'test/fixtures/bisect/together.fragment');
const TOGETHER_TEST = join(process.cwd(), 'test/fixtures/bisect/together-test.sh');
let slowFile: string | undefined;
const work = mkdtempSync(join(tmpdir(), 'ktrim-e2e-bisect-'));
const good = join(work, 'good.config');
const bad = join(work, 'bad.config');
let source: string;
let sourceIdBefore: string;
let inputHashes: Record<string, string>;

const common = () => ['--source', source, '--arch', 'x86_64', '--jobs', '2', '--timeout', '90'];
/** Build directories a test made in the cache for a config of its own: removed at the end. */
const ownBuilds: string[] = [];
afterAll(() => {
  for (const d of ownBuilds) for (const p of [d, `${d}.lock`]) rmSync(p, { recursive: true, force: true });
});

/** Start `node bin/ktrim ...` without waiting, collecting stderr as it comes. */
function start(args: string[]): { sub: ResultPromise; stderr: () => string } {
  let err = '';
  const sub = execa(process.execPath, ['bin/ktrim', ...args], { reject: false, env: { NO_COLOR: '1' }, buffer: false });
  sub.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  sub.stdout?.resume();
  return { sub, stderr: () => err };
}

/** The journal's records (every line must be a whole JSON record). */
const journalOf = (dir: string): { type: string; configHash?: string }[] =>
  readFileSync(join(dir, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const evaluations = (dir: string) => (existsSync(join(dir, 'journal.jsonl')) ? journalOf(dir).filter((j) => j.type === 'evaluation') : []);
/** The test runner's own process group: the interrupted ktrim lives in it, its children each in their own. */
const ownGroup = () => processes().find((p) => p.pid === process.pid)!.pgid;
/** The first uninterrupted run: what kill -9 and --resume must reproduce. */
let uninterrupted: { tests: number; diffconfig: string } | undefined;

beforeAll(async () => {
  const tiny = await tinyKernel();
  source = await ensureDebianSource('6.1', { logger: createLogger({ quiet: true }) });
  const goodText = readFileSync(tiny.config, 'utf8');
  writeFileSync(good, goodText);
  writeFileSync(bad, mergeOnBase(parseDotConfig(goodText, good), parseDotConfig(readFileSync(FRAGMENT, 'utf8'), FRAGMENT)));
  sourceIdBefore = (await sourceIdentity(source)).id;
  inputHashes = { good: sha(good), bad: sha(bad), fragment: sha(FRAGMENT), togetherTest: sha(TOGETHER_TEST) };
}, TINY_KERNEL_TIMEOUT_MS);

describe('ktrim bisect on the tiny kernel', () => {
  const out = join(work, 'out');

  it(
    'finds BINFMT_ELF=n among the differences in about log2 of them builds, and says nothing else is bad',
    async () => {
      const r = await ktrim(['bisect', ...common(), '--good', good, '--bad', bad, '--out', out, '--json']);
      expect(errorLines(r.stderr)).toEqual([]);
      expect(r.exitCode).toBe(0);
      const res = JSON.parse(r.stdout);
      expect(res.status).toBe('found');
      // BINFMT_ELF IKCONFIG RD_BZIP2 RD_LZ4 RD_LZO SGETMASK_SYSCALL (the prompt-less symbols that follow them are not split on).
      expect(res.initialDifference).toBe(6);
      expect(res.culprits).toHaveLength(1);
      expect(res.culprits[0].diffconfig).toBe(' BINFMT_ELF y -> n\n');
      expect(readFileSync(join(out, 'culprit-1.diffconfig'), 'utf8')).toBe(' BINFMT_ELF y -> n\n');
      // ELFCORE has no prompt: it goes with BINFMT_ELF (depends on it) and is never split on.
      expect(res.culprits[0].follows).toBe('-ELFCORE y\n');
      expect(res.end).toMatch(/passes without the culprit/);
      // good, bad, ⌈log2 6⌉ = 3 splits, and the bad config without the culprit (when not already built).
      expect(res.tests).toBeLessThanOrEqual(Math.ceil(Math.log2(6)) + 3);
      expect(res.builds).toBe(res.tests);
      expect(res.boots).toBe(res.tests);
      const [goodStep, badStep] = res.steps;
      expect(goodStep).toMatchObject({ role: 'good', verdict: 'good' });
      expect(badStep).toMatchObject({ role: 'bad', verdict: 'bad' });
      expect(badStep.why).toMatch(/panic/);
      expect(res.steps.filter((s: { role: string }) => s.role === 'residual').map((s: { verdict: string }) => s.verdict)).toEqual(['good']);
      const journal = readFileSync(join(out, 'journal.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(journal.filter((j) => j.type === 'evaluation')).toHaveLength(res.tests);
      // ktrim's Kconfig engine predicted every .config make olddefconfig wrote.
      expect(res.disagreements).toEqual([]);
      // BINFMT_ELF=n alone on the good config panics: a culprit on its own, no partner needed.
      expect(res.culprits[0]).toMatchObject({ together: false, verification: { verdict: 'bad' } });
      expect(res.notes).toEqual([]);
      uninterrupted = { tests: res.tests, diffconfig: res.culprits[0].diffconfig };
    },
    15 * 60 * 1000,
  );

  it(
    '--resume takes every verdict from the journal: no build, no boot, the same culprit',
    async () => {
      const r = await ktrim(['bisect', ...common(), '--good', good, '--bad', bad, '--out', out, '--resume']);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain('culprit 1: ');
      expect(r.stdout).toContain('  BINFMT_ELF y -> n\n');
      expect(r.stdout).toMatch(/config\(s\) judged: 0 build\(s\) \(0 ran make\), 0 boot\(s\), \d+ from the journal/);
      expect(r.stderr).not.toMatch(/qemu-system|make -C/);
    },
    5 * 60 * 1000,
  );

  it(
    'kill -9 during a boot leaves no qemu; --resume repeats no judged config and finds the same culprit',
    async () => {
      expect(uninterrupted).toBeDefined();
      const killed = join(work, 'out-kill9');
      const args = ['bisect', ...common(), '--good', good, '--bad', bad, '--out', killed];
      const k = start(args);
      // Two configs judged (good and bad: builds from the cache), the third one booting.
      const seen = await until(
        () => {
          if (evaluations(killed).length < 2) return undefined;
          const below = descendants(k.sub.pid!);
          return below.some((p) => /qemu-system/.test(p.argv[0] ?? '')) ? below : undefined;
        },
        3 * 60_000,
        () => `a qemu of the third judgement (stderr: ${k.stderr().slice(-2000)})`,
      );
      k.sub.kill('SIGKILL');
      expect((await k.sub).signal).toBe('SIGKILL');
      const before = evaluations(killed).map((e) => e.configHash);
      expect(before.length).toBeGreaterThanOrEqual(2);
      // The parent-death signal takes qemu down with ktrim.
      expect(
        await until(
          () => (leftOf(seen, ownGroup()).length ? undefined : true),
          10_000,
          () => 'qemu gone',
        ),
      ).toBe(true);

      const r = await ktrim([...args, '--resume', '--json']);
      expect(errorLines(r.stderr)).toEqual([]);
      expect(r.exitCode).toBe(0);
      const res = JSON.parse(r.stdout);
      expect(res.resumed).toBe(true);
      expect(res.culprits.map((c: { diffconfig: string }) => c.diffconfig)).toEqual([uninterrupted!.diffconfig]);
      expect(res.tests).toBe(uninterrupted!.tests);
      // Every config judged before the kill comes from the journal; only the others are built and booted.
      expect(res.fromJournal).toBe(before.length);
      expect(res.builds).toBe(res.tests - before.length);
      const after = evaluations(killed).map((e) => e.configHash);
      expect(after.slice(0, before.length)).toEqual(before);
      expect(new Set(after).size).toBe(after.length);
      expect(after).toHaveLength(res.tests);
    },
    6 * 60 * 1000,
  );

  it(
    'SIGINT during make: exit 130, one E: line, no make left, the journal intact',
    async () => {
      // A LOCALVERSION of this run's own: the good config is no cache hit, so judging it runs make.
      const own = `CONFIG_LOCALVERSION="-bisect-sigint-${randomUUID().slice(0, 8)}"\n`;
      const withOwn = (file: string, name: string) => {
        const path = join(work, name);
        writeFileSync(path, mergeOnBase(parseDotConfig(readFileSync(file, 'utf8'), file), parseDotConfig(own, 'localversion')));
        return path;
      };
      const out = join(work, 'out-sigint');
      const k = start([
        'bisect',
        ...common(),
        '--good',
        withOwn(good, 'good-own.config'),
        '--bad',
        withOwn(bad, 'bad-own.config'),
        '--out',
        out,
      ]);
      let seen: Proc[];
      try {
        seen = await until(
          () => {
            const below = descendants(k.sub.pid!);
            return below.some((p) => p.argv[0] === 'make') ? below : undefined;
          },
          3 * 60_000,
          () => `make under ktrim (stderr: ${k.stderr().slice(-2000)})`,
        );
      } finally {
        const dir = / O=(\S+)\/(?:kconfig|obj) /.exec(k.stderr())?.[1];
        if (dir) ownBuilds.push(dir);
      }
      k.sub.kill('SIGINT');
      const r = await k.sub;
      expect(r.exitCode).toBe(130);
      expect(errorLines(k.stderr())).toEqual(['E: interrupted by SIGINT']);
      // ktrim waits for its children before it exits: nothing of make's groups is left.
      expect(leftOf(seen, ownGroup())).toEqual([]);
      // The journal holds whole records, and no verdict on the interrupted build.
      expect(journalOf(out).map((j) => j.type)).toEqual(['start']);
    },
    5 * 60 * 1000,
  );

  it(
    'finds symbols that fail only together (a real --test): IKCONFIG, IKCONFIG_PROC and RD_LZO=n as one set, checked alone on good',
    async () => {
      const together = join(work, 'together.config');
      writeFileSync(
        together,
        mergeOnBase(
          parseDotConfig(readFileSync(good, 'utf8'), good),
          parseDotConfig(readFileSync(TOGETHER_FRAGMENT, 'utf8'), TOGETHER_FRAGMENT),
        ),
      );
      const out = join(work, 'out-together');
      const r = await ktrim(['bisect', ...common(), '--good', good, '--bad', together, '--test', TOGETHER_TEST, '--out', out, '--json']);
      expect(errorLines(r.stderr)).toEqual([]);
      expect(r.exitCode).toBe(0);
      const res = JSON.parse(r.stdout);
      expect(res.initialDifference).toBe(6);
      expect(res.culprits).toHaveLength(1);
      const [c] = res.culprits;
      // One diffconfig with the whole set.
      expect(c.diffconfig).toBe(' IKCONFIG n -> y\n+IKCONFIG_PROC y\n RD_LZO y -> n\n');
      expect(readFileSync(join(out, 'culprit-1.diffconfig'), 'utf8')).toBe(c.diffconfig);
      // RD_LZO=n and /proc/config.gz each pass alone; IKCONFIG comes in because IKCONFIG_PROC depends on it.
      expect(c.together).toBe(true);
      expect(c.parts).toContainEqual({ diffconfig: ' IKCONFIG n -> y\n', dependency: true });
      const verify = res.steps.filter((s: { role: string }) => s.role === 'verify');
      expect(verify[0]).toMatchObject({ verdict: 'good', why: expect.stringMatching(/test passed/) });
      expect(verify.at(-1)).toMatchObject({ label: 'check: good + only IKCONFIG, IKCONFIG_PROC, RD_LZO from bad', verdict: 'bad' });
      expect(verify.at(-1).why).toMatch(/FAIL|test/);
      expect(c.verification.verdict).toBe('bad');
      // The bad config without the set passes: nothing else is bad.
      expect(res.end).toBe('the bad config passes without the culprits: nothing else is bad');
      expect(res.notes).toEqual([]);
      expect(res.disagreements).toEqual([]);
    },
    // Cold cache: seven one-symbol rebuilds (about 2.5 min each on a loaded 2-core machine); warm: boots only.
    30 * 60 * 1000,
  );

  it(
    'refuses a good config that fails, and a bad one equal to the good one, with one E: line naming the file',
    async () => {
      const swapped = await ktrim(['bisect', ...common(), '--good', bad, '--bad', good, '--out', join(work, 'out2')]);
      expect(swapped.exitCode).toBe(1);
      expect(errorLines(swapped.stderr)).toEqual([
        expect.stringMatching(
          new RegExp(`^E: ${bad}: the good config does not pass \\(boot-failed \\(panic\\).*--good must pass the build and boot$`),
        ),
      ]);
      const same = await ktrim(['bisect', ...common(), '--good', good, '--bad', good, '--out', join(work, 'out3')]);
      expect(same.exitCode).toBe(1);
      expect(errorLines(same.stderr)).toEqual([`E: ${good}: sets every symbol as ${good} does: nothing to bisect`]);
    },
    5 * 60 * 1000,
  );

  it(
    'with --slower-than-ms on the icount metric, finds the symbol that makes the boot slower',
    async () => {
      const slow = join(work, 'slow.config');
      writeFileSync(
        slow,
        mergeOnBase(parseDotConfig(readFileSync(good, 'utf8'), good), parseDotConfig(readFileSync(SLOW_FRAGMENT, 'utf8'), SLOW_FRAGMENT)),
      );
      // Halfway between the two boots (about 340 and 480 ms of guest time to /init).
      const r = await ktrim([
        'bisect',
        ...common(),
        '--good',
        good,
        '--bad',
        slow,
        '--out',
        join(work, 'out-slow'),
        '--slower-than-ms',
        '410',
        '--metric',
        'icount',
        '--json',
      ]);
      expect(errorLines(r.stderr)).toEqual([]);
      const res = JSON.parse(r.stdout);
      expect(res.culprits.map((c: { diffconfig: string }) => c.diffconfig)).toEqual([' CRC32_SELFTEST n -> y\n']);
      // Deterministic metric: one boot per config.
      expect(res.boots).toBe(res.tests);
      const times = res.steps.map((s: { why: string }) => Number(/^icount ([\d.]+) ms over 1 boot\(s\)/.exec(s.why)?.[1]));
      const [goodMs, badMs] = times;
      expect(goodMs).toBeLessThan(410);
      expect(badMs).toBeGreaterThan(410);
      expect(res.tests).toBe(2);
      expect(res.end).toBe('the culprit is the whole difference');
      inputHashes.slow = sha(slow);
      slowFile = slow;
    },
    10 * 60 * 1000,
  );

  it('leaves the kernel tree and the input configs unchanged', async () => {
    expect((await sourceIdentity(source)).id).toBe(sourceIdBefore);
    const now: Record<string, string> = { good: sha(good), bad: sha(bad), fragment: sha(FRAGMENT), togetherTest: sha(TOGETHER_TEST) };
    if (slowFile) now.slow = sha(slowFile);
    expect(now).toEqual(inputHashes);
  });
});
