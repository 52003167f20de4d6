// realTuneBooter against the fake qemu: a knob's machine and firmware reach
// qemu's argv, the metric's figure comes back, a failed boot is an outcome.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { realTuneBooter, type TuneBootRequest } from '../../../src/tune/tune.js';
import { fakeBootDeps, fakeBzImage, tempDir } from '../boot/fake.js';

describe('realTuneBooter', () => {
  const dir = tempDir();
  const kernel = fakeBzImage(dir);
  const req = (over: Partial<TuneBootRequest>): TuneBootRequest => ({
    kernel,
    loader: 'bzimage',
    smp: 1,
    memoryMb: 128,
    append: 'loglevel=6',
    metric: 'host',
    timeoutS: 10,
    label: 'b-1',
    ...over,
  });

  it('boots with the set-up’s machine and firmware and returns the host figure', async () => {
    const boot = realTuneBooter(fakeBootDeps(dir), { logDir: dir });
    const o = await boot(req({ machine: 'q35', bios: '/usr/share/qemu/qboot.rom' }));
    expect(o.ok).toBe(true);
    if (o.ok) expect(o.valueMs).toBeGreaterThanOrEqual(150); // the fake prints /init 150 ms after spawn at the earliest
    const log = readFileSync(join(dir, 'b-1.console.ts.log'), 'utf8');
    expect(log).toMatch(/"-machine" "q35" .*"-bios" "\/usr\/share\/qemu\/qboot.rom"/);
  });

  it('reads the guest figure for guest metrics, and turns a panic into a failed outcome', async () => {
    // The fake qemu prints no KTRIM-RUNINIT line: its dmesg dump carries the `Run /init` time.
    const boot = realTuneBooter(fakeBootDeps(dir), { request: { dmesg: true } });
    const g = await boot(req({ metric: 'guest', append: 'fake.delay=0.2' }));
    expect(g).toMatchObject({ ok: true, valueMs: 410 }); // the fake's dmesg: Run /init at 0.410000
    const p = await boot(req({ append: 'fake.scenario=panic' }));
    expect(p).toMatchObject({
      ok: false,
      ending: 'panic',
      detail: 'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100',
    });
  });
});
