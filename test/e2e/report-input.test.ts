// `ktrim report` reads logs the way users hand them over: piped (`dmesg |
// ktrim report -`), redirected, from a FIFO or process substitution, from
// /proc (stat size 0). Built CLI (bin/ktrim → dist/) on the real fixtures.
// Figures: debian-6.1-qemu-1.log has 670 initcalls totalling 1229445 µs
// (checked with awk, see report-cli.test.ts).
import { describe, it, expect, beforeAll, afterAll, jest } from '@jest/globals';
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(120_000);

const B = 'test/fixtures/boots';
const LOG = `${B}/debian-6.1-qemu-1.log`;
const ktrim = (args: string[], opts: { input?: string; inputFile?: string } = {}) =>
  execa('node', ['bin/ktrim', ...args], { reject: false, env: { NO_COLOR: '1' }, ...opts });

let tmp: string;
beforeAll(() => {
  if (!existsSync('dist/cli.js')) throw new Error('build first: npx tsc -p tsconfig.build.json');
  tmp = mkdtempSync(join(tmpdir(), 'ktrim-input-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectOneLineError(r: { exitCode?: number; stderr: string; stdout: string }, pattern: RegExp) {
  expect(r.exitCode).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stdout).toBe('');
}

const totals = (stdout: string) =>
  (JSON.parse(stdout) as { report: { boots: { source: string; totalInitcallUs: number; initcalls: number }[] } }).report.boots.map((b) => [
    b.source,
    b.initcalls,
    b.totalInitcallUs,
  ]);

describe('ktrim report reads piped and special inputs', () => {
  it('`dmesg | ktrim report -`: a pipe on stdin', async () => {
    const r = await ktrim(['report', '-', '--json'], { input: readFileSync(LOG, 'utf8') });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(totals(r.stdout)).toEqual([['-', 670, 1_229_445]]);
  });

  it('`journalctl -k | ktrim report -` beside a file, and `-` in --compare', async () => {
    const r = await ktrim(['report', LOG, '--compare', '-', '--json'], { inputFile: `${B}/debian-6.1-journal.log` });
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    // the journal copy of boot 1: same initcalls, same figures
    expect(doc.comparison.before.boots.map((b: { totalInitcallUs: number }) => b.totalInitcallUs)).toEqual([1_229_445]);
    expect(doc.comparison.after.boots.map((b: { source: string; totalInitcallUs: number }) => [b.source, b.totalInitcallUs])).toEqual([
      ['-', 1_229_445],
    ]);
  });

  it('a FIFO (and so `<(cmd)` process substitution)', async () => {
    const fifo = join(tmp, 'boot.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = execa('sh', ['-c', `cat "$1" > "$2"`, 'sh', LOG, fifo]);
    const r = await ktrim(['report', fifo, '--json']);
    await writer;
    expect(r.exitCode).toBe(0);
    expect(totals(r.stdout)).toEqual([[fifo, 670, 1_229_445]]);
  });

  it('a /proc file (stat size 0) is read, not called empty', async () => {
    expectOneLineError(await ktrim(['report', '/proc/self/status']), /^E: \/proc\/self\/status: no initcall lines/);
  });

  it('empty stdin, a device, an unknown option, stdin twice: one E: line each', async () => {
    expectOneLineError(await ktrim(['report', '-'], { input: '' }), /^E: -: empty input, expected a boot log$/);
    expectOneLineError(await ktrim(['report', '/dev/zero']), /^E: \/dev\/zero: is not a regular file or a pipe$/);
    expectOneLineError(await ktrim(['report', LOG, '--bogus']), /^E: unknown option --bogus/);
    expectOneLineError(await ktrim(['report', '-', '--compare', '-'], { input: 'x' }), /^E: stdin \(-\) can be read only once$/);
  });
});
