// The kernel's own Kconfig test suite (scripts/kconfig/tests/ in Debian's
// linux-source-6.1 and 6.12) run through ktrim's engine, driven from the
// trees' own files: each case's Kconfig, the conf calls and checks of its
// __init__.py, its expected_config / expected_stdout / expected_stderr.
// Non-interactive modes (all*config, defconfig, randconfig, olddefconfig,
// savedefconfig, listnewconfig) and what any case checks on stderr are judged
// as conftest.py judges them (contains / matches, exit status). The
// prompt-driven calls (oldaskconfig, oldconfig with key answers) have no
// prompt dialogue in ktrim: their answers are applied as user values to the
// prompt conf would ask first, and ktrim's .config is compared with what the
// tree's real C conf writes on the same inputs and answers.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ensureDebianSource } from '../../src/build/source.js';
import { runShellCommand } from '../../src/build/shell-cache.js';
import { runConfMode, type ConfMode } from '../../src/kconfig/conf.js';
import { parseDotConfig, type DotConfig } from '../../src/kconfig/dotconfig.js';
import type { KSymbol, MenuNode } from '../../src/kconfig/symbol.js';
import { loadKconfigSync, type KconfigTree } from '../../src/kconfig/tree.js';
import { createLogger } from '../../src/ui/log.js';
import { cConfBinary, parityTree } from './helpers/parity.js';

const logger = createLogger({ quiet: !process.env.KTRIM_TEST_VERBOSE });

type Check = { what: 'config' | 'stdout' | 'stderr'; how: 'contains' | 'matches'; file: string };
interface Call {
  fn: string;
  args: string[];
  op: '==' | '!=';
  code: number;
  checks: Check[];
}
interface TestFn {
  dir: string;
  name: string;
  calls: Call[];
  /** `for i in range(N): randconfig(seed=i)` with a set of acceptable outputs. */
  seedLoop?: { n: number; files: string[]; mustSeeAll: boolean };
}

/** The conf calls and checks of an __init__.py, in order, per `def test...(conf):`. */
function parseInit(dir: string, text: string): TestFn[] {
  const fns: TestFn[] = [];
  const parts = text.split(/^def (test\w*)\(conf\):\s*$/m);
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i];
    const body = parts[i + 1];
    const fn: TestFn = { dir, name, calls: [] };
    const loop = /for i in range\((\d+)\):/.exec(body);
    if (loop && /randconfig\(seed=i\)/.test(body)) {
      const files = [...body.matchAll(/config_matches\('([^']+)'\)/g)].map((m) => m[1]);
      fn.seedLoop = { n: Number(loop[1]), files, mustSeeAll: /assert expected0/.test(body) };
      fns.push(fn);
      continue;
    }
    for (const m of body.matchAll(/assert conf\.(\w+)\(([^)]*)\)(?:\s*(==|!=)\s*(\d+))?/g)) {
      const [, call, rawArgs, op, code] = m;
      const check = /^(config|stdout|stderr)_(contains|matches)$/.exec(call);
      if (check) {
        fn.calls
          .at(-1)!
          .checks.push({ what: check[1] as Check['what'], how: check[2] as Check['how'], file: rawArgs.replace(/'/g, '').trim() });
      } else {
        const args = [...rawArgs.matchAll(/'([^']*)'/g)].map((a) => a[1]);
        fn.calls.push({ fn: call, args, op: (op as '==' | '!=') ?? '==', code: Number(code ?? 0), checks: [] });
      }
    }
    fns.push(fn);
  }
  return fns;
}

function findCases(testsDir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (!statSync(p).isDirectory()) continue;
      if (existsSync(join(p, '__init__.py')) && existsSync(join(p, 'Kconfig'))) out.push(p);
      else walk(p);
    }
  };
  walk(testsDir);
  return out;
}

interface RunOut {
  code: number;
  config: string | null;
  stdout: string;
  stderr: string;
}

