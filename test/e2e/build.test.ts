// Real kernel builds from Debian's linux-source-6.1 through the built CLI and buildKernel():
// the cached tiny kernel, a cache hit that runs no make, a one-symbol rebuild that reuses the
// nearest build directory, a genuine compiler error (exit 2, file:line:), a read-only source tree.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../../src/cache.js';
import { buildKernel } from '../../src/build/build.js';
import { realMakeRunner } from '../../src/build/make.js';
import { ensureDebianSource } from '../../src/build/source.js';
import type { BuildResult } from '../../src/build/types.js';
import { createMemoryLogger } from '../../src/ui/log.js';
import { TINY_FRAGMENT, TINY_KERNEL_TIMEOUT_MS, tinyKernel } from './helpers/tiny-kernel.js';

const ktrim = (...args: string[]) => execa('node', ['bin/ktrim', ...args], { reject: false, env: { NO_COLOR: '1' } });

let source: string;
let tiny: BuildResult;
let scratch: string;
let stamp: string;
const cleanup: string[] = [];

beforeAll(async () => {
  source = await ensureDebianSource('6.1');
  scratch = mkdtempSync(join(cacheRoot(), 'tmp-e2e-build-'));
  cleanup.push(scratch);
  // Anything under the source tree newer than this stamp would mean a build wrote there.
  stamp = join(scratch, 'stamp');
  writeFileSync(stamp, '');
  // File times tick coarsely (a few ms): wait until the filesystem clock has moved past the
  // stamp, so that any later write is -newer than it.
  const probe = join(scratch, 'probe');
  do writeFileSync(probe, '');
  while (statSync(probe).mtimeMs <= statSync(stamp).mtimeMs);
  tiny = await tinyKernel();
}, TINY_KERNEL_TIMEOUT_MS);

afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

