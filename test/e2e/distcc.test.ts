// Distributed compiles: a real distccd on 127.0.0.1 compiles real kernel objects of the cached
// tiny build, with the make command line ktrim builds for `--cc "distcc gcc"` (-j from DISTCC_HOSTS).
import { describe, it, expect, afterAll } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cacheRoot } from '../../src/cache.js';
import { copyBuildDir } from '../../src/build/build.js';
import { compilerSetup, formatMakeCommand, makeArgv, realMakeRunner } from '../../src/build/make.js';
import { startChild, type Child } from '../../src/process.js';
import { ensureDebianSource } from '../../src/build/source.js';
import { TINY_KERNEL_TIMEOUT_MS, tinyKernel } from './helpers/tiny-kernel.js';

/** A TCP port nobody listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

let daemon: Child | undefined;
const cleanup: string[] = [];
afterAll(async () => {
  if (daemon?.pid) {
    // SIGTERM to the master only: it stops and reaps its preforked children (killing the
    // whole group at once leaves them as zombies for init). Then the group, to be sure.
    process.kill(daemon.pid, 'SIGTERM');
    await Promise.race([daemon.done, new Promise((r) => setTimeout(r, 3000))]);
    await daemon.kill(2000);
  }
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

describe('compiling through distcc', () => {
  it(
    'builds kernel objects on a local distccd, which logs each compile job',
    async () => {
      const tiny = await tinyKernel();
      const work = mkdtempSync(join(cacheRoot(), 'tmp-e2e-distcc-'));
      cleanup.push(work);
      // distccd started as root drops to an unprivileged user: its log goes where that user may write.
      const logDir = mkdtempSync(join(tmpdir(), 'ktrim-distccd-'));
      cleanup.push(logDir);
      chmodSync(logDir, 0o777);
      const port = await freePort();
      const logFile = join(logDir, 'distccd.log');
      daemon = startChild(
        [
          'distccd',
          '--daemon',
          '--no-detach',
          '--allow',
          '127.0.0.1',
          '--listen',
          '127.0.0.1',
          '--port',
          String(port),
          '--jobs',
          '2',
          '--log-file',
          logFile,
          '--log-level',
          'info',
        ],
        {},
      );
      // Wait until it listens.
      for (let i = 0; i < 100 && !(existsSync(logFile) && readFileSync(logFile, 'utf8').includes('listening on')); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(readFileSync(logFile, 'utf8')).toContain(`listening on 127.0.0.1:${port}`);

      // A copy of the tiny build: the cached one stays as it was.
      const objDir = join(work, 'obj');
      await copyBuildDir(tiny.objDir, objDir, objDir);
      // DISTCC_FALLBACK=0: a job distccd cannot take fails instead of quietly compiling locally.
      const env = { DISTCC_HOSTS: `127.0.0.1:${port}/3`, DISTCC_FALLBACK: '0', DISTCC_DIR: join(work, 'client') };
      mkdirSync(env.DISTCC_DIR);
      const setup = compilerSetup({ cc: 'distcc gcc', cacheDir: cacheRoot(), env, hasTool: () => true });
      expect(setup.jobs).toBe(3); // -j follows the host list
      const objects = ['kernel/fork.o', 'kernel/exit.o', 'mm/mmap.o', 'fs/exec.o'];
      const source = await ensureDebianSource('6.1');
      const argv = makeArgv({ source, objDir, arch: tiny.arch, jobs: setup.jobs, cc: setup.cc, targets: objects });
      expect(formatMakeCommand({ argv, env: {} })).toBe(
        `make -C ${source} O=${objDir} ARCH=x86_64 -j3 'CC=distcc gcc' ${objects.join(' ')}`,
      );
      const lines: string[] = [];
      const out = await realMakeRunner.run({ argv, env, onLine: (l) => lines.push(l.text) });
      if (out.exitCode !== 0) process.stderr.write(lines.slice(-30).join('\n') + '\n');
      expect(out.exitCode).toBe(0);
      for (const o of objects) expect(lines.map((l) => l.trim())).toContain(`CC      ${o}`);

      const log = readFileSync(logFile, 'utf8');
      const done = log.split('\n').filter((l) => /COMPILE_OK/.test(l));
      // Every object (and whatever else Kbuild recompiled for the new CC) went through distccd.
      for (const o of objects) expect(done.some((l) => l.endsWith(`${source}/${o.replace(/\.o$/, '.c')}`))).toBe(true);
      process.stderr.write(`distccd compiled ${done.length} jobs\n`);
    },
    TINY_KERNEL_TIMEOUT_MS,
  );
});
