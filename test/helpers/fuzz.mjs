// Fuzzing ktrim's input verbs over mutations of the real fixtures (issue 7
// §5). One harness for the test (test/e2e/fuzz.test.ts, the TypeScript
// sources) and the long run (bench/fuzz.bench.mjs, the built dist/): the
// product code comes in as `api`, so this file imports nothing of ktrim.
//
// A case is a small description (which fixture, which mutations, which verb
// and format), drawn by fast-check from a fixed seed; applying it to the
// fixture's bytes gives the input. Each case must end as the CLI contract
// says: a result (exit 0), or one typed input error (exit 1, one `E:` line).
// Never a stack trace, "internal error", a hang or exit 2.
//
// Plain JavaScript (not TypeScript) so the bench can run it without a build
// step of its own.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';

export const ROOT = process.cwd();
const FIX = join(ROOT, 'test/fixtures');

/** The seeds every mutation starts from: real boot logs, real .config files, the fixture Kconfig trees. */
export function loadSeeds() {
  const logs = readdirSync(join(FIX, 'boots'))
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((f) => ({ name: f, bytes: readFileSync(join(FIX, 'boots', f)) }));
  const configs = [];
  for (const dir of ['dotconfig', 'kconfig/basic', 'kconfig/choice', 'kconfig/choice61']) {
    for (const f of readdirSync(join(FIX, dir)).sort()) {
      if (f.endsWith('.config')) configs.push({ name: `${dir}/${f}`, bytes: readFileSync(join(FIX, dir, f)) });
    }
  }
  const trees = ['basic', 'choice', 'choice61'].map((t) => ({ name: t, dir: join(FIX, 'kconfig', t) }));
  return { logs, configs, trees };
}

/** mulberry32, for the byte-level choices a case leaves to its own seed (benches draw from it too). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ANSI = ['\x1b[31m', '\x1b[0m', '\x1b[?7l', '\x1b[2J', '\x1b]0;title\x07', '\x9b31m', '\x1b[1;1H', '\x1bc'];
const EVIL = '<script>alert(1)</script><img src=x onerror=alert(2)> \u0000\u0008\u009b2J\u202e\u2066`|*_[x](y)';

/** An integer from min to max, evenly spread over its orders of magnitude: huge sizes now and then, not every other case. */
function logScale(fc, min, max) {
  return fc.integer({ min: 0, max: 1000 }).map((i) => Math.round(min * Math.pow(max / min, i / 1000)));
}

/**
 * The mutations, as fast-check arbitraries of plain objects. `big` scales the
 * huge-name and repetition sizes (the test keeps them moderate; the bench
 * goes to megabytes and 150,000 repeats).
 */
export function opArbitrary(fc, big = 1) {
  // Fractions from integers: fc.double leans to extremes (1e-300), which would make every cut an empty file.
  const at = fc.integer({ min: 0, max: 1e6 }).map((i) => i / 1e6);
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ t: fc.constant('truncate'), at }) },
    { weight: 4, arbitrary: fc.record({ t: fc.constant('flip'), at, count: fc.integer({ min: 1, max: 64 }), seed: fc.nat() }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('insert'), at, bytes: fc.uint8Array({ maxLength: 64 }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('binary'), len: fc.integer({ min: 1, max: 70000 }), seed: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('shuffle'), at, len: fc.integer({ min: 2, max: 400 }), seed: fc.nat() }) },
    {
      weight: 2,
      arbitrary: fc.record({ t: fc.constant('dup'), at, len: fc.integer({ min: 1, max: 50 }), times: fc.integer({ min: 1, max: 40 }) }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('cr', 'crlf', 'lfcr') }) },
    {
      weight: 2,
      arbitrary: fc.record({ t: fc.constant('ansi'), at, seq: fc.constantFrom(...ANSI), every: fc.integer({ min: 1, max: 50 }) }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('nul'), at, count: fc.integer({ min: 1, max: 300 }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('evil'), nth: fc.nat({ max: 50 }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('hugeName'), nth: fc.nat({ max: 700 }), len: logScale(fc, 300, 200_000 * big) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('repeat'), nth: fc.nat({ max: 700 }), times: logScale(fc, 2, 5_000 * big) }) },
  );
}