/** The tree's C conf, as conftest.py runs it: cwd a temp dir, srctree the case, keys then newlines on stdin. */
function runC(
  conf: string,
  dir: string,
  mode: string,
  opts: { dotConfig?: string; keys?: string; outFile?: string; env?: Record<string, string> },
): RunOut {
  const tmp = mkdtempSync(join(tmpdir(), 'ktrim-kconfig-selftest-c-'));
  try {
    if (opts.dotConfig) writeFileSync(join(tmp, '.config'), readFileSync(join(dir, opts.dotConfig)));
    const r = spawnSync(conf, [mode, 'Kconfig'], {
      cwd: tmp,
      env: { ...process.env, ...opts.env, srctree: dir, KCONFIG_DEFCONFIG_LIST: '' },
      input: (opts.keys ?? '') + '\n'.repeat(2000),
      encoding: 'utf8',
      timeout: 60_000,
    });
    const out = join(tmp, opts.outFile ?? '.config');
    const code = r.status ?? 1;
    return { code, stdout: r.stdout, stderr: r.stderr, config: code === 0 && existsSync(out) ? readFileSync(out, 'utf8') : null };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** ktrim's load of a bare case directory: stdout gets $(info), stderr warnings and errors as conf prints them. */
function loadCase(dir: string, series: string): { tree?: KconfigTree; out: RunOut } {
  const out: RunOut = { code: 0, config: null, stdout: '', stderr: '' };
  try {
    const tree = loadKconfigSync({
      srctree: dir,
      kernelVersion: series,
      env: { ...process.env, srctree: dir },
      host: { readFile: (p) => readFileSync(p, 'utf8'), shell: { run: (cmd) => runShellCommand(cmd, process.env, dir) } },
      onInfo: (t) => (out.stdout += `${t}\n`),
      onWarning: (t) => (out.stderr += `${t}\n`),
    });
    return { tree, out };
  } catch (err) {
    const e = err as Error & { report?: string };
    out.stderr += `${e.report ?? e.message}\n`;
    out.code = 1;
    return { out };
  }
}

const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');
const dot = (dir: string, f: string | undefined): DotConfig | null => (f ? parseDotConfig(read(dir, f), f, { strict: false }) : null);

/** conftest's judgement of one check. */
function judge(out: RunOut, dir: string, c: Check): boolean {
  const got = out[c.what];
  if (got === null) return false;
  const want = read(dir, c.file);
  return c.how === 'matches' ? got === want : got.includes(want);
}

/** The first prompt conf asks (oldaskconfig: every visible one; oldconfig: only new ones), in menu order. */
function firstAsked(tree: KconfigTree, state: ReturnType<typeof runConfMode>['state'], onlyNew: boolean): KSymbol | null {
  const walk = (m: MenuNode | null): KSymbol | null => {
    for (; m; m = m.next) {
      const sym = m.sym;
      if (m.prompt && sym && (sym.type === 'bool' || sym.type === 'tristate') && state.visibility(sym) !== 0) {
        if (!onlyNew || !state.hasUserValue(sym)) return sym;
      }
      if (m.list && (!sym || state.visibility(sym) !== 0)) {
        const r = walk(m.list);
        if (r) return r;
      }
    }
    return null;
  };
  return walk(tree.root.list);
}

const NON_INTERACTIVE: Record<string, ConfMode> = {
  allyesconfig: 'allyesconfig',
  allmodconfig: 'allmodconfig',
  allnoconfig: 'allnoconfig',
  alldefconfig: 'alldefconfig',
  randconfig: 'randconfig',
  defconfig: 'defconfig',
  olddefconfig: 'olddefconfig',
  savedefconfig: 'savedefconfig',
  listnewconfig: 'listnewconfig',
};

interface Row {
  series: string;
  testCase: string;
  call: string;
  judged: 'pytest' | 'vs C';
  ok: boolean;
  detail: string;
}

/** One conf call through ktrim. */
function runKtrim(tree: KconfigTree | undefined, base: RunOut, dir: string, call: Call, seed?: string): RunOut {
  const out: RunOut = { ...base };
  if (!tree) return out;
  const mode = NON_INTERACTIVE[call.fn];
  try {
    if (mode) {
      const input =
        mode === 'defconfig'
          ? dot(dir, call.args[0])
          : mode === 'allyesconfig' || mode === 'allmodconfig' || mode === 'allnoconfig' || mode === 'alldefconfig' || mode === 'randconfig'
            ? null
            : dot(dir, call.args[0]);
      const allconfig = mode.startsWith('all') || mode === 'randconfig' ? dot(dir, call.args[0]) : null;
      const r = runConfMode(tree, mode, { input, allconfig, seed });
      out.config = r.text;
      out.stdout += r.stdout;
      return out;
    }
    // oldaskconfig / oldconfig: defaults for every prompt, the first key answers the first prompt asked.
    const input = dot(dir, call.args[0]);
    let r = runConfMode(tree, 'olddefconfig', { input });
    const key = call.args[1];
    if (key && /^[ymn]$/.test(key)) {
      const sym = firstAsked(tree, r.state, call.fn === 'oldconfig');
      // A choice answered y then asks for its member; the next key (a newline) takes the current one.
      const target = sym?.isChoice
        ? (r.state.choiceSelection(sym) ?? sym.choiceMembers.find((m) => r.state.visibility(m) !== 0) ?? null)
        : sym;
      if (target?.name) {
        const text = (call.args[0] ? read(dir, call.args[0]) : '') + `\nCONFIG_${target.name}=${key}\n`;
        r = runConfMode(tree, 'olddefconfig', { input: parseDotConfig(text, '.config', { strict: false }) });
      }
    }
    out.config = r.text;
    return out;
  } catch (err) {
    const e = err as Error & { report?: string };
    return { ...out, code: 1, config: null, stderr: out.stderr + `${e.report ?? e.message}\n` };
  }
}

const SERIES = ['6.1', '6.12'];
const sources = new Map<string, string>();
const confs = new Map<string, string>();

beforeAll(async () => {
  for (const s of SERIES) {
    const src = await ensureDebianSource(s, { logger });
    sources.set(s, src);
    confs.set(s, await cConfBinary(parityTree(s, src), logger));
  }
}, 30 * 60_000);

describe("the kernel's scripts/kconfig/tests through ktrim", () => {
  const rows: Row[] = [];
  for (const series of SERIES) {
    it(
      `${series}: every case, judged as conftest.py would (prompt-driven calls against the C conf)`,
      () => {
        const testsDir = join(sources.get(series)!, 'scripts/kconfig/tests');
        const conf = confs.get(series)!;
        const cases = findCases(testsDir);
        let fnCount = 0;
        for (const dir of cases) {
          const rel = relative(testsDir, dir);
          for (const fn of parseInit(dir, read(dir, '__init__.py'))) {
            fnCount++;
            const label = fn.name === 'test' ? rel : `${rel}::${fn.name}`;
            const { tree, out: loadOut } = loadCase(dir, series);
            if (fn.seedLoop) {
              const { n, files, mustSeeAll } = fn.seedLoop;
              const seen = new Set<string>();
              let bad = -1;
              for (let i = 0; i < n && bad < 0; i++) {
                const r = runKtrim(
                  tree,
                  loadOut,
                  dir,
                  { fn: 'randconfig', args: [], op: '==', code: 0, checks: [] },
                  `0x${i.toString(16)}`,
                );
                const hit = files.find((f) => r.config === read(dir, f));
                if (r.code !== 0 || !hit) bad = i;
                else seen.add(hit);
                if (mustSeeAll && seen.size === files.length) break;
              }
              const ok = bad < 0 && (!mustSeeAll || seen.size === files.length);
              rows.push({
                series,
                testCase: label,
                call: `randconfig(seed=0..${n - 1})`,
                judged: 'pytest',
                ok,
                detail: bad >= 0 ? `seed ${bad}: no expected_config matches` : `saw ${[...seen].join(', ')}`,
              });
              continue;
            }
            for (const call of fn.calls) {
              const k = runKtrim(tree, loadOut, dir, call);
              const codeOk = call.op === '==' ? k.code === call.code : k.code !== call.code;
              const interactive = !NON_INTERACTIVE[call.fn];
              const failed: string[] = [];
              if (!codeOk) failed.push(`exit ${k.code}`);
              let judged: Row['judged'] = 'pytest';
              for (const c of call.checks) {
                if (interactive && c.what !== 'stderr' && !judge(k, dir, c)) continue; // prompt dialogue: compared with C below
                if (!judge(k, dir, c)) failed.push(`${c.what}_${c.how}(${c.file})`);
              }
              if (interactive && call.checks.some((c) => c.what !== 'stderr') && k.code === 0) {
                judged = 'vs C';
                const c = runC(conf, dir, `--${call.fn}`, { dotConfig: call.args[0], keys: call.args[1] });
                if (c.code !== 0) failed.push(`C conf exit ${c.code}`);
                else if (c.config !== k.config) failed.push('.config differs from C conf');
              }
              rows.push({
                series,
                testCase: label,
                call: `${call.fn}(${call.args.map((a) => `'${a}'`).join(', ')})`,
                judged,
                ok: failed.length === 0,
                detail: failed.join('; '),
              });
            }
          }
        }
        const mine = rows.filter((r) => r.series === series);
        const w = Math.max(...mine.map((r) => r.testCase.length));
        const cw = Math.max(...mine.map((r) => r.call.length));
        process.stdout.write(
          `kconfig selftests ${series}: ${cases.length} case directories, ${fnCount} tests, ${mine.length} conf calls, ${mine.filter((r) => !r.ok).length} failing\n` +
            mine
              .map(
                (r) =>
                  `  ${r.testCase.padEnd(w)}  ${r.call.padEnd(cw)}  ${r.judged.padEnd(6)}  ${r.ok ? 'PASS' : 'FAIL'}${r.detail ? `  ${r.detail}` : ''}`,
              )
              .join('\n') +
            '\n',
        );
        expect(fnCount).toBe(series === '6.1' ? 17 : 16);
        expect(mine.filter((r) => !r.ok).map((r) => `${r.testCase} ${r.call}: ${r.detail}`)).toEqual([]);
      },
      10 * 60_000,
    );
  }
});

describe('a bare Kconfig directory through the CLI', () => {
  it('is accepted with --kernel-version (no Makefile to read it from), refused without', async () => {
    const dir = join(sources.get('6.1')!, 'scripts/kconfig/tests/no_write_if_dep_unmet');
    const out = join(mkdtempSync(join(tmpdir(), 'ktrim-selftest-cli-')), 'out.config');
    const cli = (...args: string[]) =>
      spawnSync('node', ['bin/ktrim', 'kconfig', 'olddefconfig', '--source', dir, '--config', join(dir, 'config'), '-o', out, ...args], {
        encoding: 'utf8',
      });
    const refused = cli();
    expect([refused.status, refused.stderr.trim()]).toEqual([1, `E: ${dir}: not a kernel source tree (no top-level Makefile and Kconfig)`]);
    const r = cli('--kernel-version', '6.1');
    expect(r.status).toBe(0);
    const { tree } = loadCase(dir, '6.1');
    expect(readFileSync(out, 'utf8')).toBe(runConfMode(tree!, 'olddefconfig', { input: dot(dir, 'config') }).text);
    expect(readFileSync(out, 'utf8')).toContain('CONFIG_A=y\n');
    rmSync(join(out, '..'), { recursive: true, force: true });
  }, 120_000);
});
