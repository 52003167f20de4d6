// Ctrl-C and SIGTERM during a real boot: ktrim exits 130/143 and leaves no
// qemu behind. Each run's qemu is found by a unique word on its command line.
import { describe, it, expect, beforeAll } from '@jest/globals';
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { processes } from './helpers/processes.js';
import { tinyKernel, TINY_KERNEL_TIMEOUT_MS } from './helpers/tiny-kernel.js';

let kernel: string;
beforeAll(async () => {
  kernel = (await tinyKernel()).bzImage;
}, TINY_KERNEL_TIMEOUT_MS);

/** Pids of live qemu processes whose command line carries the tag. */
async function qemuPids(tag: string): Promise<string> {
  return processes()
    .filter((p) => /qemu-system-x86_64$/.test(p.argv[0] ?? '') && p.argv.some((a) => a.includes(`ktrim.tag=${tag}`)))
    .map((p) => p.pid)
    .join(' ');
}

/** Poll `read()` until `test` holds on it; throws at the deadline. */
async function appears<T>(read: () => T | Promise<T>, test: (v: T) => boolean, deadlineMs: number, what: string): Promise<T> {
  const end = performance.now() + deadlineMs;
  for (;;) {
    const v = await read();
    if (test(v)) return v;
    if (performance.now() > end) throw new Error(`${what} never happened`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function interruptMidBoot(signal: 'SIGINT' | 'SIGTERM') {
  const tag = randomUUID().slice(0, 8);
  const logs = mkdtempSync(join(tmpdir(), 'ktrim-e2e-signals-'));
  const child = execa(
    process.execPath,
    [
      'bin/ktrim',
      'boot',
      '--kernel',
      kernel,
      '--runs',
      '5',
      '--warmup',
      '0',
      '--keep-logs',
      logs,
      '--append',
      `loglevel=6 ktrim.tag=${tag}`,
    ],
    {
      reject: false,
      env: { NO_COLOR: '1' },
    },
  );
  try {
    // qemu runs (found by its tag), and the kernel is booting: its banner is in the raw console log.
    expect(
      await appears(
        () => qemuPids(tag),
        (p) => p !== '',
        120_000,
        'qemu',
      ),
    ).not.toBe('');
    const consoleLog = () =>
      readdirSync(logs)
        .filter((f) => f.endsWith('.console.log'))
        .map((f) => readFileSync(join(logs, f), 'latin1'))
        .join('');
    await appears(consoleLog, (t) => t.includes('Linux version'), 120_000, 'the kernel banner');
    child.kill(signal);
    const r = await child;
    return { r, left: await qemuPids(tag) };
  } finally {
    rmSync(logs, { recursive: true, force: true });
  }
}

describe('signals during ktrim boot', () => {
  it(
    'SIGINT: exit 130, one E: line, no qemu left',
    async () => {
      const { r, left } = await interruptMidBoot('SIGINT');
      expect(r.exitCode).toBe(130);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('E:'))).toEqual(['E: interrupted by SIGINT']);
      expect(left).toBe('');
    },
    3 * 60 * 1000,
  );

  it(
    'SIGTERM: exit 143, no qemu left',
    async () => {
      const { r, left } = await interruptMidBoot('SIGTERM');
      expect(r.exitCode).toBe(143);
      expect(left).toBe('');
    },
    3 * 60 * 1000,
  );
});
