import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotConfig } from '../../../src/kconfig/dotconfig.js';
import { diffConfigs, formatDiffconfig, formatDiffconfigMerge, summarizeDiff } from '../../../src/kconfig/diffconfig.js';

const FIX = join(process.cwd(), 'test/fixtures/dotconfig');
const text = (name: string) => readFileSync(join(FIX, name), 'utf8');
const read = (name: string) => parseDotConfig(text(name), name);

// The .expected files are the output of the kernel's python3 scripts/diffconfig (see README.md there).
describe('diffconfig port', () => {
  for (const [a, b] of [
    ['a', 'b'],
    ['b', 'a'],
    ['a', 'crlf'],
    ['a', 'a'],
  ]) {
    it(`prints exactly what scripts/diffconfig prints for ${a} ${b}`, () => {
      const d = diffConfigs(read(`${a}.config`), read(`${b}.config`));
      expect(formatDiffconfig(d)).toBe(text(`diff-${a}-${b}.expected`));
      expect(formatDiffconfigMerge(d)).toBe(text(`diff-m-${a}-${b}.expected`));
    });
  }

  it('returns typed entries: removed, changed, added, each sorted', () => {
    const d = diffConfigs(read('a.config'), read('b.config'));
    expect(d[0]).toEqual({ op: '-', name: 'MODULES', before: 'y' });
    expect(d.find((e) => e.name === 'SMP')).toEqual({ op: '->', name: 'SMP', before: 'n', after: 'y' });
    expect(d[d.length - 1]).toEqual({ op: '+', name: 'VIRTIO_NET', after: 'y' });
    expect(summarizeDiff(d)).toEqual({ removed: 1, changed: 5, added: 2 });
    expect(diffConfigs(read('a.config'), read('a.config'))).toEqual([]);
  });
});

describe('parity comparison (test/e2e/helpers/parity.ts)', () => {
  it('counts the symbols compared and differing, and finds the first differing line', async () => {
    const { compareOutputs } = await import('../../e2e/helpers/parity.js');
    const r = compareOutputs(text('a.config'), text('b.config'));
    expect(r.compared).toBe(13);
    expect(r.differing.map((d) => d.name)).toEqual([
      'MODULES',
      'CMDLINE',
      'E1000',
      'LOCALVERSION',
      'LOG_BUF_SHIFT',
      'SMP',
      'PRINTK_TIME',
      'VIRTIO_NET',
    ]);
    expect(r.bytesIdentical).toBe(false);
    expect(r.firstDifferentLine).toBe(2);
    const same = compareOutputs(text('a.config'), text('a.config'));
    expect([same.compared, same.differing.length, same.bytesIdentical, same.firstDifferentLine]).toEqual([11, 0, true, undefined]);
  });
});
