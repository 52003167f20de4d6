// kill -9 of ktrim leaves nothing running: the parent-death signal takes qemu
// and make down with it, and the next run reaps what is left of their process
// groups from the registry under the cache (src/children.ts). Real processes:
// a node process using the built src/process.ts, a real boot, a real build.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { cacheRoot } from '../../src/cache.js';
import { ensureDebianSource } from '../../src/build/source.js';
import { processes } from './helpers/processes.js';
import { TINY_FRAGMENT, TINY_KERNEL_TIMEOUT_MS, tinyKernel } from './helpers/tiny-kernel.js';

const repo = process.cwd();
const work = mkdtempSync(join(tmpdir(), 'ktrim-e2e-kill9-'));
const cleanup: string[] = [work];
afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

/** Poll until `find()` returns nothing or the deadline passes; returns what is still there. */
async function goneWithin<T>(find: () => T[], deadlineMs: number): Promise<T[]> {
  const end = performance.now() + deadlineMs;
  for (;;) {
    const left = find();
    if (left.length === 0 || performance.now() > end) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Poll until `cond()` holds; false at the deadline. */
async function until(cond: () => boolean, deadlineMs: number): Promise<boolean> {
  return (await goneWithin(() => (cond() ? [] : [false]), deadlineMs)).length === 0;
}

/** Resolve once `test` holds on the text read from `read()` (polled), or reject at the deadline. */
async function appears(read: () => string, test: (text: string) => boolean, deadlineMs: number, what: string): Promise<string> {
  const end = performance.now() + deadlineMs;
  for (;;) {
    const text = read();
    if (test(text)) return text;
    if (performance.now() > end) throw new Error(`${what} never appeared; last text: ${text.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const readOr = (file: string) => {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return '';
  }
};

/** Start `node bin/ktrim ...`, collecting stderr as it comes. */
function startKtrim(args: string[], env: Record<string, string> = {}): { sub: ResultPromise; stderr: () => string } {
  let err = '';
  const sub = execa(process.execPath, ['bin/ktrim', ...args], { reject: false, env: { NO_COLOR: '1', ...env }, buffer: false });
  sub.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  sub.stdout?.resume();
  return { sub, stderr: () => err };
}

describe('kill -9 of a process that started children (dist/process.js)', () => {
  // A stand-in for ktrim: starts children with startChild and prints their pids.
  const script = (cmd: string) =>
    `import { startChild } from ${JSON.stringify(join(repo, 'dist/process.js'))};\n` +
    `const c = startChild(${cmd}, { onLine: (l) => console.log('line', l.text) });\n` +
    `console.log('child', c.pid);\n` +
    `await c.done;\n`;

  it('takes a direct child down at once (parent-death signal)', async () => {
    const tag = `ktrim-kill9-${randomUUID().slice(0, 8)}`;
    const cache = mkdtempSync(join(work, 'cache-'));
    const parent = execa(process.execPath, ['--input-type=module', '-e', script(`['bash', '-c', 'exec -a ${tag} sleep 300']`)], {
      reject: false,
      env: { KTRIM_CACHE: cache },
      buffer: false,
    });
    let out = '';
    parent.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const pid = Number(
      /^child (\d+)$/m.exec(
        await appears(
          () => out,
          (t) => /^child \d+$/m.test(t),
          10_000,
          'the child pid',
        ),
      )![1],
    );
    const ours = () => processes().filter((p) => p.argv[0] === tag);
    expect(await until(() => ours().length > 0, 5000)).toBe(true); // exec done: argv[0] is the tag
    expect(ours().map((p) => p.pid)).toEqual([pid]);
    // The registry holds it while it runs.
    expect(readdirSync(join(cache, 'children'))).toEqual([expect.stringMatching(new RegExp(`^${pid}-\\d+\\.json$`))]);
    parent.kill('SIGKILL');
    await parent;
    expect(await goneWithin(ours, 2000)).toEqual([]);
  });

  it('the next run reaps the grandchildren left in the group of a killed run, and only those', async () => {
    const tag = `ktrim-kill9-${randomUUID().slice(0, 8)}`;
    const cache = mkdtempSync(join(work, 'cache-'));
    // A grandchild that the parent-death signal does not reach (like make's compilers).
    const parent = execa(
      process.execPath,
      ['--input-type=module', '-e', script(`['bash', '-c', '(exec -a ${tag} sleep 300) & echo $!; wait']`)],
      {
        reject: false,
        env: { KTRIM_CACHE: cache },
        buffer: false,
      },
    );
    let out = '';
    parent.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await appears(
      () => out,
      (t) => /^line \d+$/m.test(t) && /^child \d+$/m.test(t),
      10_000,
      'the pids',
    );
    const grandchild = Number(/^line (\d+)$/m.exec(out)![1]);
    const shell = Number(/^child (\d+)$/m.exec(out)![1]);
    // An unrelated process with the same argv, outside the group: must survive.
    const bystander = execa('bash', ['-c', `exec -a ${tag} sleep 300`], { reject: false, detached: true });
    const ours = () => processes().filter((p) => p.argv[0] === tag);
    expect(await until(() => ours().length === 2, 5000)).toBe(true);
    parent.kill('SIGKILL');
    await parent;
    // The shell died with its parent; its background sleep lives on in the group.
    expect(await goneWithin(() => processes().filter((p) => p.pid === shell), 2000)).toEqual([]);
    expect(ours().map((p) => p.pid)).toContain(grandchild);
    // The next run (any child started) reaps it, with one W: line.
    const next = await execa(process.execPath, ['--input-type=module', '-e', script(`['true']`)], {
      reject: false,
      env: { KTRIM_CACHE: cache },
    });
    expect(next.exitCode).toBe(0);
    expect(next.stderr).toMatch(/^W: killed 1 process\(es\) left by ktrim pid \d+, which died without cleaning up: bash -c /m);
    expect(await goneWithin(() => ours().filter((p) => p.pid === grandchild), 2000)).toEqual([]);
    expect(ours().map((p) => p.pid)).toEqual([bystander.pid]);
    expect(readdirSync(join(cache, 'children'))).toEqual([]);
    bystander.kill('SIGKILL');
    await bystander;
  });
});

describe('kill -9 of ktrim boot and ktrim build', () => {
  let kernel: string;
  beforeAll(async () => {
    kernel = (await tinyKernel()).bzImage;
  }, TINY_KERNEL_TIMEOUT_MS);

  it(
    'boot: no qemu of the run is left 2 s after kill -9 mid-test',
    async () => {
      const tag = randomUUID().slice(0, 8);
      const hang = join(work, 'hang.sh');
      writeFileSync(hang, 'echo about to hang\nsleep 100000\n');
      const logs = mkdtempSync(join(work, 'logs-'));
      const k = startKtrim([
        'boot',
        '--kernel',
        kernel,
        '--runs',
        '1',
        '--warmup',
        '0',
        '--test',
        hang,
        '--timeout',
        '300',
        '--keep-logs',
        logs,
        '--append',
        `loglevel=6 ktrim.tag=${tag}`,
      ]);
      const qemus = () =>
        processes().filter((p) => /qemu-system-x86_64$/.test(p.argv[0] ?? '') && p.argv.some((a) => a.includes(`ktrim.tag=${tag}`)));
      // The guest is up and running the hanging script: its line is in the raw console log.
      const consoleLog = () =>
        readdirSync(logs)
          .filter((f) => f.endsWith('.console.log'))
          .map((f) => readOr(join(logs, f)))
          .join('');
      await appears(consoleLog, (t) => t.includes('about to hang'), 240_000, `"about to hang" (stderr: ${k.stderr()})`);
      expect(qemus()).toHaveLength(1);
      k.sub.kill('SIGKILL');
      const r = await k.sub;
      expect(r.signal).toBe('SIGKILL');
      expect(await goneWithin(qemus, 2000)).toEqual([]);
    },
    5 * 60 * 1000,
  );

  it(
    'build: no make or compiler of the build is left 30 s after kill -9, and the next build resumes it',
    async () => {
      const source = await ensureDebianSource('6.1');
      const frag = join(work, 'kill9.config');
      // A config key of this run's own (LOCALVERSION), so that it is never a cache hit and make compiles for real.
      writeFileSync(
        frag,
        readFileSync(TINY_FRAGMENT, 'utf8') + `CONFIG_BINFMT_MISC=y\nCONFIG_LOCALVERSION="-kill9-${randomUUID().slice(0, 8)}"\n`,
      );
      // ARCH=x86_64 as the tiny kernel was built (tiny-kernel.ts): its objects are reused, so resuming costs a few objects, not a full build.
      const args = ['build', '--source', source, '--base', 'tinyconfig', '--config', frag, '--arch', 'x86_64'];
      const k = startKtrim(args);
      const makeLine = await appears(k.stderr, (t) => / O=\S+\/obj /.test(t), 10 * 60_000, 'the make command line of the O= build');
      const buildDir = / O=(\S+)\/obj /.exec(makeLine)![1];
      expect(buildDir.startsWith(join(cacheRoot(), 'builds', ''))).toBe(true);
      cleanup.push(buildDir);
      const log = join(buildDir, 'build.log');
      // Kill as soon as make compiles: the first CC line of the O= build in its log.
      await appears(
        () => readOr(log),
        (t) => /^\s+CC\s/m.test(t.slice(t.lastIndexOf('\n$ '))),
        5 * 60_000,
        'a CC line',
      );
      k.sub.kill('SIGKILL');
      expect((await k.sub).signal).toBe('SIGKILL');
      const ofBuild = () => processes().filter((p) => p.cwd.startsWith(buildDir) || p.argv.some((a) => a.includes(buildDir)));
      expect(await goneWithin(ofBuild, 30_000)).toEqual([]);
      // The same build again: it waits out the dead run's lock, resumes the O= dir and finishes.
      const again = startKtrim([...args, '--json']);
      const r = await again.sub;
      const stderr = again.stderr();
      expect(r.exitCode).toBe(0);
      expect(stderr).toContain(`resuming the unfinished build in ${buildDir}/obj`);
      const bzImage = join(buildDir, 'obj/arch/x86/boot/bzImage');
      expect(existsSync(bzImage)).toBe(true);
      expect(readFileSync(bzImage).subarray(0x202, 0x206).toString('latin1')).toBe('HdrS');
    },
    TINY_KERNEL_TIMEOUT_MS,
  );
});