/** An input: a seed file, a window of its lines (small windows keep cases fast), mutations. */
export function inputArbitrary(fc, seedCount, big = 1) {
  return fc.record({
    seed: fc.nat({ max: seedCount - 1 }),
    from: fc.integer({ min: 0, max: 1e6 }).map((i) => i / 1e6),
    span: fc.oneof(
      fc.integer({ min: 5, max: 60 }).map((i) => i / 100),
      fc.constant(1),
    ),
    // Some inputs undamaged: the verbs' ordinary paths get fuzzed options and windows too.
    ops: fc.oneof(
      { weight: 1, arbitrary: fc.constant([]) },
      { weight: 3, arbitrary: fc.array(opArbitrary(fc, big), { minLength: 1, maxLength: 3 }) },
    ),
  });
}

export const REPORT_FORMATS = ['text', 'json', 'md', 'svg', 'html'];

/** A whole case: which verb, which inputs, which options. */
export function caseArbitrary(fc, seeds, big = 1) {
  const log = inputArbitrary(fc, seeds.logs.length, big);
  const config = inputArbitrary(fc, seeds.configs.length, big);
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        verb: fc.constant('report'),
        format: fc.constantFrom(...REPORT_FORMATS),
        groupBy: fc.constantFrom('fn', 'fn', 'module', 'level'),
        top: fc.option(fc.nat({ max: 40 }), { nil: undefined }),
        logs: fc.array(log, { minLength: 1, maxLength: 2 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        verb: fc.constant('compare'),
        format: fc.constantFrom('text', 'json', 'md'),
        logs: fc.array(log, { minLength: 1, maxLength: 2 }),
        compare: fc.array(log, { minLength: 1, maxLength: 2 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ verb: fc.constant('diff'), mode: fc.constantFrom('plain', 'merge', 'json'), a: config, b: config }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        verb: fc.constant('olddefconfig'),
        tree: fc.nat({ max: seeds.trees.length - 1 }),
        series: fc.constantFrom('6.1', '6.12'),
        config,
        fragment: fc.option(config, { nil: undefined }),
        // Mutating the top Kconfig file itself, now and then.
        kconfigOps: fc.oneof(
          { weight: 4, arbitrary: fc.constant([]) },
          { weight: 1, arbitrary: fc.array(opArbitrary(fc, 1), { minLength: 1, maxLength: 2 }) },
        ),
      }),
    },
  );
}

// ---------------------------------------------------------------------------
// Applying mutations. Line operations work on latin1 text so every byte
// survives the round trip.

const CALLING = /calling +(?:\d+_)?([A-Za-z0-9_.$]+)(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)?(?: \[[^\]]+\])? @ \d+/;

function splitLines(buf) {
  return buf.toString('latin1').split('\n');
}
function joinLines(lines) {
  return Buffer.from(lines.join('\n'), 'latin1');
}
const pos = (frac, n) => Math.min(n, Math.max(0, Math.floor(frac * n)));
/** No input grows beyond this (a huge name in a repeated pair would otherwise reach gigabytes). */
export const MAX_INPUT = 24 << 20;

