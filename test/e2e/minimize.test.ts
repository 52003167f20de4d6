// `ktrim minimize` for real (issue 10 §6, §7): Debian's linux-source-6.1,
// the tiny serial kernel's .config as the start config, real make and real
// qemu (-icount: one boot per side decides), through the built CLI. Three
// candidates from a fixture catalog: LEGACY_PTYS off (pty_init registers
// 256 pty pairs: saves time), BINFMT_ELF off (busybox cannot run as /init:
// panic) and HID off (~40 µs of initcalls; measured under -icount it moves
// /init by ~3 ms, under the 10 ms --min-saving-ms: not kept). The run is
// killed with SIGKILL after its first evaluation and resumed: no evaluation
// is repeated and the three decisions come out as they must. The source
// tree and the input config are unchanged afterwards.
import { describe, it, expect, beforeAll } from '@jest/globals';
import { execa } from 'execa';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianSource } from '../../src/build/source.js';
import { createLogger } from '../../src/ui/log.js';
import { tinyKernel, TINY_KERNEL_TIMEOUT_MS } from './helpers/tiny-kernel.js';
import { errorLines, minimizeArgs, records, sha, treeChanges as changesOfTree } from './helpers/minimize.js';

const env = { NO_COLOR: '1', CI: '1' };
const ktrim = (args: string[]) => execa(process.execPath, ['bin/ktrim', ...args], { reject: false, env });

const work = mkdtempSync(join(tmpdir(), 'ktrim-e2e-minimize-'));
const start = join(work, 'start.config');
const catalog = join(process.cwd(), 'test', 'fixtures', 'minimize', 'catalog');
let source: string;
let stamp: string;

/** Files of the tree newer than the stamp, or a .config / include/config that a build in the tree would leave. */
const treeChanges = () => changesOfTree(source, stamp);

const base = (config = start) => minimizeArgs(source, config, 240);

beforeAll(async () => {
  const b = await tinyKernel();
  source = await ensureDebianSource('6.1', { logger: createLogger({ quiet: true }) });
  copyFileSync(b.config, start);
  stamp = join(work, 'stamp');
  writeFileSync(stamp, '');
}, TINY_KERNEL_TIMEOUT_MS);