describe('ktrim build on Debian linux-source-6.1', () => {
  it('builds tinyconfig + configs/tiny-serial.config into the cache with every requested symbol kept', () => {
    expect(tiny.bzImage).toBe(join(tiny.objDir, 'arch/x86/boot/bzImage'));
    expect(tiny.objDir.startsWith(join(cacheRoot(), 'builds', ''))).toBe(true);
    // A real bzImage: the x86 boot protocol's "HdrS" magic at offset 0x202.
    const img = readFileSync(tiny.bzImage);
    expect(img.subarray(0x202, 0x206).toString('latin1')).toBe('HdrS');
    expect(tiny.imageBytes).toBe(img.length);
    expect(readFileSync(tiny.systemMap, 'utf8')).toMatch(/^[0-9a-f]{16} T start_kernel$/m);
    const config = readFileSync(tiny.config, 'utf8');
    for (const line of readFileSync(TINY_FRAGMENT, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('CONFIG_'))) {
      expect(config).toContain(line + '\n');
    }
    expect(tiny.drift).toEqual([]);
    expect(readFileSync(tiny.buildLog, 'utf8')).toContain('Kernel: arch/x86/boot/bzImage is ready');
  });

  it('answers the same request from the cache through the CLI: no make command at all', async () => {
    const r = await ktrim('build', '--source', source, '--base', 'tinyconfig', '--config', TINY_FRAGMENT, '--arch', 'x86_64', '--json');
    expect(r.exitCode).toBe(0);
    const res = JSON.parse(r.stdout) as BuildResult;
    expect(res.cacheHit).toBe(true);
    expect(res.makeCommands).toEqual([]);
    expect(res.bzImage).toBe(tiny.bzImage);
    expect(r.stderr).not.toContain('$ make');
  });

  it(
    'rebuilds a one-symbol change from the nearest build directory, printing the exact make command lines',
    async () => {
      const frag = join(scratch, 'tiny-serial-binfmt-misc.config');
      writeFileSync(frag, readFileSync(TINY_FRAGMENT, 'utf8') + 'CONFIG_BINFMT_MISC=y\n');
      const logger = createMemoryLogger();
      const r = await buildKernel({ source, base: 'tinyconfig', config: frag, arch: 'x86_64', jobs: 2 }, { make: realMakeRunner, logger });
      cleanup.push(r.buildDir); // rebuilt from the tiny kernel on every run, so the test always runs make
      expect(r.cacheHit).toBe(false);
      // The nearest cached build: the tiny kernel's, or another with the very same .config (minimize's
      // e2e caches the tiny .config requested as a full config: the same .config under another key).
      expect(r.reusedDistance).toBe(1);
      expect(readFileSync(join(r.reusedFrom!, 'obj', '.config'), 'utf8')).toBe(readFileSync(tiny.config, 'utf8'));
      expect(r.drift).toEqual([]);
      expect(readFileSync(r.config, 'utf8')).toContain('CONFIG_BINFMT_MISC=y\n');
      expect(readFileSync(r.systemMap, 'utf8')).toMatch(/ t init_misc_binfmt$/m);
      expect(readFileSync(tiny.systemMap, 'utf8')).not.toMatch(/ t init_misc_binfmt$/m);
      expect(logger.lines).toContain(`I: $ ${r.makeCommands.at(-1)}`);
      expect(r.makeCommands.at(-1)).toMatch(new RegExp(`make -C ${source} O=${r.objDir} ARCH=x86_64 -j2 .*bzImage$`));
      // Only what BINFMT_MISC touches (fs/binfmt_misc.c, fs/file_table.c) is recompiled, not the ~500 objects of the tiny kernel.
      const log = readFileSync(r.buildLog, 'utf8');
      const compiled = log
        .slice(log.lastIndexOf('\n$ '))
        .split('\n')
        .filter((l) => /^\s+CC\s/.test(l));
      expect(compiled.map((l) => l.trim())).toContain('CC      fs/binfmt_misc.o');
      expect(compiled.map((l) => l.trim())).toContain('CC      fs/file_table.o');
      expect(compiled.length).toBeLessThan(20);
      process.stderr.write(
        `one-symbol rebuild (CONFIG_BINFMT_MISC=y): make ${r.buildSeconds.toFixed(1)} s, ${compiled.length} objects, ${r.seconds.toFixed(1)} s in all\n`,
      );
    },
    TINY_KERNEL_TIMEOUT_MS,
  );

  it(
    'fails a build with a real compiler error: exit 2 and the first file:line: errors',
    async () => {
      // A header with a syntax error, force-included into every kernel C file by KCFLAGS:
      // gcc reports it at the header's file:line, and the source tree is not touched.
      const header = join(scratch, 'ktrim-broken.h');
      writeFileSync(header, '/* injected by ktrim e2e test */\nint ktrim_injected_error = ;\n');
      const r = await ktrim(
        'build',
        '--source',
        source,
        '--base',
        'tinyconfig',
        '--config',
        TINY_FRAGMENT,
        '--arch',
        'x86_64',
        '--make-var',
        `KCFLAGS=-include ${header}`,
      );
      const dirLine = r.stderr.split('\n').find((l) => l.startsWith('I: $ ') && l.includes(' bzImage'));
      const m = dirLine && / O=(\S+)\/obj /.exec(dirLine);
      if (m) cleanup.push(m[1]!);
      expect(r.exitCode).toBe(2);
      const errLines = r.stderr.split('\n').filter((l) => l.startsWith('E: '));
      expect(errLines).toContain('E: make bzImage failed (make exit 2); first errors:');
      // gcc quotes with ‘’ in a UTF-8 locale, '' in C.
      expect(r.stderr).toMatch(
        new RegExp(`\\n  ${header.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:28: error: expected expression before .;. token\\n`),
      );
      expect(r.stderr).toMatch(/\nfull log: \S+\/build\.log$/);
    },
    TINY_KERNEL_TIMEOUT_MS,
  );

  it('rejects a file that is not a config with one line naming it, exit 1', async () => {
    const notConfig = join(scratch, 'notes.txt');
    writeFileSync(notConfig, 'CONFIG_PRINTK=y\nremember to buy milk\n');
    const r = await ktrim('build', '--source', source, '--config', notConfig);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe(`E: ${notConfig}:2: not a config line: "remember to buy milk"`);
  });

  it('never writes into the source tree', async () => {
    const r = await execa('find', [source, '(', '-newer', stamp, '-o', '-cnewer', stamp, ')', '-print'], { reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    expect(statSync(join(source, 'Makefile')).isFile()).toBe(true);
  });
});
