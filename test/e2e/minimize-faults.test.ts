// `ktrim minimize` under faults (issue 10 §6), with real make on Debian's
// linux-source-6.1 and real qemu (-icount), through the built CLI. The start
// config is the tiny kernel's .config; the candidates come from
// test/fixtures/minimize/faults/catalog, each faulting for real:
//  - INITRAMFS_SOURCE="/nonexistent/ktrim-e2e-faults" fails to build:
//    usr/gen_initramfs.sh cannot open it and make stops with an error (a
//    config fault, so the run keeps the tiny kernel's compiler and reuses
//    its objects: a --cc wrapper would recompile the whole kernel);
//  - PROC_PAGE_MONITOR off hangs: the --test script (needs-smaps.sh) sleeps
//    forever without /proc/self/smaps, until ktrim's --timeout kills qemu;
//  - RD_LZ4 off boots, but the test SIGKILLs its qemu mid-boot;
//  - LEGACY_PTYS off saves ~20 ms and is kept all the same.
// Then SIGINT to ktrim while make compiles (exit 130, nothing left running,
// the journal whole, --resume finishes without repeating an evaluation),
// and an --out that cannot be created (one E: line, nothing built).
// The start config is the tiny one with LOCALVERSION -ktrim-e2e-faults and
// RD_LZO off: its kernels say whose they are, and no other test builds them;
// they start from the tiny kernel's objects (2 symbols differ).
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execa } from 'execa';
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { cacheRoot } from '../../src/cache.js';
import { ensureDebianSource } from '../../src/build/source.js';
import { createLogger } from '../../src/ui/log.js';
import { tinyKernel, TINY_KERNEL_TIMEOUT_MS } from './helpers/tiny-kernel.js';
import { errorLines, minimizeArgs, records, sha, treeChanges, type JournalLine } from './helpers/minimize.js';
import { descendants, leftOf, processes, until, type Proc } from './helpers/processes.js';

const repo = process.cwd();
const faults = join(repo, 'test', 'fixtures', 'minimize', 'faults');
const catalog = join(faults, 'catalog');
const env = {
  NO_COLOR: '1',
  CI: '1',
};
const ktrim = (args: string[]) => execa(process.execPath, ['bin/ktrim', ...args], { reject: false, env });
/** Seconds before a boot counts as hung: ~4x a loaded icount boot of the tiny kernel (11-15 s). */
const TIMEOUT_S = 60;

const work = mkdtempSync(join(tmpdir(), 'ktrim-e2e-faults-'));
const start = join(work, 'start.config');
let source: string;
let stamp: string;
/** Cache build directories of configs of this test's own (unique per run): removed at the end. */
const ownBuilds: string[] = [];
afterAll(() => {
  for (const d of [...ownBuilds, work]) rmSync(d, { recursive: true, force: true });
});

beforeAll(async () => {
  const b = await tinyKernel();
  source = await ensureDebianSource('6.1', { logger: createLogger({ quiet: true }) });
  const tiny = readFileSync(b.config, 'utf8');
  expect(tiny).toMatch(/^CONFIG_LOCALVERSION=""$/m);
  expect(tiny).toMatch(/^CONFIG_RD_LZO=y$/m);
  writeFileSync(
    start,
    tiny
      .replace(/^CONFIG_LOCALVERSION=""$/m, 'CONFIG_LOCALVERSION="-ktrim-e2e-faults"')
      .replace(/^CONFIG_RD_LZO=y$/m, '# CONFIG_RD_LZO is not set'),
  );
  stamp = join(work, 'stamp');
  writeFileSync(stamp, '');
}, TINY_KERNEL_TIMEOUT_MS);

const args = (config: string, out: string, cat: string, tag: string) => [
  ...minimizeArgs(source, config, TIMEOUT_S),
  '--out',
  out,
  '--candidates',
  'catalog',
  '--catalog',
  cat,
  '--runs',
  '1',
  '--min-saving-ms',
  '10',
  '--test',
  join(faults, 'needs-smaps.sh'),
  // The tag names this run's qemu in /proc.
  '--append',
  `loglevel=6 ktrim.tag=${tag}`,
  '--json',
];

/** The journal's records so far, read while ktrim appends to it (a torn last line is left out). */
function journalSoFar(out: string): JournalLine[] {
  const file = join(out, 'journal.jsonl');
  if (!existsSync(file)) return [];
  const recs: JournalLine[] = [];
  for (const l of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    try {
      recs.push(JSON.parse(l) as JournalLine);
    } catch {
      break;
    }
  }
  return recs;
}

