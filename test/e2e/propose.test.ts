/**
 * `ktrim propose` for real: Debian's linux-source-6.1 tree, the distro
 * config of the same version, and the real Debian 6.1 boot logs in the
 * fixtures (no System.map), through the built CLI. Asserts mappings checked
 * by hand in the source and the figures of the logs; and the bad inputs of
 * issue 9 §9 (a config of another tree, a log of another version, a tree
 * without Makefiles).
 */
import { describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianSource } from '../../src/build/source.js';
import { parseBootLog } from '../../src/initcall/parse.js';
import { rankBoots } from '../../src/initcall/rank.js';
import { createLogger } from '../../src/ui/log.js';
import { debianDistroConfig } from './helpers/parity.js';

const logger = createLogger({ quiet: !process.env.KTRIM_TEST_VERBOSE });
const src = await ensureDebianSource('6.1', { logger });
const config61 = await debianDistroConfig('6.1', { logger });
const config612 = await debianDistroConfig('6.12', { logger });
const BOOTS = join(process.cwd(), 'test/fixtures/boots');
const LOGS = [1, 2, 3].map((i) => join(BOOTS, `debian-6.1-qemu-${i}.log`));
const ktrim = (args: string[]) => execa(process.execPath, ['bin/ktrim', ...args], { reject: false, env: { NO_COLOR: '1' } });
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('E:'));
/** The median of an initcall over the three logs, as report computes it. */
const ranked = rankBoots(LOGS.map((p) => parseBootLog(readFileSync(p, 'utf8'), { source: p })));
const medianMs = (fn: string) => ranked.initcalls.find((r) => r.key === fn)!.stats!.median / 1000;

interface Candidate {
  id: string;
  changes: { name: string; to: string }[];
  initcalls: { fn: string; file: string; medianMs: number }[];
  saving: { medianMs: number; n: number };
  catalog: string[];
  fragment: string;
  diffconfig: string;
  confidence: string;
  risky: string[];
}

describe('ktrim propose on Debian 6.1 (real tree, config and logs)', () => {
  it(
    'ranks removals with the gating symbols, the ms from the logs, the catalog and the costs that cannot go',
    async () => {
      const r = await ktrim(['propose', '--source', src, '--config', config61, ...LOGS, '--min-ms', '10', '--format', 'json']);
      expect(errorLines(r.stderr)).toEqual([]);
      expect(r.exitCode).toBe(0);
      const res = JSON.parse(r.stdout);
      expect(res.boots).toBe(3);
      const by = (id: string): Candidate => res.candidates.find((c: Candidate) => c.id === id);
      // Checked by hand: drivers/rtc/Makefile obj-$(CONFIG_RTC_DRV_CMOS) += rtc-cmos.o, module_init(cmos_init).
      const cmos = by('RTC_DRV_CMOS=n');
      expect(cmos.initcalls.map((i) => [i.fn, i.file])).toEqual([['cmos_init', 'drivers/rtc/rtc-cmos.c']]);
      expect(cmos.saving.medianMs).toBeCloseTo(medianMs('cmos_init'), 6);
      expect(cmos.saving.n).toBe(3);
      expect(cmos.catalog).toEqual(['rtc_drv_cmos']);
      expect(cmos.fragment).toBe('# CONFIG_RTC_DRV_CMOS is not set\n');
      expect(cmos.diffconfig).toContain(' RTC_DRV_CMOS y -> n\n');
      // mm/Makefile obj-$(CONFIG_ZSWAP) += zswap.o; zbud and frontswap go with it (ZBUD/FRONTSWAP depend on / are selected by ZSWAP).
      const zswap = by('ZSWAP=n');
      expect(zswap.initcalls.map((i) => i.fn)).toEqual(expect.arrayContaining(['init_zswap', 'init_zbud']));
      expect(zswap.catalog).toEqual(['zswap']);
      // kernel/trace/Makefile obj-$(CONFIG_KPROBE_EVENTS) += trace_kprobe.o: the 70 ms of init_kprobe_trace.
      expect(by('KPROBE_EVENTS=n').initcalls.map((i) => [i.fn, i.file])).toContainEqual([
        'init_kprobe_trace',
        'kernel/trace/trace_kprobe.c',
      ]);
      expect(by('TCP_CONG_CUBIC=n').initcalls.map((i) => [i.fn, i.file])).toEqual([['cubictcp_register', 'net/ipv4/tcp_cubic.c']]);
      // Ranked by saving; each change is a user-settable symbol.
      const savings = res.candidates.map((c: Candidate) => c.saving.medianMs);
      expect(savings).toEqual([...savings].sort((a, b) => b - a));
      for (const c of res.candidates as Candidate[]) expect(c.changes.length).toBeGreaterThan(0);
      // Cannot be disabled: obj-y in mm/ (backing-dev.o), and the crypto API selected by ~100 drivers.
      const fixed = new Map(res.fixed.map((f: { fn: string; because: string; file: string }) => [f.fn, [f.because, f.file]]));
      expect(fixed.get('default_bdi_init')).toEqual(['obj-y', 'mm/backing-dev.c']);
      expect(fixed.get('crypto_algapi_init')).toEqual(['entangled', 'crypto/algapi.c']);
      expect(res.unresolved).toEqual([]);
      expect(res.notBuilt).toEqual([]);
    },
    15 * 60 * 1000,
  );
});

