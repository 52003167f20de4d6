// Every verb that writes a file, through the built CLI: no input is ever
// overwritten (symlinks, hard links, other spellings), nothing is written
// into the kernel tree, and device nodes, FIFOs and the like are refused, not
// replaced. Each refusal is one E: line naming the path, exit 1, and leaves
// the input byte for byte as it was.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, linkSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ktrim = (...args: string[]) => execa(process.execPath, ['bin/ktrim', ...args], { reject: false, env: { NO_COLOR: '1' } });
const KCONFIG = 'test/fixtures/dotconfig/kconfig-explain';
const LOG = 'test/fixtures/boots/debian-6.1-console.log';
const KEPT = 'test/unit/boot/fixtures/debian-6.1-tcg-initcall-debug.console.ts.log';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ktrim-e2e-output-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function expectRefused(r: { exitCode?: number; stderr: string }, path: string, why: RegExp): void {
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('E:'));
  expect([r.exitCode, errors.length]).toEqual([1, 1]);
  expect(errors[0].startsWith(`E: ${path}: `)).toBe(true);
  expect(errors[0].slice(`E: ${path}: `.length)).toMatch(why);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** A private copy of a fixture, so that a wrong write would show. */
function copyOf(file: string, name: string): { path: string; bytes: Buffer } {
  const path = join(work, name);
  copyFileSync(file, path);
  return { path, bytes: readFileSync(path) };
}