const qemusOf = (tag: string) =>
  processes().filter((p) => /qemu-system-x86_64$/.test(p.argv[0] ?? '') && p.argv.some((a) => a.includes(`ktrim.tag=${tag}`)));

/** The raw console log of the latest boot in <out>/boots (boot-PID-N-...: the highest N). */
function latestConsole(out: string): string {
  const dir = join(out, 'boots');
  if (!existsSync(dir)) return '';
  const n = (f: string) => Number(/^boot-\d+-(\d+)-/.exec(f)?.[1] ?? -1);
  const last = readdirSync(dir)
    .filter((f) => f.endsWith('.console.log'))
    .sort((a, b) => n(a) - n(b))
    .pop();
  return last ? readFileSync(join(dir, last), 'latin1') : '';
}

/** The evaluation of one candidate alone, and the records of its config. */
function evaluationOf(recs: JournalLine[], id: string) {
  const ev = recs.filter((r) => r.type === 'evaluation' && r.trial?.join() === id);
  expect(ev).toHaveLength(1);
  const hash = ev[0].configHash!;
  return {
    verdict: ev[0].verdict!,
    builds: recs.filter((r) => r.type === 'build' && r.configHash === hash),
    boots: recs.filter((r) => r.type === 'boot' && r.configHash === hash),
  };
}

