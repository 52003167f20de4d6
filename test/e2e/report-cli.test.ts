// `ktrim report` as a user runs it: the built CLI (bin/ktrim → dist/) on the
// real Debian 6.1 / 6.12 boot logs of test/fixtures/boots. Figures checked by
// hand with grep/awk on the logs:
//   crypto_algapi_init 347976 / 330924 / 199239 µs → median 330.924 ms, sd 81.399 ms,
//     share 878139 / 3423457 = 25.7 %;
//   acpi_init 180000 / 168000 / 88000 µs (all multiples of 4000: jiffies);
//   total initcall time 1229445 / 1250711 / 943301 µs (boot 3: 927959 printed + 15342 of console
//   initcalls that print 0 µs, from their timestamps); Run /init at 2.749054 / 2.528513 / 2.041381 s;
//   670 initcalls per boot, 49 returning non-zero; 616 medians under 1 ms summing to 38296 µs;
//   6.12: 1464404 µs of initcalls, Run /init at 2.547193 s.
import { describe, it, expect, beforeAll, afterAll, jest } from '@jest/globals';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

// Each test starts the CLI up to three times; on a loaded 2-core machine one start takes seconds.
jest.setTimeout(120_000);

const ktrim = (...args: string[]) => execa('node', ['bin/ktrim', ...args], { reject: false, env: { NO_COLOR: '1' } });
const B = 'test/fixtures/boots';
const LOGS = [1, 2, 3].map((i) => `${B}/debian-6.1-qemu-${i}.log`);
const LOG612 = `${B}/debian-6.12-qemu-1.log`;

