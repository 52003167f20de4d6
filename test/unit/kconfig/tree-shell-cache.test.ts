import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveMakeArch, srcArchOf, subarchOf } from '../../../src/build/arch.js';
import { kernelKconfigEnv } from '../../../src/build/kconfig-host.js';
import { createShellRunner, runShellCommand } from '../../../src/build/shell-cache.js';
import { loadKconfigSync, makefileKernelVersion } from '../../../src/kconfig/tree.js';

describe('$(shell) runner with disk cache', () => {
  it('runs /bin/sh like do_shell and caches per toolchain key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ktrim-shell-'));
    try {
      const env = { PATH: process.env.PATH, GREETING: 'hi' };
      const cmd = 'printf "%s\\n\\n" "$GREETING there"; printf "x\\n" >> count';
      const a = createShellRunner({ env, cwd: join(dir, 'work'), cacheDir: join(dir, 'cache'), toolchainKey: 'gcc 12' });
      expect(a.run(cmd)).toBe('hi there');
      expect(a.run(cmd)).toBe('hi there');
      expect([a.hits, a.misses]).toEqual([1, 1]);
      a.flush();
      const b = createShellRunner({ env, cwd: join(dir, 'work'), cacheDir: join(dir, 'cache'), toolchainKey: 'gcc 12' });
      expect(b.run(cmd)).toBe('hi there');
      expect([b.hits, b.misses]).toEqual([1, 0]);
      // The command ran once in total: the side effect file has one line.
      expect(runShellCommand('wc -l < count', env, join(dir, 'work'))).toBe('1');
      const c = createShellRunner({ env, cwd: join(dir, 'work'), cacheDir: join(dir, 'cache'), toolchainKey: 'gcc 13' });
      c.run(cmd);
      expect(c.misses).toBe(1);
      c.flush();
      expect(readdirSync(join(dir, 'cache')).length).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never caches a failed, killed or timed-out probe', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ktrim-shell-'));
    try {
      const env = { PATH: process.env.PATH };
      const opts = { env, cwd: join(dir, 'work'), cacheDir: join(dir, 'cache'), toolchainKey: 'gcc 12' };
      const a = createShellRunner(opts);
      // Prints a value, then fails: used this once, not remembered.
      expect(a.run('echo half; exit 3')).toBe('half');
      expect(a.run('echo killed; kill -9 $$')).toBe('killed');
      expect(a.run('echo fine')).toBe('fine');
      expect([a.misses, a.uncached]).toEqual([3, 2]);
      expect(a.run('echo half; exit 3')).toBe('half');
      expect([a.hits, a.misses]).toEqual([0, 4]);
      a.flush();
      // Timed out (killed by the runner): not cached either; whatever it printed before is used once.
      const slow = createShellRunner({ ...opts, timeoutMs: 300 });
      expect(['slow', '']).toContain(slow.run('echo slow; exec sleep 30'));
      expect(slow.uncached).toBe(1);
      slow.flush();
      const b = createShellRunner(opts);
      b.run('echo fine');
      b.run('echo killed; kill -9 $$');
      expect([b.hits, b.misses, b.uncached]).toEqual([1, 1, 1]);
      const onDisk = readdirSync(join(dir, 'cache')).map((f) =>
        Object.keys(JSON.parse(readFileSync(join(dir, 'cache', f), 'utf8')) as object),
      );
      expect(onDisk).toEqual([['echo fine']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads KERNELVERSION and SRCARCH the way the top Makefile does', () => {
    expect(makefileKernelVersion('VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 192\nEXTRAVERSION =\nNAME = Curry Ramen\n')).toBe('6.1.192');
    expect(makefileKernelVersion('VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\nEXTRAVERSION = -rc3\n')).toBe('6.12.0-rc3');
    expect(srcArchOf('x86_64')).toBe('x86');
    expect(srcArchOf('arm64')).toBe('arm64');
  });
});

