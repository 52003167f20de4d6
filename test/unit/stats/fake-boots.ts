// Hand-made ParsedBoot values for the renderer tests (no parser involved).
import type { InitcallRecord, ParsedBoot } from '../../../src/initcall/types.js';

/** [fn, duration µs (undefined = never returned), extras] */
export type Call = [string, number | undefined, Partial<InitcallRecord>?];

export function boot(source: string, calls: Call[], extra: Partial<ParsedBoot> = {}): ParsedBoot {
  const initcalls: InitcallRecord[] = calls.map(([fn, d, more], i) => ({
    fn,
    async: false,
    complete: d !== undefined,
    durationUs: d,
    ret: d !== undefined ? 0 : undefined,
    callLine: 10 + 2 * i,
    returnLine: d !== undefined ? 11 + 2 * i : undefined,
    probes: [],
    ...more,
  }));
  return {
    source,
    kernelVersion:
      '6.1.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)',
    kernelRelease: '6.1.0-28-amd64',
    hasTimestamps: true,
    initcalls,
    probes: [],
    asyncWaits: [],
    landmarks: {},
    totalInitcallUs: initcalls.filter((r) => r.complete && !r.async).reduce((t, r) => t + (r.durationUs ?? 0), 0),
    warnings: [],
    lineCount: 100,
    ...extra,
  };
}

/** Three boots: a slow device initcall, a module, an ENODEV, a hang in boot 2, a jiffy-quantized early call. */
export function threeBoots(): ParsedBoot[] {
  const mk = (i: number, slow: number, mod: number, hang: boolean, init: number) =>
    boot(
      `/var/log/boots/b${i}.log`,
      [
        ['early_jiffy_init', 4000 * i, { level: 'core' }],
        ['slow_init', slow, { level: 'device' }],
        ['snd_hda_init', mod, { module: 'snd_hda_intel', level: 'module' }],
        ['nodev_init', 30, { ret: -19, level: 'device' }],
        ['hang_init', hang ? undefined : 250, { level: 'late' }],
        ['tiny_init', 100 + i, { level: 'late' }],
      ],
      { landmarks: { runInitUs: init } },
    );
  return [mk(1, 100_123, 2011, false, 2_000_000), mk(2, 300_457, 4013, true, 2_400_000), mk(3, 200_290, 3007, false, 2_200_000)];
}