let tmp: string;
beforeAll(() => {
  if (!existsSync('dist/cli.js')) throw new Error('build first: npx tsc -p tsconfig.build.json');
  tmp = mkdtempSync(join(tmpdir(), 'ktrim-report-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** One E: line naming the file, exit 1, no stack trace. */
function expectOneLineError(r: { exitCode?: number; stderr: string; stdout: string }, pattern: RegExp) {
  expect(r.exitCode).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^E: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}

describe('ktrim report on three real boots of Debian 6.1', () => {
  it('prints the header and an aligned blame list (text)', async () => {
    const r = await ktrim('report', ...LOGS, '--top', '25');
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^Kernel: +6\.1\.0-56-amd64 \(debian-kernel@lists\.debian\.org\)/);
    expect(lines).toContain('Initcalls:         670 (per boot 670, 670, 670; 49 returned an error)');
    expect(lines.find((l) => l.startsWith('Initcall time:'))).toMatch(
      /^Initcall time: +1\.229 s median, .* range 943\.301 ms – 1\.251 s \(3 boots\)$/,
    );
    expect(lines.find((l) => l.startsWith('Time to /init:'))).toMatch(
      /^Time to \/init: +2\.529 s median, .* range 2\.041 s – 2\.749 s \(3 boots\)$/,
    );
    expect(lines).toContain('Long tail:         616 initcalls under 1 ms add up to 38.296 ms (3.1 % of initcall time)');
    expect(lines).toContain('Per boot:');
    expect(r.stdout).toMatch(
      /^ {2}test\/fixtures\/boots\/debian-6\.1-qemu-3\.log +6\.1\.0-56-amd64 +670 +943\.301 ms +2\.041 s +\S+ ms +0 +49$/m,
    );
    const rows = lines.filter((l) => /^ *\d+ {2}/.test(l));
    expect(rows).toHaveLength(25);
    expect(rows[0]).toMatch(/^ 1 {2}330\.924 ms {2}± 81\.399 {2}25\.7 % {4}3\/3 {2}crypto_algapi_init$/);
    expect(rows[1]).toMatch(/^ 2 {2}168\.000 ms {2}± 50\.013  +\d+\.\d % +3\/3 {2}acpi_init +low resolution: 4 ms jiffies$/);
    // aligned: every name starts in the column of the `initcall` heading
    const col = lines.find((l) => /^ *# +median/.test(l))!.indexOf('initcall');
    for (const row of rows) expect(row[col - 1]).toBe(' ');
    for (const row of rows) expect(row[col]).toMatch(/[a-z_]/);
    expect(lines).toContain('… 645 more initcalls not shown (--top/--min-us)');
    // error returns are never dropped, even when --top hides them
    expect(r.stdout).toMatch(/^Returned an error \(49 initcalls; in every boot unless noted\):$/m);
    expect(r.stdout).toMatch(/^ {2}-22 EINVAL: microcode_init, save_microcode_in_initrd$/m);
    expect(r.stderr).toBe('');
  });

  it('writes every figure as versioned JSON (--json)', async () => {
    const r = await ktrim('report', ...LOGS, '--json');
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.kind).toBe('initcall-report');
    expect(doc.initcallCount).toBe(670);
    expect(doc.report.initcalls).toHaveLength(670);
    expect(doc.report.boots.map((b: { totalInitcallUs: number }) => b.totalInitcallUs)).toEqual([1_229_445, 1_250_711, 943_301]);
    expect(doc.report.boots.map((b: { timeToInitUs: number }) => b.timeToInitUs)).toEqual([2_749_054, 2_528_513, 2_041_381]);
    const top = doc.report.initcalls[0];
    expect(top).toMatchObject({ key: 'crypto_algapi_init', boots: 3, durationsUs: [347_976, 330_924, 199_239], errorCodes: [] });
    expect(top.stats.median).toBe(330_924);
    expect(top.share).toBeCloseTo(878_139 / 3_423_457, 10);
    const acpi = doc.report.initcalls.find((x: { key: string }) => x.key === 'acpi_init');
    expect(acpi.jiffyUs).toBe(4000);
    expect(doc.report.longTail).toMatchObject({ thresholdUs: 1000, count: 616, totalUs: 38_296 });
    expect(doc.report.initcalls.filter((x: { jiffyUs?: number }) => x.jiffyUs === 4000)).toHaveLength(48);
  });

  it('fits Markdown in 80 columns (--format md)', async () => {
    const r = await ktrim('report', ...LOGS, '--format', 'md', '--top', '25');
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => [...l].length > 80)).toEqual([]);
    expect(lines[0]).toBe('### Initcalls of 6.1.0-56-amd64, 3 boots');
    expect(lines).toContain('|   1 |   330.924 | 81.399 | 25.7 | `crypto_algapi_init`                |');
  });

  it('groups by module', async () => {
    const r = await ktrim('report', `${B}/debian-6.1-modules.log`, '--group-by', 'module', '--json');
    expect(r.exitCode).toBe(0);
    const groups = JSON.parse(r.stdout).report.groups as { name: string; initcalls: number }[];
    expect(groups.map((g) => g.name)).toContain('(built-in)');
    expect(groups.find((g) => g.name === 'virtio_pci')).toMatchObject({ initcalls: 1 });
  });

  it('shows a call that never returned, with its line (a log cut after `calling`)', async () => {
    const cut = join(tmp, 'cut.log');
    writeFileSync(cut, readFileSync(LOGS[0], 'utf8').split('\n').slice(0, 2004).join('\n') + '\n');
    const r = await ktrim('report', cut, '--top', '3');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Initcalls: .*1 never returned/m);
    expect(r.stdout).toContain(`  crypto_algapi_init  at ${cut}:2004`);
  });

  it('draws the median boot as SVG and the report as HTML', async () => {
    const svg = await ktrim('report', ...LOGS, '--format', 'svg');
    expect(svg.exitCode).toBe(0);
    expect(svg.stdout).toMatch(/^(<\?xml [^\n]*\n)?<svg /);
    expect(svg.stdout).toContain('crypto_algapi_init');
    expect(svg.stderr).toContain('debian-6.1-qemu-1.log'); // the median boot by total initcall time
    const html = await ktrim('report', ...LOGS, '--format', 'html');
    expect(html.exitCode).toBe(0);
    expect(html.stdout).toMatch(/^<!DOCTYPE html>/i);
    expect(html.stdout).toContain('crypto_algapi_init');
  });
});