describe('ktrim kconfig olddefconfig / off -o', () => {
  let tree: string;
  beforeAll(() => {
    tree = join(work, 'kconfig-tree');
    cpSync(KCONFIG, tree, { recursive: true });
  });

  it('refuses a symlink to the input .config (the input stays as it was)', async () => {
    const input = copyOf(join(KCONFIG, 'input.config'), 'in.config');
    const out = join(work, 'out-link.config');
    symlinkSync(input.path, out);
    const r = await ktrim('kconfig', 'olddefconfig', '--source', tree, '--config', input.path, '-o', out);
    expectRefused(r, out, /^is one of the inputs \(the same file as .*in\.config\): refusing to overwrite it \(-o\)$/);
    expect(readFileSync(input.path).equals(input.bytes)).toBe(true);
    expect(lstatSync(out).isSymbolicLink()).toBe(true);
  });

  it('refuses a hard link to a fragment, and ./x for x', async () => {
    const input = copyOf(join(KCONFIG, 'input.config'), 'in2.config');
    const frag = copyOf(join(KCONFIG, 'frag-fast.config'), 'frag.config');
    const hard = join(work, 'frag-hard.config');
    linkSync(frag.path, hard);
    expectRefused(
      await ktrim('kconfig', 'olddefconfig', '--source', tree, '--config', input.path, '-f', frag.path, '-o', hard),
      hard,
      /^is one of the inputs \(the same file as .*frag\.config\)/,
    );
    const dotted = join(work, '.', 'sub', '..', 'in2.config');
    expectRefused(
      await ktrim('kconfig', 'olddefconfig', '--source', tree, '--config', input.path, '-o', dotted),
      dotted,
      /^is one of the inputs/,
    );
    expect(readFileSync(frag.path).equals(frag.bytes)).toBe(true);
    expect(readFileSync(input.path).equals(input.bytes)).toBe(true);
  });

  it('never writes into the kernel tree', async () => {
    const out = join(tree, 'trimmed.config');
    const r = await ktrim('kconfig', 'olddefconfig', '--source', tree, '--config', join(KCONFIG, 'input.config'), '-o', out);
    expectRefused(r, out, /^is inside the kernel tree .*kconfig-tree, which ktrim never writes to: refusing to write there \(-o\)$/);
    expect(existsSync(out)).toBe(false);
  });

  it('off -o refuses /dev/null instead of replacing it', async () => {
    const r = await ktrim('kconfig', 'off', 'CRC_HELPER', '--source', tree, '--config', join(KCONFIG, 'input.config'), '-o', '/dev/null');
    expectRefused(r, '/dev/null', /^is a character device, not a regular file: refusing to write there \(-o\)$/);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('off -o writes a new file', async () => {
    const out = join(work, 'off.config');
    const r = await ktrim('kconfig', 'off', 'CRC_HELPER', '--source', tree, '--config', join(KCONFIG, 'input.config'), '-o', out);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^# CONFIG_DRV_A is not set$/m);
  });
});

describe('ktrim report -o', () => {
  it('refuses a symlink and a hard link to an input log, and a FIFO', async () => {
    const log = copyOf(LOG, 'boot.log');
    const link = join(work, 'report-link.txt');
    symlinkSync(log.path, link);
    expectRefused(
      await ktrim('report', log.path, '-o', link),
      link,
      /^is one of the inputs \(the same file as .*boot\.log\): refusing to overwrite it \(-o\)$/,
    );
    const hard = join(work, 'report-hard.txt');
    linkSync(log.path, hard);
    expectRefused(await ktrim('report', log.path, '-o', hard), hard, /^is one of the inputs/);
    const fifo = join(work, 'report.fifo');
    execFileSync('mkfifo', [fifo]);
    expectRefused(await ktrim('report', log.path, '-o', fifo), fifo, /^is a FIFO, not a regular file/);
    expect(readFileSync(log.path).equals(log.bytes)).toBe(true);
  });

  it('writes through a symlink to a regular file onto its target', async () => {
    const target = join(work, 'target.md');
    copyFileSync(LOG, target); // any regular file: it is replaced
    const link = join(work, 'target-link.md');
    symlinkSync(target, link);
    const r = await ktrim('report', LOG, '--format', 'md', '-o', link);
    expect(r.exitCode).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toMatch(/^#+ Initcalls of 6\.1\.0-56-amd64/);
  });
});

describe('ktrim analyze --svg', () => {
  it('refuses the kept log it reads and /dev/null', async () => {
    const kept = copyOf(KEPT, 'kept.console.ts.log');
    expectRefused(
      await ktrim('analyze', kept.path, '--svg', kept.path),
      kept.path,
      /^is one of the inputs: refusing to overwrite it \(--svg\)$/,
    );
    expectRefused(await ktrim('analyze', kept.path, '--svg', '/dev/null'), '/dev/null', /^is a character device/);
    expect(readFileSync(kept.path).equals(kept.bytes)).toBe(true);
    const svg = join(work, 'phases.svg');
    expect((await ktrim('analyze', kept.path, '--svg', svg)).exitCode).toBe(0);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg /);
  });
});

describe('ktrim build --out and bench-range --journal (refused before any build or boot)', () => {
  it('build --out inside the kernel tree, or where a copy would land on the input config', async () => {
    const tree = join(work, 'linux');
    cpSync(KCONFIG, tree, { recursive: true });
    const config = copyOf(join(KCONFIG, 'input.config'), '.config');
    expectRefused(
      await ktrim('build', '--source', tree, '--config', config.path, '--out', join(tree, 'out')),
      join(tree, 'out'),
      /^is inside the kernel tree .*linux, which ktrim never writes to: refusing to write there \(--out\)$/,
    );
    // --out is the directory holding the input .config: the copy of .config would overwrite it
    expectRefused(
      await ktrim('build', '--source', tree, '--config', config.path, '--out', work),
      join(work, '.config'),
      /^is one of the inputs: refusing to overwrite it \(--out\)$/,
    );
    expect(readFileSync(config.path).equals(config.bytes)).toBe(true);
  });

  it('bench-range --journal on a kernel image it boots', async () => {
    const kernel = copyOf(LOG, 'bzImage'); // refused before it is ever read as a kernel
    const link = join(work, 'journal-link');
    symlinkSync(kernel.path, link);
    expectRefused(
      await ktrim('bench-range', '--kernel', kernel.path, '--journal', link),
      link,
      /^is one of the inputs \(the same file as .*bzImage\): refusing to overwrite it \(--journal\)$/,
    );
    expect(readFileSync(kernel.path).equals(kernel.bytes)).toBe(true);
  });
});
