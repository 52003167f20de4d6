// Ctrl-C and SIGTERM during a real boot: ktrim exits 130/143 and leaves no
// qemu behind. Each run's qemu is found by a unique word on its command line.
import { describe, it, expect, beforeAll } from '@jest/globals';
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tinyKernel, TINY_KERNEL_TIMEOUT_MS } from './helpers/tiny-kernel.js';

let kernel: string;
beforeAll(async () => {
  kernel = (await tinyKernel()).bzImage;
}, TINY_KERNEL_TIMEOUT_MS);

/** Pids of live qemu processes whose command line carries the tag (a /proc scan: no procps needed). */
async function qemuPids(tag: string): Promise<string> {
  const pids: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (/qemu-system-x86_64$/.test(argv[0]) && argv.some((a) => a.includes(`ktrim.tag=${tag}`))) pids.push(pid);
  }
  return pids.join(' ');
}

async function interruptMidBoot(signal: 'SIGINT' | 'SIGTERM') {
  const tag = randomUUID().slice(0, 8);
  const child = execa(process.execPath, ['bin/ktrim', 'boot', '--kernel', kernel, '--runs', '5', '--warmup', '0', '--append', `loglevel=6 ktrim.tag=${tag}`], {
    reject: false,
    env: { NO_COLOR: '1' },
  });
  // Wait until qemu really runs (its command line is printed as it starts).
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`qemu never started: ${stderr}`)), 60_000);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('I: $ qemu-system-x86_64')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  for (let i = 0; i < 50 && !(await qemuPids(tag)); i++) await new Promise((r) => setTimeout(r, 100));
  expect(await qemuPids(tag)).not.toBe('');
  await new Promise((r) => setTimeout(r, 1000)); // mid-boot
  child.kill(signal);
  const r = await child;
  return { r, left: await qemuPids(tag) };
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