/** The nth name a huge-name or repeat mutation works on: an initcall in a log, a symbol in a .config. */
function pickTarget(lines, nth) {
  const hits = [];
  for (let i = 0; i < lines.length && hits.length <= nth; i++) {
    const m =
      CALLING.exec(lines[i]) ?? /^(?:# )?CONFIG_([A-Za-z0-9_]+)/.exec(lines[i]) ?? /^(?:menu)?config ([A-Za-z0-9_]+)/.exec(lines[i]);
    if (m) hits.push({ line: i, name: m[1] });
  }
  return hits.length ? hits[nth % hits.length] : undefined;
}

export function applyOp(buf, op) {
  switch (op.t) {
    case 'truncate':
      return buf.subarray(0, pos(op.at, buf.length));
    case 'flip': {
      const out = Buffer.from(buf);
      if (out.length === 0) return out;
      const rnd = prng(op.seed);
      const start = pos(op.at, out.length - 1);
      for (let i = 0; i < op.count; i++) {
        const k = Math.min(out.length - 1, start + Math.floor(rnd() * 4096));
        out[k] ^= 1 + Math.floor(rnd() * 255);
      }
      return out;
    }
    case 'insert': {
      const k = pos(op.at, buf.length);
      return Buffer.concat([buf.subarray(0, k), Buffer.from(op.bytes), buf.subarray(k)]);
    }
    case 'binary': {
      const rnd = prng(op.seed);
      const out = Buffer.alloc(op.len);
      for (let i = 0; i < op.len; i++) out[i] = Math.floor(rnd() * 256);
      return out;
    }
    case 'shuffle': {
      const lines = splitLines(buf);
      const a = pos(op.at, lines.length);
      const part = lines.slice(a, a + op.len);
      const rnd = prng(op.seed);
      for (let i = part.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [part[i], part[j]] = [part[j], part[i]];
      }
      lines.splice(a, part.length, ...part);
      return joinLines(lines);
    }
    case 'dup': {
      const lines = splitLines(buf);
      const a = pos(op.at, lines.length);
      const part = lines.slice(a, a + op.len);
      const copies = [];
      const partBytes = part.reduce((n, l) => n + l.length + 1, 0) || 1;
      const times = Math.max(0, Math.min(op.times, Math.floor((MAX_INPUT - buf.length) / partBytes)));
      for (let i = 0; i < times; i++) for (const l of part) copies.push(l);
      return joinLines([...lines.slice(0, a), ...copies, ...lines.slice(a)]);
    }
    case 'cr':
      return Buffer.from(buf.toString('latin1').replace(/\n/g, '\r'), 'latin1');
    case 'crlf':
      return Buffer.from(buf.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    case 'lfcr':
      return Buffer.from(buf.toString('latin1').replace(/\n/g, '\n\r'), 'latin1');
    case 'ansi': {
      const lines = splitLines(buf);
      const seq = Buffer.from(op.seq, 'utf8').toString('latin1');
      for (let i = pos(op.at, lines.length); i < lines.length; i += op.every) lines[i] = seq + lines[i];
      return joinLines(lines);
    }
    case 'nul': {
      const k = pos(op.at, buf.length);
      return Buffer.concat([buf.subarray(0, k), Buffer.alloc(op.count), buf.subarray(k)]);
    }
    case 'evil': {
      // Markup and control characters where a report shows log text: the
      // `Linux version` line, a function name, a config value.
      const evil = Buffer.from(EVIL, 'utf8').toString('latin1');
      let text = buf.toString('latin1');
      text = text.replace(/Linux version (\S+)/g, `Linux version $1 ${evil}`);
      const t = pickTarget(text.split('\n'), op.nth);
      if (t) text = text.split(t.name).join(`${t.name}${evil.replace(/[ @]/g, '')}`);
      return Buffer.from(text, 'latin1');
    }
    case 'hugeName': {
      const lines = splitLines(buf);
      const t = pickTarget(lines, op.nth);
      if (!t) return buf;
      const huge = 'x'.repeat(op.len);
      // Lines naming it (its calling and its returned line) get the long name, while the input stays under MAX_INPUT.
      let room = MAX_INPUT - buf.length;
      return joinLines(
        lines.map((l) => {
          if (room < op.len || !l.includes(t.name)) return l;
          room -= op.len;
          return l.split(t.name).join(huge);
        }),
      );
    }
    case 'repeat': {
      const lines = splitLines(buf);
      const t = pickTarget(lines, op.nth);
      if (!t) return buf;
      // The target line and the next line naming the same function (its return), repeated.
      let end = t.line + 1;
      while (end < lines.length && end < t.line + 200 && !lines[end].includes(t.name)) end++;
      const pair = lines.slice(t.line, Math.min(lines.length, end + 1));
      const pairBytes = pair.reduce((n, l) => n + l.length + 1, 0);
      const times = Math.max(1, Math.min(op.times, Math.floor((MAX_INPUT - buf.length) / pairBytes)));
      const copies = new Array(times * pair.length);
      for (let i = 0; i < times; i++) for (let j = 0; j < pair.length; j++) copies[i * pair.length + j] = pair[j];
      return joinLines([...lines.slice(0, t.line), ...copies, ...lines.slice(end + 1)]);
    }
    default:
      throw new Error(`unknown mutation ${op.t}`);
  }
}

/** The bytes of one input description. */
export function materialize(input, seedList) {
  let buf = seedList[input.seed].bytes;
  if (input.span < 1) {
    const lines = splitLines(buf);
    const a = pos(input.from, lines.length);
    buf = joinLines(lines.slice(a, a + Math.max(20, Math.ceil(input.span * lines.length))));
  }
  for (const op of input.ops) {
    buf = applyOp(buf, op);
    if (buf.length > MAX_INPUT) buf = buf.subarray(0, MAX_INPUT);
  }
  return buf;
}

/** A case without its bulky parts, for messages. */
export function describeCase(c) {
  return JSON.stringify(c, (k, v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v));
}

// ---------------------------------------------------------------------------
// Running a case in-process, through the functions the commands call.

class Sink extends Writable {
  constructor() {
    super();
    this.length = 0;
    this.head = '';
  }
  _write(chunk, _enc, cb) {
    const s = chunk.toString();
    if (this.head.length < 1 << 20) this.head += s.slice(0, (1 << 20) - this.head.length);
    this.length += s.length;
    cb();
  }
}

// Raw code points the sanitizer must have removed from human-readable output.
// eslint-disable-next-line no-control-regex
const UNSAFE_OUT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** An output larger than this is a runaway (the inputs stay under 20 MB). */
const MAX_OUTPUT = 64 << 20;

/**
 * `api` (the test passes src/, the bench dist/): runReport, createLogger,
 * KtrimError, readDotConfigFile, diffConfigs, formatDiffconfig,
 * formatDiffconfigMerge, summarizeDiff, parseDotConfig, mergeFragments,
 * loadKconfigSync, olddefconfig, writeConfig, readWarnings.
 *
 * Returns { outcome: 'ok' | 'input-error', detail } or throws an Error whose
 * message says what broke the contract.
 */
export async function runInProcess(api, seeds, c, dir) {
  const files = writeInputs(seeds, c, dir);
  const sink = new Sink();
  const warnSink = new Sink();
  const ctx = { logger: api.createLogger({ stream: warnSink, quiet: true, tty: false }), stdout: sink };
  try {
    if (c.verb === 'report' || c.verb === 'compare') {
      await api.runReport({ logs: files.logs, compare: files.compare, format: c.format, groupBy: c.groupBy, top: c.top }, ctx);
      if (sink.length === 0) throw new Error('exit 0 without a result');
      if (sink.length > MAX_OUTPUT) throw new Error(`runaway output: ${sink.length} characters`);
      if (c.format !== 'json' && UNSAFE_OUT.test(sink.head)) {
        throw new Error(`raw control character in ${c.format} output: ${JSON.stringify(UNSAFE_OUT.exec(sink.head)[0])}`);
      }
    } else if (c.verb === 'diff') {
      const [a, b] = [await api.readDotConfigFile(files.a), await api.readDotConfigFile(files.b)];
      const entries = api.diffConfigs(a, b);
      const out =
        c.mode === 'json'
          ? JSON.stringify({ summary: api.summarizeDiff(entries), entries })
          : c.mode === 'merge'
            ? api.formatDiffconfigMerge(entries)
            : api.formatDiffconfig(entries);
      if (typeof out !== 'string') throw new Error('no diff text');
    } else {
      const tree = loadTree(api, seeds, c);
      const base = await api.readDotConfigFile(files.config);
      let config = base;
      if (files.fragment) {
        const frag = await api.readDotConfigFile(files.fragment);
        const merged = api.mergeFragments(base, [frag]);
        config = { file: files.config, entries: merged.entries, values: merged.values, warnings: [] };
      }
      const state = api.olddefconfig(tree, config);
      api.readWarnings(state, config);
      const text = api.writeConfig(state);
      // What olddefconfig writes must read back strictly: it is the next run's input.
      api.parseDotConfig(text, 'out.config');
    }
    return { outcome: 'ok' };
  } catch (err) {
    if (err instanceof api.KtrimError && err.exitCode === 1) {
      if (/\n/.test(err.message))
        throw new Error(`input error of more than one line: ${JSON.stringify(err.message.slice(0, 300))}`, { cause: err });
      return { outcome: 'input-error', detail: err.message.slice(0, 200) };
    }
    if (err instanceof api.KtrimError) throw new Error(`exit ${err.exitCode}: ${err.message.slice(0, 300)}`, { cause: err });
    throw new Error(`internal error: ${err?.stack?.split('\n').slice(0, 4).join(' | ').slice(0, 600) ?? String(err)}`, { cause: err });
  }
}

const treeCache = new Map();
const FAKE_SHELL = { run: (cmd) => (cmd === 'echo "LOUD  words" | tr a-z A-Z' ? 'LOUD  WORDS' : '') };

function loadTree(api, seeds, c) {
  const t = seeds.trees[c.tree];
  const env = { ARCH: 'x86_64', SRCARCH: 'x86', KERNELVERSION: `${c.series}.0`, CC: 'gcc', LD: 'ld', CC_VERSION_TEXT: '' };
  if (c.kconfigOps.length === 0) {
    const key = `${t.name}/${c.series}`;
    if (!treeCache.has(key))
      treeCache.set(key, api.loadKconfigSync({ srctree: t.dir, env, shell: FAKE_SHELL, readFile: (p) => readFileSync(p, 'utf8') }));
    return treeCache.get(key);
  }
  const top = join(t.dir, 'Kconfig');
  const mutated = c.kconfigOps.reduce(applyOp, readFileSync(top)).toString('utf8');
  const readFile = (p) => (p === top ? mutated : readFileSync(p, 'utf8'));
  return api.loadKconfigSync({ srctree: t.dir, env, shell: FAKE_SHELL, readFile });
}

/** Write a case's inputs under `dir`; returns their paths. */
export function writeInputs(seeds, c, dir) {
  mkdirSync(dir, { recursive: true });
  const put = (name, input, list) => {
    const p = join(dir, name);
    writeFileSync(p, materialize(input, list));
    return p;
  };
  if (c.verb === 'report' || c.verb === 'compare') {
    return {
      logs: c.logs.map((l, i) => put(`boot-${i}.log`, l, seeds.logs)),
      compare: c.compare ? c.compare.map((l, i) => put(`after-${i}.log`, l, seeds.logs)) : undefined,
    };
  }
  if (c.verb === 'diff') return { a: put('a.config', c.a, seeds.configs), b: put('b.config', c.b, seeds.configs) };
  return {
    config: put('in.config', c.config, seeds.configs),
    fragment: c.fragment ? put('frag.config', c.fragment, seeds.configs) : undefined,
  };
}

// ---------------------------------------------------------------------------
// Running a case through the real CLI (bin/ktrim, built dist/).

/** A kernel-tree-shaped copy of a fixture Kconfig tree (the CLI wants a top Makefile), mutated Kconfig included. */
function cliTree(seeds, c, dir) {
  const t = seeds.trees[c.tree];
  const out = join(dir, 'src');
  cpSync(t.dir, out, { recursive: true });
  const [major, minor] = c.series.split('.');
  writeFileSync(join(out, 'Makefile'), `VERSION = ${major}\nPATCHLEVEL = ${minor}\nSUBLEVEL = 0\nEXTRAVERSION =\n`);
  if (c.kconfigOps.length) writeFileSync(join(out, 'Kconfig'), c.kconfigOps.reduce(applyOp, readFileSync(join(t.dir, 'Kconfig'))));
  return out;
}

export function cliArgs(seeds, c, dir) {
  const f = writeInputs(seeds, c, dir);
  if (c.verb === 'report' || c.verb === 'compare') {
    const args = ['report', ...f.logs, '--format', c.format];
    if (f.compare) args.push('--compare', ...f.compare);
    if (c.groupBy) args.push('--group-by', c.groupBy);
    if (c.top !== undefined) args.push('--top', String(c.top));
    return args;
  }
  if (c.verb === 'diff') return ['diff', f.a, f.b, ...(c.mode === 'merge' ? ['-m'] : c.mode === 'json' ? ['--json'] : [])];
  const args = ['kconfig', 'olddefconfig', '--source', cliTree(seeds, c, dir), '--config', f.config, '-o', join(dir, 'out.config')];
  if (f.fragment) args.push('--fragment', f.fragment);
  return args;
}

/**
 * Run bin/ktrim; resolves { code, stdoutBytes, stderr, timedOut }. NO_COLOR
 * so `E:` starts the line.
 */
export function runCli(args, timeoutMs = 120_000) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/ktrim'), ...args], {
      env: { ...process.env, NO_COLOR: '1', CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdoutBytes = 0;
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdoutBytes += d.length));
    child.stderr.on('data', (d) => {
      if (stderr.length < 1 << 16) stderr += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdoutBytes, stderr, timedOut });
    });
  });
}

