// bench-range's matrix against the fake qemu: layout, interleaving, and the
// t-test verdicts (on deterministic guest figures, so the test cannot flake).
import { describe, it, expect } from '@jest/globals';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  benchmarkRange,
  cells,
  chooseColumns,
  formatRangeTable,
  kernelsInDirectory,
  labelKernels,
  verdictOf,
} from '../../../src/boot/range.js';
import { welchTTest } from '../../../src/stats/ttest.js';
import { parseList } from '../../../src/commands/bench-range.js';
import { fakeBootDeps, fakeBzImage, tempDir } from './fake.js';

describe('matrix layout', () => {
  const k = (label: string) => ({ label, path: `/k/${label}` });
  it('puts the first varying axis across and the product of the others down', () => {
    const req = { kernels: [k('a')], appends: ['quiet', 'quiet x'], smp: [1, 4], memoryMb: [256], common: {}, runs: 2 };
    expect(chooseColumns(req)).toBe('append');
    const { columns, grid } = cells(req);
    expect(columns).toBe('append');
    expect(grid.map((row) => row.map((c) => `${c.smp}/${c.append}`))).toEqual([
      ['1/quiet', '1/quiet x'],
      ['4/quiet', '4/quiet x'],
    ]);
    expect(chooseColumns({ ...req, kernels: [k('a'), k('b')] })).toBe('kernel');
    expect(chooseColumns({ ...req, columns: 'smp' })).toBe('smp');
  });

  it('labels clashing kernel names and parses comma lists', () => {
    expect(labelKernels(['/x/bzImage', '/y/bzImage', '/z/vmlinuz']).map((c) => c.label)).toEqual(['bzImage#1', 'bzImage#2', 'vmlinuz']);
    expect(parseList('smp', '1,4,4')).toEqual([1, 4]);
    expect(() => parseList('smp', '1,x')).toThrow('--smp "1,x": expected positive integers separated by commas (e.g. 1,4)');
  });

  it('finds the bzImages in a directory and skips other files', async () => {
    const dir = tempDir();
    const kdir = join(dir, 'kernels');
    mkdirSync(kdir);
    copyFileSync(fakeBzImage(dir), join(kdir, 'b-kernel'));
    copyFileSync(fakeBzImage(dir), join(kdir, 'a-kernel'));
    writeFileSync(join(kdir, 'README'), 'not a kernel');
    mkdirSync(join(kdir, 'old'));
    copyFileSync(fakeBzImage(dir), join(kdir, 'old', 'c-kernel')); // not searched: only the directory itself
    symlinkSync(join(kdir, 'a-kernel'), join(kdir, 'd-link'));
    expect((await kernelsInDirectory(kdir)).map((c) => c.label)).toEqual(['a-kernel', 'b-kernel', 'd-link']);
    await expect(kernelsInDirectory(join(kdir, 'README'))).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/README: cannot list kernel directory: not a directory$/),
    });
    await expect(kernelsInDirectory(dir + '/nope')).rejects.toMatchObject({ exitCode: 1 });
  });

  it('turns a t-test into a verdict only when significant', () => {
    expect(verdictOf(welchTTest([100, 101, 99], [90, 91, 89]))).toEqual({ verdict: 'improves', percent: expect.closeTo(10, 9) });
    expect(verdictOf(welchTTest([100, 101, 99], [110, 111, 109]))).toEqual({ verdict: 'degrades', percent: expect.closeTo(10, 9) });
    expect(verdictOf(welchTTest([100, 110, 90], [101, 95, 108]))).toEqual({ verdict: 'no significant difference' });
  });
});

