// The built CLI (bin/ktrim → dist/cli.js) as a user runs it: exit codes and one-line errors.
import { describe, it, expect } from '@jest/globals';
import { execa } from 'execa';
import { readFileSync } from 'node:fs';

const ktrim = (...args: string[]) => execa('node', ['bin/ktrim', ...args], { reject: false, env: { NO_COLOR: '1' } });

describe('ktrim CLI', () => {
  it('prints its version from package.json', async () => {
    const r = await ktrim('--version');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it('rejects an unknown verb with one E: line and exit 1, no stack trace', async () => {
    const r = await ktrim('frobnicate');
    expect(r.exitCode).toBe(1);
    const errLines = r.stderr.split('\n').filter((l) => l.startsWith('E:'));
    expect(errLines).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
