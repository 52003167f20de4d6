// buildKernel() against the fake kernel tree (test/fixtures/fake-kernel) driven by real make:
// cache keys and hits, nearest-build reuse, olddefconfig drift, build errors, a read-only source.
import { describe, it, expect, beforeEach } from '@jest/globals';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execFileSync } from 'node:child_process';
import { buildKernel } from '../../../src/build/build.js';
import { sourceIdentity } from '../../../src/build/source-id.js';
import { realMakeRunner } from '../../../src/build/make.js';
import type { BuildDeps, MakeRun } from '../../../src/build/types.js';
import { BuildError, InputError } from '../../../src/errors.js';
import { createMemoryLogger } from '../../../src/ui/log.js';

const FIXTURE = join(process.cwd(), 'test/fixtures/fake-kernel');

/** The real make, recording each invocation. */
function recordingMake() {
  const runs: MakeRun[] = [];
  return { runs, run: async (r: MakeRun) => (runs.push(r), realMakeRunner.run(r)) };
}

/** Every file under dir with its mtime and size: a snapshot to prove a tree was not touched. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = statSync(p);
      out.push(`${relative(dir, p)} ${st.mtimeMs} ${st.size}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

let tmp: string;
let source: string;
let cacheDir: string;
let make: ReturnType<typeof recordingMake>;
let deps: BuildDeps & { logger: ReturnType<typeof createMemoryLogger> };
const file = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
const countCompiles = (log: string, from = 0) =>
  readFileSync(log, 'utf8')
    .slice(from)
    .split('\n')
    .filter((l) => l.startsWith('  CC ')).length;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ktrim-build-'));
  source = join(tmp, 'linux');
  cpSync(FIXTURE, source, { recursive: true });
  cacheDir = join(tmp, 'cache');
  make = recordingMake();
  deps = { make, logger: createMemoryLogger(), cacheDir, hasTool: () => false, env: {}, machine: 'x86_64' };
});

describe('buildKernel with the fake kernel tree', () => {
  it('builds out of tree under the cache, then hits the cache without running make', async () => {
    const frag = file('serial.config', 'CONFIG_PRINTK=y\nCONFIG_TTY=y\nCONFIG_SERIAL_8250=y\n');
    const before = snapshot(source);
    const r = await buildKernel({ source, base: 'tinyconfig', config: frag, jobs: 2 }, deps);

    expect(r.cacheHit).toBe(false);
    expect(make.runs.map((m) => m.argv.at(-1))).toEqual(['tinyconfig', 'olddefconfig', 'bzImage']);
    expect(r.buildDir.startsWith(join(cacheDir, 'builds', ''))).toBe(true);
    expect(relative(cacheDir, r.buildDir)).toMatch(/^builds\/6\.1\.0-fake-[0-9a-f]{12}\/[0-9a-f]{16}$/);
    expect(r.makeCommands[2]).toBe(`make -C ${source} O=${r.objDir} ARCH=x86 -j2 bzImage`);
    expect(deps.logger.lines).toContain(`I: $ ${r.makeCommands[2]}`);
    expect(r.bzImage).toBe(join(r.objDir, 'arch/x86/boot/bzImage'));
    expect(readFileSync(r.bzImage, 'utf8')).toBe(
      'FAKE-BZIMAGE\n64BIT=y cc=gcc \nLOG_BUF_SHIFT=17 cc=gcc \nPRINTK=y cc=gcc \nSERIAL_8250=y cc=gcc \nTTY=y cc=gcc \n',
    );
    expect(r.imageBytes).toBe(statSync(r.bzImage).size);
    expect(readFileSync(r.systemMap, 'utf8')).toContain('t serial_8250_init');
    expect(readFileSync(r.config, 'utf8')).toContain('CONFIG_SERIAL_8250=y\n# CONFIG_SERIAL_8250_CONSOLE is not set\n');
    expect(r.drift).toEqual([]);
    expect(countCompiles(r.buildLog)).toBe(5);
    expect(JSON.parse(readFileSync(join(r.buildDir, 'result.json'), 'utf8')).bzImage).toBe(r.bzImage);
    expect(snapshot(source)).toEqual(before);

    // Same request, reordered and commented: a hit, no make at all.
    const same = file('same.config', '# serial\nCONFIG_SERIAL_8250=y\nCONFIG_TTY=y\nCONFIG_PRINTK=y\n');
    make.runs.length = 0;
    const hit = await buildKernel({ source, base: 'tinyconfig', config: same, jobs: 2 }, deps);
    expect(hit.cacheHit).toBe(true);
    expect(make.runs).toEqual([]);
    expect(hit.makeCommands).toEqual([]);
    expect(hit.bzImage).toBe(r.bzImage);
    expect(hit.seconds).toBeLessThan(r.seconds);
  });

  it('reuses the nearest complete build: a one-symbol change recompiles one object', async () => {
    const small = file('small.config', 'CONFIG_PRINTK=y\n# CONFIG_TTY is not set\n');
    const far = await buildKernel({ source, config: small, base: 'tinyconfig' }, deps);
    const near = await buildKernel(
      {
        source,
        base: 'tinyconfig',
        config: file('near.config', 'CONFIG_PRINTK=y\nCONFIG_TTY=y\nCONFIG_SERIAL_8250=y\nCONFIG_KALLSYMS=y\n'),
      },
      deps,
    );
    expect(near.reusedFrom).toBe(far.buildDir);

    // One more symbol than `near`: `near` is the nearest (1 symbol), not `far` (4).
    const plusOne = await buildKernel(
      {
        source,
        base: 'tinyconfig',
        config: file('plus.config', 'CONFIG_PRINTK=y\nCONFIG_TTY=y\nCONFIG_SERIAL_8250=y\nCONFIG_KALLSYMS=y\nCONFIG_FOO=y\n'),
      },
      deps,
    );
    expect(plusOne.cacheHit).toBe(false);
    expect(plusOne.reusedFrom).toBe(near.buildDir);
    expect(plusOne.reusedDistance).toBe(1);
    const log = readFileSync(plusOne.buildLog, 'utf8');
    const buildPart = log.slice(log.lastIndexOf('$ make'));
    expect(buildPart.split('\n').filter((l) => l.startsWith('  CC '))).toEqual(['  CC      kernel/foo.o']);
    // Kconfig's host tool came with the copied kconfig/ directory instead of being rebuilt.
    expect(readFileSync(far.buildLog, 'utf8')).toContain('  HOSTCC  scripts/kconfig/conf\n');
    expect(log).not.toContain('HOSTCC  scripts/kconfig/conf');
    expect(readFileSync(plusOne.bzImage, 'utf8')).toContain('FOO=y');
    // The reused build is untouched.
    expect(readFileSync(near.bzImage, 'utf8')).not.toContain('FOO=y');
  });

  it('reuses only a build of the same compiler and arch, preferring the same make variables over fewer differing symbols', async () => {
    const cfg = (extra: string) => file(`c${extra.length}.config`, `CONFIG_PRINTK=y\nCONFIG_TTY=y\n${extra}`);
    const other = await buildKernel({ source, base: 'tinyconfig', config: cfg(''), cc: 'cc' }, deps);
    const withVar = await buildKernel({ source, base: 'tinyconfig', config: cfg(''), makeVars: ['KCFLAGS=-O1'] }, deps);
    expect(withVar.reusedFrom).toBeUndefined(); // `cc` objects would all recompile under gcc
    const plain = await buildKernel(
      { source, base: 'tinyconfig', config: cfg('CONFIG_SERIAL_8250=y\nCONFIG_KALLSYMS=y\nCONFIG_FOO=y\n') },
      deps,
    );
    expect(plain.reusedFrom).toBe(withVar.buildDir); // the only gcc build, although its KCFLAGS differ
    expect(plain.makeVars).toEqual([]);
    const next = await buildKernel({ source, base: 'tinyconfig', config: cfg('CONFIG_SERIAL_8250=y\n') }, deps);
    // withVar is 1 symbol away, plain 2: plain wins, it has the same (no) make variables
    expect(next.reusedFrom).toBe(plain.buildDir);
    const viaVar = await buildKernel({ source, base: 'tinyconfig', config: cfg('CONFIG_KALLSYMS=y\n'), makeVars: ['KCFLAGS=-O1'] }, deps);
    expect(viaVar.reusedFrom).toBe(withVar.buildDir);
    // A result.json from before make variables were stored had none: they beat viaVar, although viaVar is nearer.
    for (const b of [plain, next]) {
      const stored = join(b.buildDir, 'result.json');
      const { makeVars: _dropped, ...old } = JSON.parse(readFileSync(stored, 'utf8')) as { makeVars?: string[] };
      writeFileSync(stored, JSON.stringify(old));
    }
    const after = await buildKernel({ source, base: 'tinyconfig', config: cfg('CONFIG_KALLSYMS=y\n\n') }, deps);
    expect([plain.buildDir, next.buildDir]).toContain(after.reusedFrom);
    expect(other.buildDir).not.toBe(withVar.buildDir);
  });

  it('prints requested symbols that olddefconfig changed, in diffconfig format; --strict makes it an input error', async () => {
    // SERIAL_8250 depends on TTY, which the fragment leaves off; NOSUCH is not a symbol at all.
    const frag = file('drift.config', 'CONFIG_PRINTK=y\nCONFIG_SERIAL_8250=y\n# CONFIG_TTY is not set\nCONFIG_NOSUCH=y\n');
    const r = await buildKernel({ source, base: 'tinyconfig', config: frag }, deps);
    expect(r.driftText).toBe('-NOSUCH y\n SERIAL_8250 y -> n\n');
    expect(deps.logger.lines).toContain('W:  SERIAL_8250 y -> n');

    make.runs.length = 0;
    const strict = buildKernel({ source, base: 'tinyconfig', config: frag, strict: true, makeVars: ['KCFLAGS=-O1'] }, deps);
    await expect(strict).rejects.toThrow(InputError);
    await expect(buildKernel({ source, base: 'tinyconfig', config: frag, strict: true, makeVars: ['KCFLAGS=-O1'] }, deps)).rejects.toThrow(
      `${frag}: --strict: olddefconfig changed 2 requested symbol(s): NOSUCH y -> (gone), SERIAL_8250 y -> n`,
    );
    expect(make.runs.map((m) => m.argv.at(-1))).not.toContain('bzImage');
  });

  it('fails a broken build with exit 2 and the first file:line: errors; no result.json, so the next run builds again', async () => {
    const frag = file('broken.config', 'CONFIG_PRINTK=y\nCONFIG_SYNTAX_ERROR=y\n');
    let err: unknown;
    try {
      await buildKernel({ source, base: 'tinyconfig', config: frag }, deps);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BuildError);
    const e = err as BuildError;
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(
      `make bzImage failed (make exit 2); first errors:\n  ${source}/kernel/syntax_error.c:3:9: error: expected ';' before '}' token\n`,
    );
    const dirs = readdirSync(join(cacheDir, 'builds'));
    const buildDir = join(cacheDir, 'builds', dirs[0]!, readdirSync(join(cacheDir, 'builds', dirs[0]!))[0]!);
    expect(existsSync(join(buildDir, 'result.json'))).toBe(false);
    expect(e.message).toContain(`full log: ${join(buildDir, 'build.log')}`);

    make.runs.length = 0;
    await expect(buildKernel({ source, base: 'tinyconfig', config: frag }, deps)).rejects.toThrow(BuildError);
    expect(make.runs.map((m) => m.argv.at(-1))).toEqual(['tinyconfig', 'olddefconfig', 'bzImage']);
    expect(deps.logger.lines.some((l) => l.startsWith('I: resuming the unfinished build'))).toBe(true);
  });

  it('keys builds on the source tree: editing a file in it is a cache miss', async () => {
    const frag = file('f.config', 'CONFIG_PRINTK=y\n');
    const a = await buildKernel({ source, base: 'tinyconfig', config: frag }, deps);
    const again = await buildKernel({ source, base: 'tinyconfig', config: frag }, deps);
    expect(again.cacheHit).toBe(true);
    appendFileSync(join(source, 'Kconfig'), '# edited\n');
    const b = await buildKernel({ source, base: 'tinyconfig', config: frag }, deps);
    expect(b.cacheHit).toBe(false);
    expect(b.sourceId).not.toBe(a.sourceId);
  });

  it('applies a full .config (no base) and a base given as a file', async () => {
    const full = file('full.config', 'CONFIG_64BIT=y\nCONFIG_PRINTK=y\nCONFIG_PRINTK_TIME=y\n# CONFIG_TTY is not set\n');
    const r = await buildKernel({ source, config: full }, deps);
    expect(make.runs.map((m) => m.argv.at(-1))).toEqual(['olddefconfig', 'bzImage']);
    expect(readFileSync(r.config, 'utf8')).toContain('CONFIG_PRINTK_TIME=y\n');
    const onFile = await buildKernel({ source, base: full, config: file('k.config', 'CONFIG_KALLSYMS=y\n') }, deps);
    expect(readFileSync(onFile.config, 'utf8')).toContain('CONFIG_PRINTK_TIME=y\n');
    expect(readFileSync(onFile.config, 'utf8')).toContain('CONFIG_KALLSYMS=y\n');
  });

  it('uses ccache when installed and passes the wrapper to make', async () => {
    deps.hasTool = (n) => n === 'ccache';
    const r = await buildKernel({ source, base: 'tinyconfig', config: file('c.config', 'CONFIG_PRINTK=y\n'), jobs: 1 }, deps);
    expect(r.cc).toBe('ccache gcc');
    expect(r.makeCommands.at(-1)).toBe(
      `CCACHE_DIR=${join(cacheDir, 'ccache')} make -C ${source} O=${r.objDir} ARCH=x86 -j1 'CC=ccache gcc' bzImage`,
    );
    expect(readFileSync(r.bzImage, 'utf8')).toContain('PRINTK=y cc=ccache gcc');
  });

  it('rejects bad input with one line naming the file: not a kernel tree, an unclean tree, not a config', async () => {
    const frag = file('ok.config', 'CONFIG_PRINTK=y\n');
    await expect(buildKernel({ source: tmp, config: frag }, deps)).rejects.toThrow(`${tmp}: not a kernel source tree`);
    await expect(buildKernel({ source, config: file('bad.config', 'CONFIG_PRINTK=y\nhello\n') }, deps)).rejects.toThrow(
      `${join(tmp, 'bad.config')}:2: not a config line: "hello"`,
    );
    writeFileSync(join(source, '.config'), 'CONFIG_PRINTK=y\n');
    await expect(buildKernel({ source, config: frag }, deps)).rejects.toThrow('source tree is not clean (.config exists)');
    rmSync(join(source, '.config'));
    await expect(buildKernel({ source, config: frag, makeVars: ['notavar'] }, deps)).rejects.toThrow('expected NAME=VALUE');
    expect(make.runs).toEqual([]);
  });
});

describe('source identity', () => {
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], {
      cwd: source,
      stdio: 'pipe',
    });

  it('keys a git tree on HEAD and its uncommitted changes', async () => {
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'fake kernel');
    const a = await sourceIdentity(source);
    expect(a.kind).toBe('git');
    expect(a.id).toMatch(/^6\.1\.0-fake-[0-9a-f]{12}$/);
    expect((await sourceIdentity(source)).id).toBe(a.id);
    appendFileSync(join(source, 'Kconfig'), '# edited\n');
    const dirty = await sourceIdentity(source);
    expect(dirty.id).not.toBe(a.id);
    appendFileSync(join(source, 'Kconfig'), '# edited again\n');
    const dirtier = await sourceIdentity(source);
    expect(dirtier.id).not.toBe(dirty.id); // same `git status`, different diff
    git('commit', '-q', '-am', 'edit');
    const committed = await sourceIdentity(source);
    expect(new Set([a.id, dirty.id, dirtier.id, committed.id]).size).toBe(4);
  });

  it('keys an unpacked tree on its newest ctime and entry count: an added file is a miss', async () => {
    const a = await sourceIdentity(source);
    expect(a.kind).toBe('tree');
    expect((await sourceIdentity(source)).id).toBe(a.id);
    writeFileSync(join(source, 'scripts', 'new.sh'), 'true\n');
    expect((await sourceIdentity(source)).id).not.toBe(a.id);
  });
});