describe('ktrim report --system-map (a kernel without CONFIG_KALLSYMS)', () => {
  const M = 'test/fixtures/malformed';
  it('names bare addresses from System.map, and hints at it without one', async () => {
    const bare = await ktrim('report', `${M}/bare-addresses.log`);
    expect(bare.exitCode).toBe(0);
    expect(bare.stdout).toMatch(/^1 +0\.390 ms .* 0xffffffff818c2a38$/m);
    expect(bare.stderr).toMatch(/^W: .*bare-addresses\.log:1: .*--system-map/m);
    const named = await ktrim('report', `${M}/bare-addresses.log`, '--system-map', `${M}/bare-addresses.System.map`);
    expect(named.exitCode).toBe(0);
    expect(named.stdout).toMatch(/^1 +0\.390 ms +90\.1 % +1\/1 {2}pci_subsys_init$/m);
    expect(named.stdout).toContain('  -19 ENODEV: xenbus_init');
  });
  it("rejects Debian's placeholder System.map in one line", async () => {
    const r = await ktrim('report', `${M}/bare-addresses.log`, '--system-map', `${M}/systemmap-debian-placeholder.System.map`);
    expectOneLineError(r, /^E: .*systemmap-debian-placeholder\.System\.map:1: this is Debian's placeholder System\.map/);
  });
});

describe('ktrim report --compare (6.1 before, 6.12 after)', () => {
  it('puts totals and initcalls side by side in text', async () => {
    const r = await ktrim('report', ...LOGS, '--compare', LOG612, '--top', '10');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Initcall time +1\.229 s +1\.464 s +\+234\.959 ms +\+19\.1 %$/m);
    expect(r.stdout).toMatch(/^Time to \/init +2\.529 s +2\.547 s +\+18\.680 ms +\+0\.7 %$/m);
    expect(r.stdout).toMatch(/^ *330\.924 .* crypto_algapi_init/m);
  });

  it('as JSON and as 80-column Markdown', async () => {
    const j = await ktrim('report', ...LOGS, '--compare', LOG612, '--json');
    expect(j.exitCode).toBe(0);
    const doc = JSON.parse(j.stdout);
    expect(doc.kind).toBe('initcall-comparison');
    expect(doc.comparison.totalInitcall).toMatchObject({ beforeUs: 1_229_445, afterUs: 1_464_404, deltaUs: 234_959 });
    expect(doc.comparison.before.boots).toHaveLength(3);
    expect(doc.comparison.after.boots).toHaveLength(1);
    const md = await ktrim('report', ...LOGS, '--compare', LOG612, '--format', 'md');
    expect(md.exitCode).toBe(0);
    expect(md.stdout.split('\n').filter((l) => [...l].length > 80)).toEqual([]);
    expect(md.stdout).toMatch(/^\| Initcall time \|\s+1\.229 s \|\s+1\.464 s \| \+234\.959 \| \+19\.1 % \|$/m);
  });

  it('warns when the LOGs themselves come from different kernels', async () => {
    const r = await ktrim('report', LOGS[0], LOG612, '--top', '1');
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(
      /^W: logs come from 2 different kernels: 6\.1\.0-56-amd64 .*\(1\), 6\.12\.117\+deb12-amd64 .*\(1\); statistics mix them$/m,
    );
    expect(r.stdout).toMatch(/^Warning: logs come from 2 different kernels/m);
  });
});

describe('ktrim report | head', () => {
  it('ends quietly when the reader closes the pipe early', async () => {
    const r = await execa(
      'bash',
      ['-c', `set -o pipefail; node bin/ktrim report ${LOGS.join(' ')} --format html | head -c 100 >/dev/null`],
      {
        reject: false,
        env: { NO_COLOR: '1' },
      },
    );
    expect(r.exitCode).toBe(0);
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
  });
});

