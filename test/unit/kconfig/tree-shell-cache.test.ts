import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createShellRunner, runShellCommand } from '../../../src/kconfig/shell-cache.js';
import { kernelVersionOf, srcArchOf } from '../../../src/kconfig/tree.js';

describe('$(shell) runner with disk cache', () => {
  it('runs /bin/sh like do_shell and caches per toolchain key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ktrim-shell-'));
    try {
      const env = { PATH: process.env.PATH, GREETING: 'hi' };
      const cmd = 'printf "%s\\n\\n" "$GREETING there"; printf "x\\n" >> count';
      const a = createShellRunner({ env, cwd: join(dir, 'work'), cacheDir: join(dir, 'cache'), toolchainKey: 'gcc 12' });
      expect(a.run(cmd)).toBe('hi there');
      expect(a.run(cmd)).toBe('hi there');
      expect([a.hits, a.misses]).toEqual([1, 1]);
      a.flush();
      const b = createShellRunner({ env, cwd: join(dir, 'work'), cacheDir: join(dir, 'cache'), toolchainKey: 'gcc 12' });
      expect(b.run(cmd)).toBe('hi there');
      expect([b.hits, b.misses]).toEqual([1, 0]);
      // The command ran once in total: the side effect file has one line.
      expect(runShellCommand('wc -l < count', env, join(dir, 'work'))).toBe('1');
      const c = createShellRunner({ env, cwd: join(dir, 'work'), cacheDir: join(dir, 'cache'), toolchainKey: 'gcc 13' });
      c.run(cmd);
      expect(c.misses).toBe(1);
      c.flush();
      expect(readdirSync(join(dir, 'cache')).length).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads KERNELVERSION and SRCARCH the way the top Makefile does', () => {
    expect(kernelVersionOf('VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 192\nEXTRAVERSION =\nNAME = Curry Ramen\n')).toBe('6.1.192');
    expect(kernelVersionOf('VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\nEXTRAVERSION = -rc3\n')).toBe('6.12.0-rc3');
    expect(srcArchOf('x86_64')).toBe('x86');
    expect(srcArchOf('arm64')).toBe('arm64');
  });
});
