// A call that never returned is drawn to the log's last timestamp
// (ParsedBoot.lastTimestampUs), not to a fixed 3 % margin (issue 7 §3).
// debian-6.1-qemu-1.log cut after line 1185: pci_subsys_init called at
// 1.650182 s never returns; the last line is at 1.650891 s. A 3 % margin
// would have ended the window near 1.70 s.
import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parseBootLog } from '../../../src/initcall/parse.js';
import { renderSvg } from '../../../src/report/svg.js';

describe('renderSvg and the end of the log', () => {
  it('ends the window at the last timestamp when a call never returned', () => {
    const cut = readFileSync('test/fixtures/boots/debian-6.1-qemu-1.log', 'latin1').split('\n').slice(0, 1185).join('\n');
    const boot = parseBootLog(cut);
    expect(boot.lastTimestampUs).toBe(1_650_891);
    const t1 = Number(/data-t1="(\d+(?:\.\d+)?)"/.exec(renderSvg(boot, { title: 'cut' }))?.[1]);
    expect(t1).toBeGreaterThanOrEqual(1_650_891);
    expect(t1).toBeLessThan(1_660_000);
  });
});
