// `ktrim bisect` for real, through the built CLI: Debian's 6.1 tree, the tiny
// serial kernel's .config as the good config, and the bad one made from it
// with test/fixtures/bisect/bad.fragment (five harmless differences and
// BINFMT_ELF=n, which makes /init's busybox unrunnable: a panic at once).
// Real make olddefconfig and incremental builds, real qemu boots. Asserts the
// culprit, the number of configs built against log2 of the difference, that
// --resume builds nothing, the bad-input errors, the boot-time oracle
// (--slower-than-ms, icount) on test/fixtures/bisect/slow.fragment, and that the source tree
// and the inputs are unchanged.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianSource } from '../../src/build/source.js';
import { sourceIdentity } from '../../src/build/source-id.js';
import { mergeOnBase } from '../../src/build/config-request.js';
import { parseDotConfig } from '../../src/kconfig/dotconfig.js';
import { createLogger } from '../../src/ui/log.js';
import { tinyKernel, TINY_KERNEL_TIMEOUT_MS } from './helpers/tiny-kernel.js';

const ktrim = (args: string[]) => execa(process.execPath, ['bin/ktrim', ...args], { reject: false, env: { NO_COLOR: '1' } });
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('E:'));
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

const FRAGMENT = join(process.cwd(), 'test/fixtures/bisect/bad.fragment');
const SLOW_FRAGMENT = join(process.cwd(), 'test/fixtures/bisect/slow.fragment');
let slowFile: string | undefined;
const work = mkdtempSync(join(tmpdir(), 'ktrim-e2e-bisect-'));
const good = join(work, 'good.config');
const bad = join(work, 'bad.config');
let source: string;
let sourceIdBefore: string;
let inputHashes: Record<string, string>;

const common = () => ['--source', source, '--arch', 'x86_64', '--jobs', '2', '--timeout', '90'];

beforeAll(async () => {
  const tiny = await tinyKernel();
  source = await ensureDebianSource('6.1', { logger: createLogger({ quiet: true }) });
  const goodText = readFileSync(tiny.config, 'utf8');
  writeFileSync(good, goodText);
  writeFileSync(bad, mergeOnBase(parseDotConfig(goodText, good), parseDotConfig(readFileSync(FRAGMENT, 'utf8'), FRAGMENT)));
  sourceIdBefore = (await sourceIdentity(source)).id;
  inputHashes = { good: sha(good), bad: sha(bad), fragment: sha(FRAGMENT) };
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
      expect(res.end).toBe('the culprits are the whole difference');
      inputHashes.slow = sha(slow);
      slowFile = slow;
    },
    10 * 60 * 1000,
  );

  it('leaves the kernel tree and the input configs unchanged', async () => {
    expect((await sourceIdentity(source)).id).toBe(sourceIdBefore);
    const now: Record<string, string> = { good: sha(good), bad: sha(bad), fragment: sha(FRAGMENT) };
    if (slowFile) now.slow = sha(slowFile);
    expect(now).toEqual(inputHashes);
  });
});