describe('ktrim minimize survives faults of real components', () => {
  it(
    'a build error, a boot hung until --timeout and qemu killed from outside reject their candidates; the run goes on, keeps LEGACY_PTYS off and exits 0',
    async () => {
      const configHash = sha(start);
      const tag = randomUUID().slice(0, 8);
      const out = join(work, 'faults');
      const run = execa(process.execPath, ['bin/ktrim', ...args(start, out, catalog, tag)], { reject: false, env });
      let ended = false;
      void run.then(() => (ended = true));
      const alive = <T>(v: T | undefined): T | undefined => {
        if (ended) throw new Error('minimize ended before the qemu of catalog:rd_lz4 could be killed');
        return v;
      };

      // Kill the qemu of RD_LZ4 off from outside once its kernel is booting: its kernel is the one the journal built for it.
      const kernel = await until(
        () => alive(journalSoFar(out).find((r) => r.type === 'build' && r.ok && r.why === 'catalog:rd_lz4')?.kernel),
        20 * 60_000,
        () => 'the build of catalog:rd_lz4',
      );
      const qemu = await until(
        () => alive(qemusOf(tag).find((p) => p.argv.includes(kernel))),
        5 * 60_000,
        () => `a qemu booting ${kernel}`,
      );
      await until(
        () => alive(latestConsole(out).includes('Linux version') || undefined),
        2 * 60_000,
        () => 'the kernel banner of the catalog:rd_lz4 boot',
      );
      process.kill(qemu.pid, 'SIGKILL');
      const r = await run;
      expect(r.exitCode).toBe(0);
      expect(errorLines(r.stderr)).toEqual([]);
      expect(qemusOf(tag)).toEqual([]);

      const res = JSON.parse(r.stdout);
      const byId = Object.fromEntries(res.decisions.map((d: { id: string }) => [d.id, d]));
      // (a) make stopped on the compiler's error: the candidate is rejected with make's first error.
      expect(byId['catalog:initramfs_source']).toMatchObject({ decision: 'rejected' });
      expect(byId['catalog:initramfs_source'].why).toMatch(/^build failed: make bzImage failed \(make exit 2\)/);
      // (b) the --test script hung: qemu killed at --timeout, the last console line is the script's.
      expect(byId['catalog:proc_page_monitor']).toMatchObject({ decision: 'rejected' });
      expect(byId['catalog:proc_page_monitor'].why).toBe(
        `boot failed: timeout: no end marker within ${TIMEOUT_S} s (last console line: "no /proc/self/smaps: hanging")`,
      );
      // (c) qemu died of our SIGKILL before the end marker.
      expect(byId['catalog:rd_lz4']).toMatchObject({ decision: 'rejected' });
      expect(byId['catalog:rd_lz4'].why).toMatch(/^boot failed: exit: qemu exited \(SIGKILL\) before the end marker/);
      // The other candidate's decision stands, and the outputs say so.
      expect(byId['catalog:legacy_ptys']).toMatchObject({ decision: 'kept' });
      expect(byId['catalog:legacy_ptys'].savingMs).toBeGreaterThanOrEqual(10);
      expect(res.kept).toEqual(['catalog:legacy_ptys']);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      expect(report.decisions).toEqual(res.decisions);
      const trimmed = readFileSync(join(out, 'trimmed.config'), 'utf8');
      expect(trimmed).toContain('# CONFIG_LEGACY_PTYS is not set\n');
      for (const kept of ['CONFIG_INITRAMFS_SOURCE=""', 'CONFIG_PROC_PAGE_MONITOR=y', 'CONFIG_RD_LZ4=y'])
        expect(trimmed).toContain(`${kept}\n`);

      // The journal: every line a whole record, one evaluation per candidate, nothing that failed tried twice.
      const recs = records(out);
      const evals = recs.filter((x) => x.type === 'evaluation').map((x) => x.configHash);
      expect(evals).toHaveLength(4);
      expect(new Set(evals).size).toBe(4);
      const broken = evaluationOf(recs, 'catalog:initramfs_source');
      expect(broken.verdict).toMatchObject({ kind: 'broken', stage: 'build' });
      expect(broken.builds).toEqual([expect.objectContaining({ ok: false })]);
      expect(broken.builds[0].detail).toMatch(/Cannot open '\/nonexistent\/ktrim-e2e-faults'|usr\/initramfs_data\.cpio\] Error 1/);
      expect(broken.boots).toEqual([]);
      const hang = evaluationOf(recs, 'catalog:proc_page_monitor');
      expect(hang.verdict).toMatchObject({ kind: 'broken', stage: 'boot' });
      expect(hang.boots).toEqual([expect.objectContaining({ ok: false, kind: 'boot-failed', ending: 'timeout' })]);
      expect(readFileSync(hang.boots[0].logs!.console!, 'latin1')).toContain('no /proc/self/smaps: hanging');
      const killed = evaluationOf(recs, 'catalog:rd_lz4');
      expect(killed.verdict).toMatchObject({ kind: 'broken', stage: 'boot' });
      expect(killed.boots).toEqual([expect.objectContaining({ ok: false, ending: 'exit' })]);
      expect(killed.boots[0].detail).toMatch(/qemu exited \(SIGKILL\)/);
      expect(killed.builds[0].kernel).toBe(kernel);

      // The user's inputs are untouched.
      expect(sha(start)).toBe(configHash);
      expect(await treeChanges(source, stamp)).toEqual([]);
    },
    30 * 60 * 1000,
  );

  it(
    'SIGINT while make compiles: exit 130, one E: line, no make, compiler or qemu left, the journal whole; --resume finishes and repeats no evaluation',
    async () => {
      // INITRAMFS_SOURCE (its build fails: a finished evaluation), then RD_LZ4 off alone on the start config: a build no other
      // run keeps (removed below, and before in case a crashed run left it), so make really compiles when SIGINT comes.
      const cat = join(work, 'sigint-catalog');
      mkdirSync(cat);
      for (const f of ['initramfs_source.config', 'rd_lz4.config']) copyFileSync(join(catalog, f), join(cat, f));
      const rdLz4Alone = (dir: string) => {
        const cfg = join(dir, 'obj', '.config');
        const text = existsSync(join(dir, 'result.json')) && existsSync(cfg) ? readFileSync(cfg, 'utf8') : '';
        return (
          text.includes('CONFIG_LOCALVERSION="-ktrim-e2e-faults"') &&
          /^# CONFIG_RD_LZ4 is not set$/m.test(text) &&
          /^CONFIG_LEGACY_PTYS=y$/m.test(text)
        );
      };
      const root = join(cacheRoot(), 'builds');
      for (const src of existsSync(root) ? readdirSync(root) : [])
        for (const d of readdirSync(join(root, src)))
          if (rdLz4Alone(join(root, src, d))) rmSync(join(root, src, d), { recursive: true, force: true });
      const out = join(work, 'sigint');
      const tag = randomUUID().slice(0, 8);
      const argv = args(start, out, cat, tag);
      const run = execa(process.execPath, ['bin/ktrim', ...argv], { reject: false, env });
      let ended = false;
      void run.then(() => (ended = true));
      // After the first evaluation (INITRAMFS_SOURCE: build failed), while make builds RD_LZ4 off: a CC line in its log.
      await until(
        () => {
          if (ended) throw new Error('minimize ended before it was interrupted');
          if (!journalSoFar(out).some((x) => x.type === 'evaluation')) return undefined;
          const make = descendants(run.pid!).find((p) => basename(p.argv[0] ?? '') === 'make' && p.argv.includes('bzImage'));
          const dir = make?.argv.find((a) => a.startsWith('O='))?.slice(2);
          if (!dir || !existsSync(join(dir, '..', 'build.log'))) return undefined;
          const log = readFileSync(join(dir, '..', 'build.log'), 'latin1');
          return /^\s+CC\s/m.test(log.slice(log.lastIndexOf('\n$ '))) || undefined;
        },
        20 * 60_000,
        () => 'make compiling catalog:rd_lz4',
      );
      const seen: Proc[] = descendants(run.pid!);
      expect(seen.map((p) => basename(p.argv[0] ?? ''))).toContain('make');
      run.kill('SIGINT');
      const r1 = await run;
      expect(r1.exitCode).toBe(130);
      expect(errorLines(r1.stderr)).toEqual(['E: interrupted by SIGINT']);
      // Nothing of the run is left: not the processes seen, nor anything of their process groups (make's compilers).
      const runner = processes().find((p) => p.pid === process.pid)!.pgid;
      let left: Proc[] = [];
      await until(
        () => ((left = leftOf(seen, runner)).length === 0 ? true : undefined),
        2000,
        () => `left running: ${left.map((p) => `${p.pid} ${p.argv.join(' ')}`).join('; ')}`,
      );
      expect(qemusOf(tag)).toEqual([]);
      // Every line of the journal is a whole record; the failed build of INITRAMFS_SOURCE is in it, RD_LZ4 off's build is not.
      const before = records(out);
      const doneBefore = before.filter((x) => x.type === 'evaluation').map((x) => x.configHash);
      expect(doneBefore).toHaveLength(1);
      expect(evaluationOf(before, 'catalog:initramfs_source').verdict).toMatchObject({ kind: 'broken', stage: 'build' });
      expect(before.filter((x) => x.type === 'build' && x.why === 'catalog:rd_lz4')).toEqual([]);

      const r2 = await ktrim([...argv, '--resume']);
      const rdBuild = records(out).find((x) => x.type === 'build' && x.why === 'catalog:rd_lz4');
      if (rdBuild?.buildDir) ownBuilds.push(rdBuild.buildDir);
      expect(r2.exitCode).toBe(0);
      expect(errorLines(r2.stderr)).toEqual([]);
      expect(r2.stderr).toMatch(/^I: evaluation of catalog:initramfs_source from the journal: broken$/m);
      expect(r2.stderr).toMatch(/resuming the unfinished build in \S+\/obj$/m);
      const res = JSON.parse(r2.stdout);
      const byId = Object.fromEntries(res.decisions.map((d: { id: string }) => [d.id, d]));
      expect(byId['catalog:initramfs_source'].why).toMatch(/^build failed: make bzImage failed/);
      expect(byId['catalog:rd_lz4']).toMatchObject({ decision: 'rejected' });
      expect(byId['catalog:rd_lz4'].why).toMatch(/^not faster: /);
      const after = records(out);
      const evals = after.filter((x) => x.type === 'evaluation').map((x) => x.configHash);
      expect(evals).toHaveLength(2);
      expect(evals[0]).toBe(doneBefore[0]);
      expect(new Set(evals).size).toBe(2);
      // The failed build is not retried after the resume: one build record of INITRAMFS_SOURCE over both runs.
      expect(evaluationOf(after, 'catalog:initramfs_source').builds).toHaveLength(1);
      expect(rdBuild).toMatchObject({ ok: true, cacheHit: false });
      const builds = after.filter((x) => x.type === 'build').map((x) => x.configHash);
      expect(new Set(builds).size).toBe(builds.length);
    },
    30 * 60 * 1000,
  );

  it.each([
    ['below a regular file', () => join(stamp, 'out'), /cannot create the output directory \(ENOTDIR\)$/],
    ['under /proc', () => '/proc/ktrim-e2e-out', /cannot create the output directory \(ENOENT: \/proc takes no new directories\)$/],
  ])(
    'an --out %s that cannot be created: one E: line, exit 1, nothing built',
    async (_what, dir, message) => {
      const out = dir();
      const r = await ktrim(args(start, out, catalog, 'unused'));
      expect(r.exitCode).toBe(1);
      expect(errorLines(r.stderr)).toEqual([expect.stringMatching(message)]);
      expect(errorLines(r.stderr)[0]).toContain(`E: ${out}: `);
      expect(r.stderr).not.toMatch(/^I: (build|\$ make|reading the Kconfig tree)/m);
      expect(existsSync(out)).toBe(false);
    },
    60_000,
  );
});
