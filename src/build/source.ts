/**
 * Kernel sources from Debian's linux-source-X packages, unpacked once into
 * the cache (`$KTRIM_CACHE/src/linux-source-X-<debian version>`). Several
 * processes (parallel tests, helpers) may ask at once: a lock serializes the
 * unpacking, and a stamp file marks a complete tree, so a killed unpack is
 * redone rather than trusted.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { cacheRoot } from '../cache.js';
import { InputError, KtrimError } from '../errors.js';
import { startChild } from '../process.js';
import type { Logger } from '../ui/log.js';

const STAMP = '.ktrim-unpacked';

export interface DebianSourceOptions {
  cacheDir?: string;
  logger?: Logger;
  /** Where Debian puts the tarball; tests point this elsewhere. */
  usrSrc?: string;
}

/** Debian package version of linux-source-X, e.g. `6.1.158-1`. */
async function packageVersion(pkg: string): Promise<string> {
  const r = await execa('dpkg-query', ['-W', '-f=${Version}', pkg], { reject: false });
  if (r.exitCode !== 0 || !r.stdout) {
    throw new InputError(`Debian package ${pkg} is not installed (run \`make debs\` or \`apt-get install ${pkg}\`)`);
  }
  return r.stdout.trim();
}

/** Unpack Debian's linux-source-<series> (e.g. "6.1") and return the tree's path. */
export async function ensureDebianSource(series: string, opts: DebianSourceOptions = {}): Promise<string> {
  if (!/^\d+\.\d+$/.test(series)) throw new InputError(`not a kernel series: ${series} (expected e.g. 6.1)`);
  const pkg = `linux-source-${series}`;
  const tarball = join(opts.usrSrc ?? '/usr/src', `${pkg}.tar.xz`);
  if (!existsSync(tarball)) {
    throw new InputError(`${tarball} not found: install Debian's ${pkg} (run \`make debs\`)`);
  }
  const version = await packageVersion(pkg);
  const root = join(opts.cacheDir ?? cacheRoot(), 'src');
  const dest = join(root, `${pkg}-${version}`);
  if (existsSync(join(dest, STAMP))) return dest;

  await mkdir(root, { recursive: true });
  const release = await lockfile.lock(root, {
    lockfilePath: join(root, `.${pkg}.lock`),
    retries: { retries: 900, minTimeout: 1000, maxTimeout: 1000 },
  });
  try {
    if (existsSync(join(dest, STAMP))) return dest; // another process finished it
    await rm(dest, { recursive: true, force: true });
    const tmp = await mkdtemp(join(root, `.unpack-${pkg}-`));
    opts.logger?.info(`unpacking ${tarball} into ${dest} (once)`);
    const child = startChild(['tar', '-xf', tarball, '-C', tmp], { logger: opts.logger });
    const res = await child.done;
    if (res.exitCode !== 0) {
      await rm(tmp, { recursive: true, force: true });
      throw new KtrimError(`tar -xf ${tarball} failed (exit ${res.exitCode ?? res.signal})`, 2);
    }
    await rename(join(tmp, pkg), dest);
    await rm(tmp, { recursive: true, force: true });
    await writeFile(join(dest, STAMP), `${pkg} ${version}\n`);
    return dest;
  } finally {
    await release();
  }
}