describe('ktrim minimize on the tiny kernel', () => {
  it('refuses a --keep symbol that does not exist, before building anything', async () => {
    const r = await ktrim([...base(), '--out', join(work, 'keep'), '--keep', 'NO_SUCH_SYMBOL_XYZ']);
    expect(r.exitCode).toBe(1);
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/^E: --keep NO_SUCH_SYMBOL_XYZ: no such symbol in the Kconfig of /)]);
    expect(r.stderr).not.toMatch(/make /);
  }, 120_000);

  it(
    'keeps the change that saves time, rejects the one that breaks the boot and the one that saves nothing; killed and resumed, it repeats no evaluation',
    async () => {
      const out = join(work, 'out');
      const configHash = sha(start);
      const args = [
        ...base(),
        '--out',
        out,
        '--candidates',
        'catalog',
        '--catalog',
        catalog,
        '--runs',
        '1',
        '--min-saving-ms',
        '10',
        // BINFMT_ELF is one of the lab's needs, kept by default: this run must try it.
        '--no-keep-lab-needs',
        '--json',
      ];
      // 1. Run until the first evaluation is journaled, then kill -9.
      const first = execa(process.execPath, ['bin/ktrim', ...args], { reject: false, env });
      await new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => {
          try {
            if (existsSync(join(out, 'journal.jsonl')) && records(out).some((r) => r.type === 'evaluation')) {
              clearInterval(poll);
              resolve();
            }
          } catch (err) {
            clearInterval(poll);
            reject(err);
          }
        }, 500);
        void first.then((r) => {
          clearInterval(poll);
          if (r.exitCode !== null) reject(new Error(`minimize ended before its first evaluation: ${r.exitCode}\n${r.stderr}`));
        });
      });
      first.kill('SIGKILL');
      expect((await first).signal).toBe('SIGKILL');
      const before = records(out).filter((r) => r.type === 'evaluation');
      expect(before.length).toBeGreaterThanOrEqual(1);

      // 2. Without --resume the journal is not touched; with it the run finishes.
      const again = await ktrim(args);
      expect(again.exitCode).toBe(1);
      expect(errorLines(again.stderr)).toEqual([
        expect.stringMatching(/journal\.jsonl: holds the journal of this same run: pass --resume/),
      ]);
      const r = await ktrim([...args, '--resume']);
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toMatch(/I: resuming .*journal\.jsonl: \d+ evaluation\(s\) done/);
      const res = JSON.parse(r.stdout);

      const byId = Object.fromEntries(res.decisions.map((d: { id: string }) => [d.id, d]));
      expect(byId['catalog:legacy_ptys']).toMatchObject({ decision: 'kept' });
      expect(byId['catalog:legacy_ptys'].savingMs).toBeGreaterThanOrEqual(10);
      expect(byId['catalog:binfmt_elf']).toMatchObject({ decision: 'rejected' });
      expect(byId['catalog:binfmt_elf'].why).toMatch(/^boot failed: panic/);
      expect(byId['catalog:hid']).toMatchObject({ decision: 'rejected' });
      expect(byId['catalog:hid'].why).toMatch(/^not faster/);
      expect(Math.abs(byId['catalog:hid'].savingMs)).toBeLessThan(10);
      expect(res.kept).toEqual(['catalog:legacy_ptys']);
      // Build costs read from the tiny kernel's own .o.cmd files: pty.c tests CONFIG_LEGACY_PTYS, few others do.
      const ptys = res.candidates.find((c: { id: string }) => c.id === 'catalog:legacy_ptys');
      expect(ptys.rebuild.of).toBeGreaterThan(500);
      expect(ptys.rebuild.objects).toBeGreaterThanOrEqual(1);
      expect(ptys.rebuild.objects).toBeLessThan(20);
      // The saving shows on the search metric: after < before.
      expect(res.after.metric.summary.mean).toBeLessThan(res.before.metric.summary.mean - 10);
      expect(res.before.hostBoots).toBe(1);
      expect(res.after.hostBoots).toBe(1);

      // No evaluation repeated: each config evaluated and built once over both runs.
      const recs = records(out);
      const evals = recs.filter((x) => x.type === 'evaluation').map((x) => x.configHash);
      expect(evals).toHaveLength(3);
      expect(new Set(evals).size).toBe(3);
      expect(evals.slice(0, before.length)).toEqual(before.map((x) => x.configHash));
      const builds = recs.filter((x) => x.type === 'build').map((x) => x.configHash);
      expect(new Set(builds).size).toBe(builds.length);
      expect(recs.filter((x) => x.type === 'start')).toHaveLength(1);

      // The outputs.
      const trimmed = readFileSync(join(out, 'trimmed.config'), 'utf8');
      expect(trimmed).toContain('# CONFIG_LEGACY_PTYS is not set\n');
      expect(trimmed).toContain('CONFIG_BINFMT_ELF=y\n');
      expect(trimmed).toContain('CONFIG_HID=y\n');
      expect(readFileSync(join(out, 'trimmed.fragment'), 'utf8')).toContain('# CONFIG_LEGACY_PTYS is not set\n');
      expect(readFileSync(join(out, 'changes.diffconfig'), 'utf8')).toMatch(/^ LEGACY_PTYS y -> n$/m);
      const md = readFileSync(join(out, 'report.md'), 'utf8');
      expect(md).toMatch(/## Kept changes \(1\)/);
      expect(md).toMatch(/`catalog:binfmt_elf` \| rejected \| boot failed: panic/);
      expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/<svg[^>]*>[\s\S]*Boot phases/);
      expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).kept).toEqual(['catalog:legacy_ptys']);

      // The user's inputs are untouched.
      expect(sha(start)).toBe(configHash);
      expect(await treeChanges()).toEqual([]);
    },
    15 * 60 * 1000,
  );

  it('refuses an --out holding the journal of another run, leaving it as it was', async () => {
    const out = join(work, 'out');
    const journal = sha(join(out, 'journal.jsonl'));
    const r = await ktrim([...base(), '--out', out, '--candidates', 'catalog', '--catalog', catalog, '--min-saving-ms', '7', '--resume']);
    expect(r.exitCode).toBe(1);
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/journal\.jsonl: holds the journal of another run .*use another --out/)]);
    expect(sha(join(out, 'journal.jsonl'))).toBe(journal);
  }, 120_000);

  it(
    'says at once that a start config does not boot (BINFMT_ELF off: panic), exit 2',
    async () => {
      const broken = join(work, 'noelf.config');
      writeFileSync(broken, readFileSync(start, 'utf8').replace('CONFIG_BINFMT_ELF=y\n', '# CONFIG_BINFMT_ELF is not set\n'));
      const r = await ktrim([...base(broken), '--out', join(work, 'noelf'), '--candidates', 'catalog', '--catalog', catalog]);
      expect(r.exitCode).toBe(2);
      expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/^E: the start config does not boot \(panic\): .*Kernel panic/)]);
    },
    10 * 60 * 1000,
  );

  it(
    'says at once that the --test script fails on the start config, exit 1',
    async () => {
      const test = join(work, 'fail.sh');
      writeFileSync(test, '#!/bin/sh\necho FAIL\nexit 1\n');
      const r = await ktrim([...base(), '--out', join(work, 'failtest'), '--candidates', 'catalog', '--catalog', catalog, '--test', test]);
      expect(r.exitCode).toBe(1);
      expect(errorLines(r.stderr)).toEqual([
        expect.stringMatching(/fail\.sh: fails on the start config, before any change: test script failed/),
      ]);
    },
    10 * 60 * 1000,
  );
});

