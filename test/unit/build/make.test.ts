// Pure pieces of the build step: make command lines, compiler wrappers, distcc slots, compiler errors, config keys, drift.
import { describe, it, expect } from '@jest/globals';
import { bareCompiler, compilerErrors, compilerSetup, distccSlots, makeArgv, srcArch } from '../../../src/build/make.js';
import { configDistance, configDrift, configKey, mergeOnBase, readConfigRequest } from '../../../src/build/config-request.js';
import { formatDiffconfig } from '../../../src/kconfig/diffconfig.js';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';
import { InputError } from '../../../src/errors.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('make command line', () => {
  it('builds out of tree with O=, ARCH=, -j, CC= and extra variables in kernel order', () => {
    expect(
      makeArgv({
        source: '/src',
        objDir: '/c/obj',
        arch: 'x86_64',
        jobs: 2,
        cc: 'ccache gcc',
        makeVars: ['KCFLAGS=-O1'],
        targets: ['bzImage'],
      }),
    ).toEqual(['make', '-C', '/src', 'O=/c/obj', 'ARCH=x86_64', '-j2', 'CC=ccache gcc', 'KCFLAGS=-O1', 'bzImage']);
  });

  it('maps ARCH to the arch/ directory that holds the image', () => {
    expect(srcArch('x86_64')).toBe('x86');
    expect(srcArch('i386')).toBe('x86');
    expect(srcArch('arm64')).toBe('arm64');
  });
});

describe('compiler wrappers', () => {
  const base = { cacheDir: '/cache', env: {} as NodeJS.ProcessEnv };
  it('wraps gcc in ccache when ccache is installed, with CCACHE_DIR under the cache', () => {
    const s = compilerSetup({ ...base, jobs: 2, hasTool: (n) => n === 'ccache' });
    expect(s.cc).toBe('ccache gcc');
    expect(s.env).toEqual({ CCACHE_DIR: '/cache/ccache' });
    expect(s.jobs).toBe(2);
  });

  it('keeps a CROSS_COMPILE prefix and clang (LLVM=1) behind ccache', () => {
    expect(compilerSetup({ ...base, crossCompile: 'aarch64-linux-gnu-', hasTool: () => true }).cc).toBe('ccache aarch64-linux-gnu-gcc');
    expect(compilerSetup({ ...base, llvm: true, hasTool: () => true }).cc).toBe('ccache clang');
  });

  it('leaves CC alone without ccache, and never overrides the user CCACHE_DIR', () => {
    expect(compilerSetup({ ...base, hasTool: () => false }).cc).toBeUndefined();
    const s = compilerSetup({ ...base, env: { CCACHE_DIR: '/mine' }, hasTool: () => true });
    expect(s.cc).toBe('ccache gcc');
    expect(s.env).toEqual({});
  });

  it('takes -j from DISTCC_HOSTS when compiling through distcc', () => {
    const s = compilerSetup({ ...base, cc: 'distcc gcc', env: { DISTCC_HOSTS: '127.0.0.1:3700/3 build2 localhost' }, hasTool: () => true });
    expect(s.cc).toBe('distcc gcc');
    expect(s.jobs).toBe(3 + 4 + 2);
    // An explicit -j wins.
    expect(compilerSetup({ ...base, cc: 'distcc gcc', jobs: 5, env: { DISTCC_HOSTS: 'a/8' }, hasTool: () => true }).jobs).toBe(5);
  });

  it('counts distcc host slots as distcc does', () => {
    expect(distccSlots('localhost/2 10.0.0.2/8,lzo --randomize 10.0.0.3:3632')).toBe(2 + 8 + 4);
    expect(distccSlots('localhost')).toBe(2);
  });

  it('keys builds on the compiler, not on its wrappers', () => {
    expect(bareCompiler('ccache distcc gcc')).toBe('gcc');
    expect(bareCompiler('/usr/bin/ccache clang')).toBe('clang');
  });
});

describe('compiler errors', () => {
  it('keeps the first file:line: errors in order, skipping warnings and repeats', () => {
    const lines = [
      '  CC      kernel/fork.o',
      '/src/kernel/fork.c:12:5: warning: unused variable ‘x’ [-Wunused-variable]',
      '/src/kernel/fork.c:40:1: error: expected ‘;’ before ‘}’ token',
      '/src/kernel/fork.c:40:1: error: expected ‘;’ before ‘}’ token',
      'include/linux/foo.h:7: fatal error: bar.h: No such file or directory',
      'make[2]: *** [scripts/Makefile.build:250: kernel/fork.o] Error 1',
    ];
    const errs = compilerErrors(lines);
    expect(errs.map((e) => [e.file, e.line, e.column])).toEqual([
      ['/src/kernel/fork.c', 40, 1],
      ['include/linux/foo.h', 7, undefined],
    ]);
  });
});

describe('config requests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktrim-cfg-'));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const parts = { arch: 'x86_64', target: 'bzImage', compiler: 'gcc', makeVars: [] };

  it('hashes the normalized config: order and comments do not change the key, a value does', () => {
    const a = readConfigRequest(file('a', 'CONFIG_A=y\n# CONFIG_B is not set\n'), 'tinyconfig');
    const b = readConfigRequest(file('b', '# a comment\n# CONFIG_B is not set\n\nCONFIG_A=y\n'), 'tinyconfig');
    const c = readConfigRequest(file('c', 'CONFIG_A=m\n# CONFIG_B is not set\n'), 'tinyconfig');
    expect(configKey(a, parts)).toBe(configKey(b, parts));
    expect(configKey(a, parts)).not.toBe(configKey(c, parts));
    expect(configKey(a, parts)).not.toBe(configKey(readConfigRequest(a.file, 'defconfig'), parts));
    expect(configKey(a, parts)).not.toBe(configKey(a, { ...parts, makeVars: ['LLVM=1'] }));
    expect(configKey(a, parts)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('rejects a file that is not a config with file:line, exit 1', () => {
    const bad = file('bad', 'CONFIG_A=y\nthis is not a config line\n');
    expect(() => readConfigRequest(bad)).toThrow(InputError);
    expect(() => readConfigRequest(bad)).toThrow(`${bad}:2: not a config line`);
    expect(() => readConfigRequest(file('empty', '# nothing\n'))).toThrow('no CONFIG_ lines');
    expect(() => readConfigRequest(join(dir, 'missing'))).toThrow('config file not found');
    expect(() => readConfigRequest(file('ok', 'CONFIG_A=y\n'), 'nosuchconfig')).toThrow('neither a make target');
  });

  it('merges a fragment on a base as merge_config.sh -m does: fragment values win, base order kept', () => {
    const base = parseDotConfig('CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=3\n');
    const frag = parseDotConfig('CONFIG_B=y\n# CONFIG_A is not set\n');
    expect(mergeOnBase(base, frag)).toBe('CONFIG_C=3\nCONFIG_B=y\n# CONFIG_A is not set\n');
  });

  it('reports drift in diffconfig format: changed and vanished requested symbols, absent n is fine', () => {
    const requested = parseDotConfig('CONFIG_PRINTK_TIME=y\nCONFIG_NOSUCH=y\n# CONFIG_GONE is not set\nCONFIG_TTY=y\n');
    const final = parseDotConfig('# CONFIG_PRINTK_TIME is not set\nCONFIG_TTY=y\nCONFIG_OTHER=y\n');
    const drift = configDrift(requested, final);
    expect(formatDiffconfig(drift)).toBe('-NOSUCH y\n PRINTK_TIME y -> n\n');
    expect(configDistance(requested, final)).toBe(3); // PRINTK_TIME, NOSUCH, OTHER
  });
});
