/**
 * The tiny kernel the end-to-end tests boot: Debian's linux-source-6.1 with
 * `tinyconfig` + configs/tiny-serial.config, built once into the cache
 * ($KTRIM_CACHE/builds/...) and then a cache hit (no make at all). The first
 * call in a fresh cache takes ~6 minutes on 2 cores; concurrent callers wait
 * on the build directory's lock instead of building twice.
 */
import { join } from 'node:path';
import { buildKernel } from '../../../src/build/build.js';
import { realMakeRunner } from '../../../src/build/make.js';
import type { BuildResult } from '../../../src/build/types.js';
import { ensureDebianSource } from '../../../src/build/source.js';
import { createLogger } from '../../../src/ui/log.js';

/** The repository root (tests run from it). */
const repo = process.cwd();
export const TINY_FRAGMENT = join(repo, 'configs', 'tiny-serial.config');

let pending: Promise<BuildResult> | undefined;

/** Build (or find in the cache) the tiny serial-console kernel. */
export async function tinyKernel(): Promise<BuildResult> {
  pending ??= (async () => {
    const logger = createLogger({ quiet: !process.env.KTRIM_TEST_VERBOSE });
    const source = await ensureDebianSource('6.1', { logger });
    return buildKernel({ source, base: 'tinyconfig', config: TINY_FRAGMENT, arch: 'x86_64', jobs: 2 }, { make: realMakeRunner, logger });
  })();
  try {
    return await pending;
  } catch (err) {
    pending = undefined;
    throw err;
  }
}

/** Minutes a test that may build the tiny kernel from scratch should allow. */
export const TINY_KERNEL_TIMEOUT_MS = 20 * 60 * 1000;