describe('ktrim minimize interrupted', () => {
  it(
    'SIGINT during a boot: exit 130, no qemu of the run left, the journal intact, and --resume finishes',
    async () => {
      const tag = `ktrim-e2e-sigint-${process.pid}-${Date.now()}`;
      const cat = join(work, 'one');
      mkdirSync(cat, { recursive: true });
      copyFileSync(join(catalog, 'legacy_ptys.config'), join(cat, 'legacy_ptys.config'));
      const out = join(work, 'sigint');
      // The tag on the kernel command line names this run's qemu in ps.
      const args = [...base(), '--out', out, '--candidates', 'catalog', '--catalog', cat, '--runs', '1', '--append', `loglevel=6 ${tag}`];
      const first = execa(process.execPath, ['bin/ktrim', ...args], { reject: false, env });
      const qemuOfRun = async () => (await execa('pgrep', ['-f', `qemu-system.*${tag}`], { reject: false })).stdout.trim();
      for (let i = 0; i < 600 && !(await qemuOfRun()); i++) await new Promise((r) => setTimeout(r, 500));
      expect(await qemuOfRun()).not.toBe('');
      first.kill('SIGINT');
      const r1 = await first;
      expect(r1.exitCode).toBe(130);
      expect(r1.stderr).toMatch(/^E: interrupted by SIGINT$/m);
      expect(await qemuOfRun()).toBe('');
      // Every line of the journal is a whole record.
      for (const l of readFileSync(join(out, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean))
        expect(() => JSON.parse(l)).not.toThrow();
      const r2 = await ktrim([...args, '--resume', '--json']);
      expect(r2.exitCode).toBe(0);
      expect(JSON.parse(r2.stdout).kept).toEqual(['catalog:legacy_ptys']);
    },
    10 * 60 * 1000,
  );
});