describe('ARCH as the top Makefile sets it', () => {
  it("SUBARCH from uname -m through the Makefile's sed", () => {
    expect(subarchOf('x86_64')).toBe('x86');
    expect(subarchOf('i686')).toBe('x86');
    expect(subarchOf('aarch64')).toBe('arm64');
    expect(subarchOf('armv7l')).toBe('arm');
    expect(subarchOf('ppc64le')).toBe('powerpc');
    expect(subarchOf('s390x')).toBe('s390');
    expect(subarchOf('riscv64')).toBe('riscv');
  });

  it('ARCH: option, then environment, then SUBARCH; SRCARCH and the tool names follow', () => {
    const host = { env: {}, machine: 'x86_64' };
    expect(resolveMakeArch(host)).toMatchObject({ ARCH: 'x86', SRCARCH: 'x86', CC: 'gcc', LD: 'ld', archFrom: 'SUBARCH' });
    expect(resolveMakeArch({ ...host, env: { ARCH: 'i386' } })).toMatchObject({ ARCH: 'i386', SRCARCH: 'x86', archFrom: 'environment' });
    expect(resolveMakeArch({ ...host, arch: 'x86_64', env: { ARCH: 'i386' } })).toMatchObject({ ARCH: 'x86_64', archFrom: 'option' });
    expect(resolveMakeArch({ ...host, env: { ARCH: '' } }).ARCH).toBe('x86');
    const cross = resolveMakeArch({ ...host, env: { ARCH: 'arm64', CROSS_COMPILE: 'aarch64-linux-gnu-' } });
    expect(cross).toMatchObject({ SRCARCH: 'arm64', CC: 'aarch64-linux-gnu-gcc', LD: 'aarch64-linux-gnu-ld', HOSTCC: 'gcc' });
    expect(resolveMakeArch({ ...host, env: { LLVM: '1' } })).toMatchObject({ CC: 'clang', LD: 'ld.lld', AR: 'llvm-ar', HOSTCC: 'clang' });
    expect(resolveMakeArch({ ...host, env: {}, makeVars: ['LLVM=-15'] })).toMatchObject({ CC: 'clang-15', NM: 'llvm-nm-15' });
    expect(resolveMakeArch({ ...host, env: { LLVM: '/opt/llvm/bin/' } }).OBJCOPY).toBe('/opt/llvm/bin/llvm-objcopy');
    expect(srcArchOf('sparc64')).toBe('sparc');
  });

  it('gives conf the environment make exports, with version lines from the adapter', () => {
    const asked: string[] = [];
    const env = kernelKconfigEnv('/src', {
      env: { PATH: '/bin', USERCFLAGS: '-O1', CROSS_COMPILE: 'x86_64-linux-gnu-' },
      makefile: 'RUSTC_VERSION_TEXT = x',
      versionLine: (c) => (asked.push(c), `${c} (Debian #1) 12.2.0`),
    });
    expect(env).toMatchObject({
      ARCH: expect.any(String),
      CC: 'x86_64-linux-gnu-gcc',
      USERCFLAGS: '-O1',
      CC_VERSION_TEXT: 'x86_64-linux-gnu-gcc (Debian 1) 12.2.0',
    });
    expect(asked).toEqual(['x86_64-linux-gnu-gcc', 'rustc']);
    expect(env.RUSTC_VERSION_TEXT).toBe('rustc (Debian 1) 12.2.0');
  });
});

describe('the loader takes its world as an adapter', () => {
  const files: Record<string, string> = {
    '/k/Kconfig': 'mainmenu "$(ARCH) $(KERNELVERSION)"\nconfig A\n\tbool "a"\n\tdefault $(shell,probe one)\n',
  };
  const readFile = (p: string) => {
    if (!(p in files)) throw new Error(`ENOENT ${p}`);
    return files[p];
  };
  it('reads files and runs $(shell) only through the host, KERNELVERSION given for a bare directory', () => {
    const ran: string[] = [];
    const tree = loadKconfigSync({
      srctree: '/k',
      kernelVersion: '6.12',
      env: { ARCH: 'i386' },
      host: { readFile, shell: { run: (c) => (ran.push(c), 'y') } },
    });
    expect(ran).toEqual(['probe one']);
    expect(tree.dialect).toBe('v6.11');
    expect(tree.root.prompt?.text).toBe('i386 6.12');
  });
  it('a tree that calls $(shell) without a shell given is an error, not an empty string', () => {
    expect(() => loadKconfigSync({ srctree: '/k', kernelVersion: '6.1', host: { readFile } })).toThrow(/no shell given/);
  });
  it('no Kconfig at the top: one input error', () => {
    expect(() => loadKconfigSync({ srctree: '/none', host: { readFile } })).toThrow(/no Kconfig at the top of \/none/);
  });
});
