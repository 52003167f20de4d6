/**
 * The one guard for every file ktrim writes at the user's request (report -o,
 * kconfig -o, build --out, analyze --svg, bench-range --journal). ktrim never
 * overwrites an input and never writes into the user's kernel tree, so it
 * refuses an output that:
 * - is, or resolves to, one of the inputs: same device and inode (symlinks,
 *   hard links, `./x` vs `x`), or the same real path;
 * - lies inside a kernel tree given with --source (after resolving links);
 * - exists and is not a regular file (directory, device node such as
 *   /dev/null, FIFO, socket, or a symlink to one), or is a dangling symlink.
 * Writes go atomically (write-file-atomic) to the resolved real path, so a
 * symlink to a regular file keeps pointing at the new content.
 */
import { copyFile, lstat, mkdir, realpath, rename, rm, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { InputError } from './errors.js';

export interface OutputRules {
  /** Files the command reads: the output may be none of them. */
  inputs?: readonly (string | undefined)[];
  /** Kernel trees (--source): nothing is written inside them. */
  trees?: readonly (string | undefined)[];
  /** The option that named the output, for the message (e.g. "-o"). */
  flag?: string;
}

function kindOf(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

async function realOrResolved(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Check where an output may go; returns the real path to write to. Throws one
 * InputError naming the output otherwise.
 */
export async function checkOutput(output: string, rules: OutputRules = {}): Promise<string> {
  const flag = rules.flag ? ` (${rules.flag})` : '';
  const fail = (why: string): never => {
    throw new InputError(`${why}: refusing to write there${flag}`, output);
  };
  const abs = resolve(output);
  let real: string;
  let outStat: Stats | undefined;
  let link: Stats | undefined;
  try {
    link = await lstat(abs);
  } catch {
    link = undefined;
  }
  if (link) {
    outStat = await statOrUndefined(abs);
    if (!outStat) fail('is a dangling symlink');
    if (!outStat!.isFile()) fail(`is ${kindOf(outStat!)}${link.isSymbolicLink() ? ' (through a symlink)' : ''}, not a regular file`);
    real = await realpath(abs);
  } else {
    // A new file: its directory must exist (resolved, so links to a kernel tree are caught).
    const dirStat = await statOrUndefined(dirname(abs));
    // Worded as report -o always said it: nothing is refused, the path just cannot exist.
    if (!dirStat) throw new InputError('cannot write: no such directory', output);
    if (!dirStat.isDirectory()) throw new InputError(`cannot write: ${dirname(abs)} is not a directory`, output);
    real = join(await realpath(dirname(abs)), basename(abs));
  }
  for (const input of rules.inputs ?? []) {
    if (input === undefined || input === '-') continue;
    const inStat = await statOrUndefined(input);
    const same = outStat && inStat ? outStat.dev === inStat.dev && outStat.ino === inStat.ino : (await realOrResolved(input)) === real;
    if (same) {
      const alias = resolve(input) === abs ? '' : ` (the same file as ${input})`;
      throw new InputError(`is one of the inputs${alias}: refusing to overwrite it${flag}`, output);
    }
  }
  for (const tree of rules.trees ?? []) {
    if (tree === undefined) continue;
    const root = await realOrResolved(tree);
    if (real === root || real.startsWith(root.endsWith(sep) ? root : root + sep))
      fail(`is inside the kernel tree ${tree}, which ktrim never writes to`);
  }
  return real;
}

/** Check a directory that outputs go into (build --out): not a non-directory, not inside a kernel tree. */
export async function checkOutputDir(dir: string, rules: OutputRules = {}): Promise<string> {
  const flag = rules.flag ? ` (${rules.flag})` : '';
  const st = await statOrUndefined(dir);
  if (st && !st.isDirectory()) throw new InputError(`is ${kindOf(st)}, not a directory: refusing to write there${flag}`, dir);
  // A directory yet to be made: judge by its nearest existing ancestor, resolved.
  let probe = resolve(dir);
  const rest: string[] = [];
  while (!(await statOrUndefined(probe)) && dirname(probe) !== probe) {
    rest.unshift(basename(probe));
    probe = dirname(probe);
  }
  const real = join(await realOrResolved(probe), ...rest);
  for (const tree of rules.trees ?? []) {
    if (tree === undefined) continue;
    const root = await realOrResolved(tree);
    if (real === root || real.startsWith(root + sep)) {
      throw new InputError(`is inside the kernel tree ${tree}, which ktrim never writes to: refusing to write there${flag}`, dir);
    }
  }
  return real;
}

/**
 * `mkdir -p` for a checked output directory, one level at a time: Node's
 * recursive mkdir spins forever where an existing parent refuses children
 * with ENOENT (procfs, sysfs: `--out /proc/x` hung ktrim at 100 % CPU).
 * Returns the directories it made, outermost first.
 */
export async function makeOutputDir(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let p = resolve(dir); !(await statOrUndefined(p)) && dirname(p) !== p; p = dirname(p)) missing.unshift(p);
  const made: string[] = [];
  for (const d of missing) {
    try {
      await mkdir(d);
      made.push(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue; // made meanwhile
      const why = code === 'ENOENT' ? `ENOENT: ${dirname(d)} takes no new directories` : (code ?? (err as Error).message);
      throw new InputError(`cannot create the output directory (${why})`, dir, undefined, { cause: err });
    }
  }
  return made;
}

/** Write a checked output atomically (a temporary file renamed over it). */
export async function writeOutput(real: string, data: string | Buffer, shownAs: string = real): Promise<void> {
  try {
    await writeFileAtomic(real, data);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT' ? 'cannot write: no such directory' : `cannot write (${code ?? (err as Error).message})`,
      shownAs,
      undefined,
      { cause: err },
    );
  }
}

/** Copy a file to a checked output atomically (copy next to it, then rename). */
export async function copyOutput(from: string, real: string): Promise<void> {
  const tmp = join(dirname(real), `.${basename(real)}.ktrim-tmp-${process.pid}`);
  try {
    await copyFile(from, tmp);
    await rename(tmp, real);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** checkOutput, then writeOutput: the usual case of one result file. */
export async function writeCheckedOutput(output: string, data: string | Buffer, rules: OutputRules = {}): Promise<string> {
  const real = await checkOutput(output, rules);
  await writeOutput(real, data, output);
  return real;
}
