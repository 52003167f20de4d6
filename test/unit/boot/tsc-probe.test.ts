// /bin/ktrim-tsc: the hand-assembled ELF runs on this x86-64 host as it runs
// in the guest, prints the TSC in decimal, and readelf/objdump (binutils, an
// independent reader) see one executable PT_LOAD segment and the listed code.
import { describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tscProbeElf } from '../../../src/boot/tsc-probe.js';
import { tempDir } from './fake.js';

const probe = () => {
  const path = join(tempDir(), 'ktrim-tsc');
  writeFileSync(path, tscProbeElf());
  chmodSync(path, 0o755);
  return path;
};

describe('tscProbeElf', () => {
  it('prints the time-stamp counter, one decimal line, rising between runs, exit 0', async () => {
    const path = probe();
    const a = await execa(path);
    const b = await execa(path);
    expect(a.exitCode).toBe(0);
    expect(a.stdout).toMatch(/^\d{6,20}$/);
    expect(a.stderr).toBe('');
    expect(BigInt(b.stdout)).toBeGreaterThan(BigInt(a.stdout));
  });

  it('is a static x86-64 executable whose code is the listing in its header', async () => {
    const path = probe();
    const header = (await execa('readelf', ['-h', '-l', '-W', path])).stdout;
    expect(header).toMatch(/Type:\s+EXEC/);
    expect(header).toMatch(/Machine:\s+Advanced Micro Devices X86-64/);
    expect(header).toMatch(/Entry point address:\s+0x400078/);
    expect(header).toMatch(/LOAD\s+0x000000 0x0000000000400000 0x0000000000400000 0x0000c4 0x0000c4 R E 0x1000/);
    const code = (await execa('objdump', ['-D', '-b', 'binary', '-mi386:x86-64', '--start-address=0x78', path])).stdout;
    const mnemonics = [...code.matchAll(/^\s+[0-9a-f]+:\t(?:[0-9a-f]{2} )+\s*\t(\S+)/gm)].map((m) => m[1]);
    expect(mnemonics).toEqual([
      ...['sub', 'rdtsc', 'shl', 'or', 'lea', 'dec', 'movb', 'mov'],
      ...['xor', 'div', 'add', 'dec', 'mov', 'test', 'jne'],
      ...['lea', 'sub', 'mov', 'mov', 'syscall', 'xor', 'mov', 'syscall'],
    ]);
  });
});