describe('ktrim report -o', () => {
  it('writes the result to a new file, the same bytes as stdout', async () => {
    const out = join(tmp, 'report.md');
    const r = await ktrim('report', ...LOGS, '--format', 'md', '-o', out);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    const direct = await ktrim('report', ...LOGS, '--format', 'md');
    expect(readFileSync(out, 'utf8')).toBe(direct.stdout + '\n');
  });

  it('says so in one line when the directory does not exist', async () => {
    const out = join(tmp, 'no-such-dir', 'report.txt');
    expectOneLineError(await ktrim('report', LOGS[0], '-o', out), new RegExp(`^E: ${out}: cannot write: no such directory$`));
  });

  it('refuses to overwrite an input log', async () => {
    const copy = join(tmp, 'input.log');
    writeFileSync(copy, readFileSync(LOGS[0]));
    const before = statSync(copy).mtimeMs;
    const r = await ktrim('report', copy, '-o', copy);
    expectOneLineError(r, /input\.log: is one of the inputs: refusing to overwrite it/);
    expect(readFileSync(copy).equals(readFileSync(LOGS[0]))).toBe(true);
    expect(statSync(copy).mtimeMs).toBe(before);
  });
});

describe('ktrim report: bad input is one line naming the file, exit 1', () => {
  it('missing file', async () => {
    const p = join(tmp, 'nope.log');
    expectOneLineError(await ktrim('report', p), new RegExp(`^E: ${p}: no such file$`));
  });
  it('a directory', async () => {
    expectOneLineError(await ktrim('report', tmp), new RegExp(`^E: ${tmp}: is a directory, not a boot log$`));
  });
  it('an empty file', async () => {
    const p = join(tmp, 'empty.log');
    writeFileSync(p, '');
    expectOneLineError(await ktrim('report', LOGS[0], p), new RegExp(`^E: ${p}: empty file`));
  });
  it('a file with no initcall lines (a boot without initcall_debug)', async () => {
    const p = join(tmp, 'quiet.log');
    writeFileSync(
      p,
      readFileSync(LOGS[0], 'utf8')
        .split('\n')
        .filter((l) => !/calling|initcall /.test(l))
        .join('\n'),
    );
    expectOneLineError(await ktrim('report', p), new RegExp(`^E: ${p}: no initcall lines .*initcall_debug`));
  });
  it('a binary file', async () => {
    const p = join(tmp, 'vmlinuz.log');
    writeFileSync(p, readFileSync(process.execPath).subarray(0, 100_000));
    expectOneLineError(await ktrim('report', p), new RegExp(`^E: ${p}: is a binary file`));
  });
  it('a compressed log', async () => {
    const p = join(tmp, 'boot.log.gz');
    writeFileSync(p, gzipSync(readFileSync(LOGS[0])));
    expectOneLineError(await ktrim('report', p), new RegExp(`^E: ${p}: is gzip-compressed: decompress it first$`));
  });
  it('a bad file given to --compare', async () => {
    const p = join(tmp, 'missing-after.log');
    expectOneLineError(await ktrim('report', LOGS[0], '--compare', p), new RegExp(`^E: ${p}: no such file$`));
  });
  it('an unknown --format, a bad --top, a bad --group-by', async () => {
    expectOneLineError(
      await ktrim('report', LOGS[0], '--format', 'xml'),
      /^E: unknown --format "xml": use one of text, json, md, svg, html$/,
    );
    expectOneLineError(await ktrim('report', LOGS[0], '--top', 'ten'), /^E: --top takes a whole number ≥ 0, not "ten"$/);
    expectOneLineError(await ktrim('report', LOGS[0], '--group-by', 'bogus'), /^E: .*bogus/);
    // dir, file and symbol need the tree the kernel was built from.
    expectOneLineError(await ktrim('report', LOGS[0], '--group-by', 'dir'), /^E: --group-by dir needs --source/);
  });
  it('shows the stack trace only with --debug', async () => {
    const r = await ktrim('report', join(tmp, 'nope.log'), '--debug');
    expect(r.exitCode).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(/^E: .*nope\.log: no such file$/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});