describe('attribution accuracy to a symbol (issue 9 §7)', () => {
  it(
    'explains >= 90 % of the initcalls taking >= 1 ms: a removal that takes them away, or why nothing can',
    async () => {
      const r = await ktrim(['propose', '--source', src, '--config', config61, ...LOGS, '--min-ms', '1', '--format', 'json']);
      expect(errorLines(r.stderr)).toEqual([]);
      const res = JSON.parse(r.stdout);
      // Each considered initcall (median >= 1 ms) lands in exactly one place.
      const inCandidates = new Set<string>();
      for (const c of res.candidates as { initcalls: { fn: string; medianMs: number }[] }[])
        for (const i of c.initcalls) if (i.medianMs >= 1) inCandidates.add(i.fn);
      const explained = inCandidates.size + res.fixed.length;
      const rate = explained / res.considered;
      process.stderr.write(
        `propose --min-ms 1 on Debian 6.1: ${res.considered} initcalls >= 1 ms; ${inCandidates.size} removable, ` +
          `${res.fixed.length} cannot be disabled (with the reason), ${res.unresolved.length} unresolved, ` +
          `${res.notBuilt.length} not built: ${(100 * rate).toFixed(1)} % explained\n`,
      );
      expect(res.considered).toBeGreaterThanOrEqual(40);
      expect(rate).toBeGreaterThanOrEqual(0.9);
    },
    15 * 60 * 1000,
  );
});

describe('ktrim report --group-by symbol (attribution + Kbuild + Kconfig)', () => {
  it(
    'groups the Debian initcalls by the CONFIG symbol that gates their file',
    async () => {
      const r = await ktrim(['report', ...LOGS, '--source', src, '--config', config61, '--group-by', 'symbol', '--json']);
      expect(errorLines(r.stderr)).toEqual([]);
      const res = JSON.parse(r.stdout);
      const group = (name: string) => res.report.groups.find((g: { name: string }) => g.name === name);
      expect(group('CONFIG_RTC_DRV_CMOS')).toMatchObject({ initcalls: 1 });
      expect(group('CONFIG_RTC_DRV_CMOS').stats.median / 1000).toBeCloseTo(medianMs('cmos_init'), 6);
      expect(group('CONFIG_ZSWAP').initcalls).toBeGreaterThanOrEqual(1);
      const noSource = await ktrim(['report', LOGS[0], '--group-by', 'symbol']);
      expect(errorLines(noSource.stderr)).toEqual([
        'E: --group-by symbol needs --source: the kernel tree the logged kernel was built from',
      ]);
    },
    10 * 60 * 1000,
  );
});

describe('ktrim propose: bad input (issue 9 §9)', () => {
  it(
    'refuses a config of another tree (Debian 6.12 config, 6.1 tree), naming both versions',
    async () => {
      const r = await ktrim(['propose', '--source', src, '--config', config612, LOGS[0]]);
      expect(r.exitCode).toBe(1);
      expect(errorLines(r.stderr)).toEqual([
        expect.stringMatching(
          /^E: .*config-6\.12\S*: written for Linux 6\.12\.\d+, the tree is 6\.1\.\d+: \d+ of its \d+ symbols are unknown to the tree/,
        ),
      ]);
    },
    5 * 60 * 1000,
  );

  it(
    'warns about a log of another kernel version, and goes on',
    async () => {
      // --min-ms above every initcall: the warning comes from attribution, no plan is needed (they are slow).
      const r = await ktrim([
        'propose',
        '--source',
        src,
        '--config',
        config61,
        join(BOOTS, 'debian-6.12-qemu-1.log'),
        '--min-ms',
        '100000',
        '--format',
        'json',
      ]);
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ considered: 0, candidates: [] });
      expect(r.stderr).toMatch(/^W: .*debian-6\.12-qemu-1\.log: the log is from kernel 6\.12\.\S+, the tree is 6\.1\.\d+/m);
    },
    10 * 60 * 1000,
  );

  it(
    'refuses a tree without Makefiles, and a directory that is no tree',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ktrim-propose-'));
      writeFileSync(join(dir, 'Kconfig'), 'config FOO\n\tbool "foo"\n');
      const r = await ktrim(['propose', '--source', dir, '--config', config61, LOGS[0]]);
      expect(r.exitCode).toBe(1);
      expect(errorLines(r.stderr)).toEqual([`E: ${dir}: not a kernel source tree (no top-level Makefile and Kconfig)`]);
      const n = await ktrim(['propose', '--source', join(dir, 'nope'), '--config', config61, LOGS[0]]);
      expect(errorLines(n.stderr)).toEqual([`E: ${join(dir, 'nope')}: kernel source directory not found`]);
    },
    2 * 60 * 1000,
  );
});