/** Why a CLI run broke the contract, or undefined when it kept it. */
export function cliViolation(c, r, dir) {
  if (r.timedOut) return 'hang (killed after the timeout)';
  const eLines = r.stderr.split('\n').filter((l) => l.startsWith('E:'));
  if (/internal error/.test(r.stderr)) return `internal error: ${eLines.join(' | ').slice(0, 300)}`;
  if (/^\s+at .+:\d+:\d+\)?$/m.test(r.stderr)) return `stack trace on stderr: ${r.stderr.slice(0, 300)}`;
  if (r.code === 0) {
    if (eLines.length) return `exit 0 with an E: line: ${eLines[0]}`;
    const produced = c.verb === 'olddefconfig' ? existsSync(join(dir, 'out.config')) : r.stdoutBytes > 0 || c.verb === 'diff';
    return produced ? undefined : 'exit 0 without a result';
  }
  if (r.code === 1) return eLines.length === 1 ? undefined : `exit 1 with ${eLines.length} E: lines: ${r.stderr.slice(0, 300)}`;
  return `exit ${r.code}: ${r.stderr.slice(0, 300)}`;
}

/** Keep a failing case's inputs for a bug report; returns where. */
export function keepFailure(seeds, c, dir) {
  writeInputs(seeds, c, dir);
  writeFileSync(join(dir, 'case.json'), describeCase(c) + '\n');
  return dir;
}