describe('benchmarkRange with the fake qemu', () => {
  it('boots every cell, interleaved, and marks only real differences', async () => {
    const dir = tempDir();
    const kernel = fakeBzImage(dir);
    const order: string[] = [];
    const res = await benchmarkRange(
      {
        kernels: [{ label: 'fake', path: kernel }],
        appends: ['fake.delay=0.1', 'fake.delay=0.4', 'fake.delay=0.1 quiet'],
        smp: [1],
        memoryMb: [128],
        common: {},
        runs: 3,
        metric: 'guestMarkerUptimeMs',
        onBoot: (c, _r, round) => order.push(`${round}:${c.append}`),
      },
      fakeBootDeps(dir),
    );
    expect(order).toEqual([
      '1:fake.delay=0.1',
      '1:fake.delay=0.4',
      '1:fake.delay=0.1 quiet',
      '2:fake.delay=0.1',
      '2:fake.delay=0.4',
      '2:fake.delay=0.1 quiet',
      '3:fake.delay=0.1',
      '3:fake.delay=0.4',
      '3:fake.delay=0.1 quiet',
    ]);
    expect(res.columns).toBe('append');
    const [base, slow, same] = res.rows[0].cells;
    expect(base.samples).toEqual([550, 550, 550]);
    expect(slow.samples).toEqual([850, 850, 850]);
    expect(base.verdict).toBe('baseline');
    expect(slow.verdict).toBe('degrades');
    expect(slow.percent).toBeCloseTo(((850 - 550) / 550) * 100, 9);
    expect(same.verdict).toBe('no significant difference');
    // host clock figures are there too, for every cell
    expect(slow.all.markerMs!.min).toBeGreaterThanOrEqual(500); // 50 + 400 + 50 ms of fake sleeps
    expect(base.all.markerMs!.min).toBeGreaterThanOrEqual(200);
    const table = formatRangeTable(res);
    expect(table).toContain('end marker (guest uptime) (guest clock, ms), mean ± sd of 3 boots');
    expect(table).toMatch(/\| 850 ± 0 degrades by 54\.5%/);
    expect(table).toMatch(/\| 550 ± 0 \(p=1\.00\)/);
  });

  it('journals finished boots and resumes from the journal without booting them again', async () => {
    const dir = tempDir();
    const kernel = fakeBzImage(dir);
    const journal = join(dir, 'range.jsonl');
    const req = {
      kernels: [{ label: 'fake', path: kernel }],
      appends: ['fake.delay=0.1', 'fake.delay=0.2'],
      smp: [1],
      memoryMb: [128],
      common: {},
      runs: 2,
      warmup: 1,
      metric: 'guestMarkerUptimeMs' as const,
      journal,
    };
    const booted: string[] = [];
    const first = await benchmarkRange(
      { ...req, onBoot: (c, _r, round, w) => booted.push(`${w ? 'w' : ''}${round}:${c.append}`) },
      fakeBootDeps(dir),
    );
    expect(booted).toHaveLength(6);
    const lines = readFileSync(journal, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4); // counted boots only
    // A run killed during its last boot: the last line is cut short, the boot before it is lost.
    writeFileSync(journal, lines.slice(0, 2).join('\n') + '\n' + lines[2].slice(0, 40));
    const again: string[] = [];
    let resumed = 0;
    const second = await benchmarkRange(
      { ...req, onBoot: (c, _r, round, w) => again.push(`${w ? 'w' : ''}${round}:${c.append}`), onResume: (n) => (resumed = n) },
      fakeBootDeps(dir),
    );
    expect(resumed).toBe(2);
    // the first counted round (2) is in the journal: the warm-ups and round 3 boot again
    expect(again).toEqual(['w1:fake.delay=0.1', 'w1:fake.delay=0.2', '3:fake.delay=0.1', '3:fake.delay=0.2']);
    expect(second.rows[0].cells.map((c) => c.samples)).toEqual(first.rows[0].cells.map((c) => c.samples));
    writeFileSync(journal, 'garbage\n{"cell":"x","round":1,"figures":{"host":{}}}\n');
    await expect(benchmarkRange(req, fakeBootDeps(dir))).rejects.toMatchObject({
      exitCode: 1,
      message: `${journal}:1: not a bench-range journal line`,
    });
  });
});
