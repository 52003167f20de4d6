// The one output guard (src/output.ts) on real files in a temporary directory:
// links, device nodes, FIFOs, sockets and kernel trees.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutput, checkOutputDir, copyOutput, makeOutputDir, writeCheckedOutput } from '../../../src/output.js';

let dir: string;
let input: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ktrim-output-'));
  input = join(dir, 'in.config');
  writeFileSync(input, 'CONFIG_A=y\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const refused = (p: Promise<unknown>, path: string, why: RegExp) =>
  expect(p).rejects.toMatchObject({
    exitCode: 1,
    message: expect.stringMatching(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${why.source}`)),
  });

describe('checkOutput', () => {
  it('accepts a new file and writes it atomically', async () => {
    const out = join(dir, 'out.config');
    expect(await writeCheckedOutput(out, 'x\n', { inputs: [input] })).toBe(out);
    expect(readFileSync(out, 'utf8')).toBe('x\n');
    expect(readFileSync(input, 'utf8')).toBe('CONFIG_A=y\n');
  });

  it('refuses the input itself, under any spelling', async () => {
    await refused(checkOutput(input, { inputs: [input], flag: '-o' }), input, /is one of the inputs: refusing to overwrite it \(-o\)$/);
    const other = join(dir, 'sub', '..', '.', 'in.config');
    mkdirSync(join(dir, 'sub'));
    await refused(checkOutput(other, { inputs: [input] }), other, /is one of the inputs: refusing/);
  });

  it('refuses a symlink to the input, and leaves the input alone', async () => {
    const out = join(dir, 'out.config');
    symlinkSync(input, out);
    await refused(
      writeCheckedOutput(out, 'clobbered\n', { inputs: [input] }),
      out,
      /is one of the inputs \(the same file as .*in\.config\): refusing to overwrite it$/,
    );
    expect(readFileSync(input, 'utf8')).toBe('CONFIG_A=y\n');
    // ... and an input named through a symlink to the output
    const plain = join(dir, 'plain.config');
    writeFileSync(plain, '');
    const viaLink = join(dir, 'link-to-plain');
    symlinkSync(plain, viaLink);
    await refused(checkOutput(plain, { inputs: [viaLink] }), plain, /is one of the inputs \(the same file as .*link-to-plain\)/);
  });

  it('refuses a hard link to the input', async () => {
    const out = join(dir, 'hard.config');
    linkSync(input, out);
    await refused(checkOutput(out, { inputs: [input] }), out, /is one of the inputs \(the same file as .*in\.config\)/);
  });

  it('writes through a symlink to another regular file onto its target', async () => {
    const target = join(dir, 'target.txt');
    writeFileSync(target, 'old\n');
    const out = join(dir, 'link.txt');
    symlinkSync(target, out);
    expect(await writeCheckedOutput(out, 'new\n', { inputs: [input] })).toBe(target);
    expect(readFileSync(target, 'utf8')).toBe('new\n');
    expect(lstatSync(out).isSymbolicLink()).toBe(true);
  });

  it('refuses /dev/null, a symlink to it, a directory and a dangling symlink', async () => {
    await refused(checkOutput('/dev/null'), '/dev/null', /is a character device, not a regular file: refusing to write there$/);
    const link = join(dir, 'null-link');
    symlinkSync('/dev/null', link);
    await refused(checkOutput(link), link, /is a character device \(through a symlink\), not a regular file/);
    await refused(checkOutput(dir), dir, /is a directory, not a regular file/);
    const dangling = join(dir, 'dangling');
    symlinkSync(join(dir, 'nowhere'), dangling);
    await refused(checkOutput(dangling), dangling, /is a dangling symlink/);
  });

  it('refuses a FIFO and a socket', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await refused(checkOutput(fifo), fifo, /is a FIFO, not a regular file/);
    const sock = join(dir, 'sock');
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      await refused(checkOutput(sock), sock, /is a socket, not a regular file/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('refuses to write inside a kernel tree, also through a symlinked directory', async () => {
    const tree = join(dir, 'linux');
    mkdirSync(join(tree, 'arch'), { recursive: true });
    const inTree = join(tree, 'arch', 'new.config');
    await refused(checkOutput(inTree, { trees: [tree] }), inTree, /is inside the kernel tree .*linux, which ktrim never writes to/);
    const alias = join(dir, 'alias');
    symlinkSync(tree, alias);
    await refused(checkOutput(join(alias, 'x'), { trees: [tree] }), join(alias, 'x'), /is inside the kernel tree/);
    expect(await checkOutput(join(dir, 'linux-out.config'), { trees: [tree] })).toBe(join(dir, 'linux-out.config')); // a sibling, not inside
  });

  it('names a missing directory', async () => {
    const out = join(dir, 'no', 'such', 'file');
    await refused(checkOutput(out), out, /cannot write: no such directory$/);
  });
});

describe('checkOutputDir and copyOutput', () => {
  it('refuses a directory inside a kernel tree (even one not made yet) and a file posing as a directory', async () => {
    const tree = join(dir, 'linux');
    mkdirSync(tree);
    await refused(
      checkOutputDir(join(tree, 'out', 'deeper'), { trees: [tree], flag: '--out' }),
      join(tree, 'out', 'deeper'),
      /is inside the kernel tree .* \(--out\)$/,
    );
    await refused(checkOutputDir(input), input, /is a regular file, not a directory: refusing to write there$/);
    expect(await checkOutputDir(join(dir, 'out'), { trees: [tree] })).toBe(join(dir, 'out'));
  });

  it('copies atomically, leaving no temporary file', async () => {
    const out = join(dir, 'copy.config');
    await copyOutput(input, out);
    expect(readFileSync(out, 'utf8')).toBe('CONFIG_A=y\n');
    expect(execFileSync('ls', ['-A', dir], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()).toEqual(['copy.config', 'in.config']);
  });
});

describe('makeOutputDir', () => {
  it('makes the missing levels and says which', async () => {
    const out = join(dir, 'a', 'b');
    expect(await makeOutputDir(out)).toEqual([join(dir, 'a'), out]);
    expect(lstatSync(out).isDirectory()).toBe(true);
    expect(await makeOutputDir(out)).toEqual([]);
  });

  it("refuses a directory below a regular file (ENOTDIR) and one under /proc (ENOENT) at once (Node's recursive mkdir spins there)", async () => {
    await refused(makeOutputDir(join(input, 'out')), join(input, 'out'), /cannot create the output directory \(ENOTDIR\)$/);
    await refused(
      makeOutputDir('/proc/ktrim-unit/out'),
      '/proc/ktrim-unit/out',
      /cannot create the output directory \(ENOENT: \/proc takes no new directories\)$/,
    );
  });
});
