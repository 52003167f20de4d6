// The tiny test kernel for benches (the one test/e2e/helpers/tiny-kernel.ts
// builds: Debian's linux-source-6.1, tinyconfig + configs/tiny-serial.config),
// a cache hit after the first build; KTRIM_BENCH_KERNEL overrides it.
// Imports the built code: run `npx tsc -p tsconfig.build.json` first.
import { join } from 'node:path';
import { createLogger } from '../../dist/ui/log.js';

export async function tinyKernelImage() {
  if (process.env.KTRIM_BENCH_KERNEL) return process.env.KTRIM_BENCH_KERNEL;
  const { ensureDebianSource } = await import('../../dist/build/source.js');
  const { buildKernel } = await import('../../dist/build/build.js');
  const { realMakeRunner } = await import('../../dist/build/make.js');
  const logger = createLogger({ quiet: true });
  const source = await ensureDebianSource('6.1', { logger });
  const r = await buildKernel(
    { source, base: 'tinyconfig', config: join(process.cwd(), 'configs', 'tiny-serial.config'), arch: 'x86_64', jobs: 2 },
    { make: realMakeRunner, logger },
  );
  return r.bzImage;
}
