/**
 * Initcall → source file. A source index over a kernel tree (every
 * registration that makes a function an initcall, with its level and the
 * `#ifdef CONFIG_X` blocks around it, plus the Kbuild map), then each
 * initcall of a parsed boot log matched against it:
 * - with a System.map of a ≥ 5.16 kernel, `__initcall__kmod_<mod>__<id>_<line>_<fn><lvl>`
 *   names the module and the line, and the log calls each function's
 *   pointers in link order: the k-th call of `fn` is the k-th pointer;
 * - without one, the registrations of `fn` in the tree, narrowed by the
 *   `[module]` tag (none: built in, so not a module-only file), the
 *   architecture (Kbuild reaches the file), the config (Kbuild condition and
 *   `#ifdef`s) and the level the log shows; then duplicate names by the
 *   log's `+0x0/0xSIZE` and each other (pairDuplicates).
 * A function that stays ambiguous or is found nowhere is listed as
 * unresolved with its candidates: never guessed. Pure: no I/O.
 */
import {
  kbuildConditions,
  kbuildState,
  type ConfigValue,
  type KbuildAlternative,
  type KbuildMap,
  type KbuildNeed,
  type KbuildObject,
} from '../kconfig/kbuild.js';
import type { DotConfig } from '../kconfig/dotconfig.js';
import { levelFromId } from './levels.js';
import type { InitcallLevel, ParsedBoot } from './types.js';
import type { SystemMap } from './symbols.js';

/** Bumped whenever the index's content or format changes (cache key). */
export const SOURCE_INDEX_FORMAT = 1;

/** A preprocessor condition around a registration: `#ifdef CONFIG_X` → X needs y. `MODULE`: built as a module. */
export interface PreprocTerm {
  symbol: string;
  need: KbuildNeed;
}

export interface InitcallRegistration {
  fn: string;
  /** Path from the tree's top. */
  file: string;
  line: number;
  /** `module_init`, `subsys_initcall`, `module_platform_driver`, … */
  macro: string;
  /** `0`..`7` (+`s`), `early`, `rootfs`, `con`, or `module` (module_init: device level when built in). */
  levelId: string;
  ifdefs: PreprocTerm[];
  /** Some `#if` around it could not be read as CONFIG terms. */
  ifdefUnsure: boolean;
}

export interface SourceIndex {
  formatVersion: number;
  kernelVersion?: string;
  arch: string;
  /** .c files read. */
  fileCount: number;
  registrations: Map<string, InitcallRegistration[]>;
  /** `__init` functions of `int fn(void)` shape that no understood registration names (fallback). */
  definitions: Map<string, Array<{ file: string; line: number }>>;
  /** Helper macros found that generate initcalls, e.g. module_platform_driver → `<arg0>_init`, module. */
  helpers: Map<string, { template: string; levelId: string }>;
  kbuild: KbuildMap;
}

/** A file of the tree, as text or as its raw bytes (the builder keeps neither: a reader may reuse its buffer). */
export type SourceFile =
  | { /** Path from the tree's top, `/`-separated. */ path: string; text: string; bytes?: undefined }
  | { path: string; bytes: Buffer; text?: undefined };

// ---------------------------------------------------------------- registrars

const LEVEL_MACROS: Record<string, string> = {
  early_initcall: 'early',
  pure_initcall: '0',
  core_initcall: '1',
  core_initcall_sync: '1s',
  postcore_initcall: '2',
  postcore_initcall_sync: '2s',
  arch_initcall: '3',
  arch_initcall_sync: '3s',
  subsys_initcall: '4',
  subsys_initcall_sync: '4s',
  fs_initcall: '5',
  fs_initcall_sync: '5s',
  rootfs_initcall: 'rootfs',
  device_initcall: '6',
  device_initcall_sync: '6s',
  __initcall: '6',
  late_initcall: '7',
  late_initcall_sync: '7s',
  console_initcall: 'con',
  security_initcall: 'security',
  module_init: 'module',
};

/** A template part: a literal or the n-th macro argument. */
type Part = string | { p: number };
interface Registrar {
  template: Part[];
  levelId: string;
}

function baseRegistrar(name: string): Registrar | undefined {
  const id = LEVEL_MACROS[name];
  return id === undefined ? undefined : { template: [{ p: 0 }], levelId: id };
}

function templateString(t: Part[]): string {
  return t.map((p) => (typeof p === 'string' ? p : `<arg${p.p}>`)).join('');
}

/** Split macro/call arguments at top-level commas. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) depth--;
    else if (c === 44 && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(s.slice(start).trim());
  return out;
}

/** The text between the `(` at `open` and its matching `)`, or undefined. */
function parenBody(text: string, open: number, limit = 4000): { body: string; end: number } | undefined {
  let depth = 0;
  const max = Math.min(text.length, open + limit);
  for (let i = open; i < max; i++) {
    const c = text.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41 && --depth === 0) return { body: text.slice(open + 1, i), end: i + 1 };
  }
  return undefined;
}

const IDENT = /^[A-Za-z_]\w*$/;

/** A macro argument as a template over the outer macro's parameters (`__driver##_init`). */
function argTemplate(arg: string, params: string[]): Part[] | undefined {
  const out: Part[] = [];
  for (const raw of arg.split('##')) {
    const piece = raw.trim();
    const i = params.indexOf(piece);
    if (i >= 0) out.push({ p: i });
    else if (IDENT.test(piece)) out.push(piece);
    else return undefined;
  }
  return out;
}

/** Substitute a registrar's template with the call's arguments. */
function compose(inner: Part[], args: Array<Part[] | undefined>): Part[] | undefined {
  const out: Part[] = [];
  for (const p of inner) {
    if (typeof p === 'string') out.push(p);
    else {
      const a = args[p.p];
      if (!a) return undefined;
      out.push(...a);
    }
  }
  return out;
}

function instantiate(t: Part[], args: string[]): string | undefined {
  let s = '';
  for (const p of t) {
    if (typeof p === 'string') s += p;
    else {
      const a = args[p.p];
      if (a === undefined || !IDENT.test(a)) return undefined;
      s += a;
    }
  }
  return IDENT.test(s) ? s : undefined;
}

// ------------------------------------------------------------- preprocessor

interface PreFrame {
  terms: PreprocTerm[];
  unsure: boolean;
  dead: boolean; // #if 0
  /** Terms of the branches taken so far (for #elif/#else). */
  previous: Array<{ terms: PreprocTerm[]; unsure: boolean }>;
}

function negateNeed(need: KbuildNeed): KbuildNeed | undefined {
  const rest = ['y', 'm', 'n'].filter((c) => !need.includes(c)).join('');
  return rest === '' || rest === 'ymn' ? undefined : (rest as KbuildNeed);
}

/** `#if` expression → CONFIG terms when it is a conjunction of plain tests. */
function readIf(kind: string, expr: string): { terms: PreprocTerm[]; unsure: boolean; dead: boolean } {
  expr = expr
    .replace(/\/\*.*?\*\//g, '')
    .replace(/\/\/.*$/, '')
    .trim();
  if (kind === 'ifdef' || kind === 'ifndef') {
    const m = /^(?:CONFIG_(\w+)|(MODULE))$/.exec(expr);
    if (!m) return { terms: [], unsure: true, dead: false };
    const symbol = m[1] ?? 'MODULE';
    // autoconf.h defines CONFIG_X only for y (=m defines CONFIG_X_MODULE).
    return { terms: [{ symbol, need: kind === 'ifdef' ? 'y' : 'mn' }], unsure: false, dead: false };
  }
  if (expr === '0') return { terms: [], unsure: false, dead: true };
  if (expr === '1') return { terms: [], unsure: false, dead: false };
  if (expr.includes('||')) return { terms: [], unsure: true, dead: false };
  const terms: PreprocTerm[] = [];
  let unsure = false;
  for (const raw of expr.split('&&')) {
    const c = raw
      .trim()
      .replace(/^\((.*)\)$/, '$1')
      .trim();
    const m = /^(!?)\s*(defined|IS_ENABLED|IS_BUILTIN|IS_MODULE|IS_REACHABLE)?\s*\(?\s*(?:CONFIG_(\w+)|(MODULE))\s*\)?$/.exec(c);
    if (!m) {
      unsure = true;
      continue;
    }
    const symbol = m[3] ?? 'MODULE';
    const fn = m[2] ?? (m[4] ? 'defined' : 'bare');
    let need: KbuildNeed = fn === 'IS_ENABLED' || fn === 'IS_REACHABLE' ? 'ym' : fn === 'IS_MODULE' ? 'm' : 'y';
    if (fn === 'IS_REACHABLE' || fn === 'bare') unsure = true;
    if (m[1]) {
      const n = negateNeed(need);
      if (!n) {
        unsure = true;
        continue;
      }
      need = n;
    }
    terms.push({ symbol, need });
  }
  return { terms, unsure, dead: false };
}

/** Conditions of a frame's `#else`: exact only when every earlier branch was one term. */
function elseOf(previous: PreFrame['previous']): { terms: PreprocTerm[]; unsure: boolean } {
  const terms: PreprocTerm[] = [];
  let unsure = false;
  for (const b of previous) {
    if (b.terms.length === 1 && !b.unsure) {
      const n = negateNeed(b.terms[0].need);
      if (n) terms.push({ symbol: b.terms[0].symbol, need: n });
    } else if (b.terms.length > 0 || b.unsure) unsure = true;
  }
  return { terms, unsure };
}

// --------------------------------------------------------------- the index

export interface RawMacro {
  name: string;
  file: string;
  params: string[];
  calls: Array<{ callee: string; args: string[] }>;
}

export interface Site {
  name: string;
  args: string[];
  file: string;
  line: number;
  ifdefs: PreprocTerm[];
  ifdefUnsure: boolean;
}

/** Names that may be registrations or helpers generating one (checked later against the macros found). */
function maybeRegistrar(name: string): boolean {
  return (
    name.includes('initcall') || name.includes('module_') || name.includes('builtin_') || name.includes('driver') || name === 'module_init'
  );
}

const DEFINE_RE = /#[ \t]*define[ \t]+([A-Za-z_]\w*)\(([^)]*)\)/y;
const CALL_RE = /\b([A-Za-z_]\w*)\s*\(/g;
const DIRECTIVE_RE = /#[ \t]*(if|ifdef|ifndef|elif|else|endif|define)\b/y;

/** Bytes that JS's \s matches in a latin1 string. */
const SPACE_BYTES = new Set([9, 10, 11, 12, 13, 32, 160]);

/**
 * Whether the directive after a `#` (at `at`) can be one DIRECTIVE_RE reads
 * (if…, el…, en…, de…): #include and the like get no string made.
 */
function trackedDirective(b: Buffer, at: number): boolean {
  while (b[at] === 32 || b[at] === 9) at++;
  const c0 = b[at];
  const c1 = b[at + 1];
  return (c0 === 105 && c1 === 102) || (c0 === 101 && (c1 === 108 || c1 === 110)) || (c0 === 100 && c1 === 101);
}

/** End of the logical line starting at `from` (backslash continuations): its last `\n`, or the end. */
function logicalEnd(b: Buffer, from: number): number {
  for (let pos = from; ;) {
    const nl = b.indexOf(10, pos);
    if (nl < 0) return b.length;
    let k = nl - 1;
    if (b[k] === 13) k--;
    if (b[k] !== 92) return nl;
    pos = nl + 1;
  }
}
const SITE_RE = /([A-Za-z_]\w*)[ \t]*\(/y;
/** Words of a line that may hold a registration or a helper call. */
const SITE_KEYS = ['initcall', 'module_', 'builtin_', 'driver'];
const INIT_DEF_RE = /__init\s+(?:(?:int|static|inline|noinline|notrace)\s+)*([A-Za-z_]\w*)\s*\(\s*void\s*\)/y;

/** A builder's findings over some of the files (SourceIndexBuilder.part/merge). */
export interface SourceIndexPart {
  macros: RawMacro[];
  sites: Site[];
  defs: Array<[string, Array<{ file: string; line: number }>]>;
  makefiles: Array<{ path: string; text: string }>;
  cFiles: number;
}

/** Incremental builder: add files one by one (a tree does not fit in memory at once), then finish. */
export class SourceIndexBuilder {
  private readonly macros: RawMacro[] = [];
  private readonly sites: Site[] = [];
  private readonly defs = new Map<string, Array<{ file: string; line: number }>>();
  private readonly makefiles: Array<{ path: string; text: string }> = [];
  private cFiles = 0;

  constructor(private readonly opts: { arch?: string; kernelVersion?: string } = {}) {}

  /** What the files added so far gave (plain data: it crosses to another thread). */
  part(): SourceIndexPart {
    return { macros: this.macros, sites: this.sites, defs: [...this.defs], makefiles: this.makefiles, cFiles: this.cFiles };
  }

  /** Add a part built from the files that come next in path order (the index is the same as one builder's). */
  merge(p: SourceIndexPart): void {
    this.macros.push(...p.macros);
    this.sites.push(...p.sites);
    for (const [fn, l] of p.defs) {
      const own = this.defs.get(fn);
      if (own) own.push(...l);
      else this.defs.set(fn, l);
    }
    this.makefiles.push(...p.makefiles);
    this.cFiles += p.cFiles;
  }

  add(f: SourceFile): void {
    const base = f.path.slice(f.path.lastIndexOf('/') + 1);
    if (base === 'Makefile' || base === 'Kbuild') {
      this.makefiles.push({ path: f.path, text: f.text ?? f.bytes.toString('latin1') });
      return;
    }
    const isC = f.path.endsWith('.c');
    if (!isC && !f.path.endsWith('.h')) return;
    if (isC) this.cFiles++;
    const bytes = f.bytes ?? Buffer.from(f.text, 'utf8');
    if (isC) this.scanC(f.path, bytes);
    else this.scanHeader(f.path, bytes);
  }

  /**
   * One pass over a .c file, on its bytes (the tree is ~1 GB: a string per
   * file, a pass per concern or a walk over every line would cost seconds).
   * Only lines holding a `#`, a registrar keyword or `__init` can matter, so
   * the scan jumps from one such line to the next with the native
   * Buffer.indexOf and turns only those lines into strings: `#define`s of
   * helper macros, `#if` context, registrations and helper calls at column 0
   * (file scope), and `__init` definitions.
   */
  private scanC(file: string, b: Buffer): void {
    const frames: PreFrame[] = [];
    const len = b.length;
    const next = SITE_KEYS.map((k) => b.indexOf(k));
    let nextInit = b.indexOf('__init');
    // Nothing that registers, defines a helper or an __init function (~40 % of the tree).
    if (nextInit < 0 && next.every((p) => p < 0)) return;
    let nextHash = b.indexOf(35);
    // Line numbers are counted lazily, up to the lines that need one.
    let counted = 0;
    let line = 1;
    const lineAt = (ls: number): number => {
      for (let k = counted; k < ls; k++) if (b[k] === 10) line++;
      counted = ls;
      return line;
    };
    const str = (from: number, to: number): string => b.toString('latin1', from, Math.min(to, len));
    for (;;) {
      let p = nextHash < 0 ? len : nextHash;
      if (nextInit >= 0 && nextInit < p) p = nextInit;
      for (const k of next) if (k >= 0 && k < p) p = k;
      if (p >= len) break;
      const ls = p === 0 ? 0 : b.lastIndexOf(10, p - 1) + 1; // (a negative offset would count from the end)
      let nl = b.indexOf(10, ls);
      if (nl < 0) nl = len;
      let i = ls;
      while (b[i] === 32 || b[i] === 9) i++;
      const c = b[i];
      if (c === 35 && trackedDirective(b, i + 1)) {
        const end = logicalEnd(b, ls);
        const text = str(i, end);
        DIRECTIVE_RE.lastIndex = 0;
        const d = DIRECTIVE_RE.exec(text);
        if (d) {
          nl = end;
          if (d[1] === 'define') this.defineAt(file, text, 0, text.length);
          else this.directive(frames, d[1], text.slice(DIRECTIVE_RE.lastIndex).replace(/\\\r?\n/g, ' '));
        }
      } else if (i === ls && ((c >= 97 && c <= 122) || c === 95) && next.some((k) => k >= 0 && k < nl)) {
        SITE_RE.lastIndex = 0;
        const m = SITE_RE.exec(str(ls, Math.min(nl, ls + 256)));
        if (m && maybeRegistrar(m[1]) && !frames.some((f) => f.dead)) {
          // parenBody reads at most 4000 characters after the `(`.
          const text = str(ls, SITE_RE.lastIndex + ls + 4100);
          const pb = parenBody(text, SITE_RE.lastIndex - 1);
          // A call ends with `;` (or nothing: some helpers swallow it); a definition opens `{`.
          if (pb && !/^\s*\{/.test(text.slice(pb.end, pb.end + 20))) {
            this.sites.push({
              name: m[1],
              args: splitTopLevel(pb.body),
              file,
              line: lineAt(ls),
              ifdefs: frames.flatMap((f) => f.terms),
              ifdefUnsure: frames.some((f) => f.unsure),
            });
          }
        }
      }
      while (nextInit >= 0 && nextInit < nl) {
        INIT_DEF_RE.lastIndex = 0;
        // `__init` then a space (\s: not __initdata, __initconst, …), before any string is made.
        const after = b[nextInit + 6];
        const m = SPACE_BYTES.has(after) ? INIT_DEF_RE.exec(str(nextInit, nextInit + 512)) : null;
        if (m) {
          let l = this.defs.get(m[1]);
          if (!l) this.defs.set(m[1], (l = []));
          l.push({ file, line: lineAt(ls) });
        }
        nextInit = b.indexOf('__init', nextInit + 6);
      }
      for (let k = 0; k < next.length; k++) if (next[k] >= 0 && next[k] < nl) next[k] = b.indexOf(SITE_KEYS[k], nl);
      if (nextHash >= 0 && nextHash < nl) nextHash = b.indexOf(35, nl);
    }
  }

  /** Headers: only their `#define`s matter, found without walking every line. */
  private scanHeader(file: string, b: Buffer): void {
    for (let i = b.indexOf('define'); i >= 0; i = b.indexOf('define', i + 6)) {
      let h = i - 1;
      while (h >= 0 && (b[h] === 32 || b[h] === 9)) h--;
      if (h < 0 || b[h] !== 35) continue;
      let ls = h;
      while (ls > 0 && (b[ls - 1] === 32 || b[ls - 1] === 9)) ls--;
      if (ls > 0 && b[ls - 1] !== 10) continue;
      const end = logicalEnd(b, h);
      const text = b.toString('latin1', h, end);
      this.defineAt(file, text, 0, text.length);
      i = Math.max(i, end - 6);
    }
  }

  /** A `#define NAME(params) body` (body up to `end`): kept when its body calls a possible registrar. */
  private defineAt(file: string, text: string, at: number, end: number): void {
    DEFINE_RE.lastIndex = at;
    const m = DEFINE_RE.exec(text);
    if (!m || DEFINE_RE.lastIndex > end) return;
    const body = text.slice(DEFINE_RE.lastIndex, end).replace(/\\\r?\n/g, ' ');
    if (!/initcall|module_|builtin_|driver/.test(body)) return;
    const params = m[2]
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const calls: RawMacro['calls'] = [];
    CALL_RE.lastIndex = 0;
    for (let c = CALL_RE.exec(body); c; c = CALL_RE.exec(body)) {
      if (!maybeRegistrar(c[1])) continue;
      const pb = parenBody(body, CALL_RE.lastIndex - 1);
      if (pb) calls.push({ callee: c[1], args: splitTopLevel(pb.body) });
    }
    if (calls.length) this.macros.push({ name: m[1], file, params, calls });
  }

  private directive(frames: PreFrame[], kind: string, rest: string): void {
    if (kind === 'if' || kind === 'ifdef' || kind === 'ifndef') {
      const c = readIf(kind, rest);
      frames.push({ ...c, previous: [{ terms: c.terms, unsure: c.unsure }] });
    } else if (kind === 'elif' || kind === 'else') {
      const f = frames.pop();
      if (!f) return;
      const neg = elseOf(f.previous);
      const own = kind === 'elif' ? readIf('if', rest) : { terms: [], unsure: false, dead: false };
      const wasDead = f.previous.length === 1 && f.dead;
      frames.push({
        terms: [...neg.terms, ...own.terms],
        unsure: neg.unsure || own.unsure,
        dead: own.dead,
        previous: [...f.previous, { terms: own.terms, unsure: own.unsure }],
      });
      if (wasDead) frames[frames.length - 1].previous.splice(0, 1); // `#if 0 … #else`: the else always holds
    } else if (kind === 'endif') {
      frames.pop();
    }
  }

  /** Resolve helper macros to a fixed point, then the sites to registrations. */
  finish(): SourceIndex {
    // Per macro name: definitions per file (a .c may define its own local helper).
    const helpers = new Map<string, Map<string, Registrar>>(); // name → file → registrar
    const registrarFor = (name: string, file: string): Registrar | undefined => {
      const base = baseRegistrar(name);
      if (base) return base;
      const defs = helpers.get(name);
      if (!defs) return undefined;
      const own = defs.get(file);
      if (own) return own;
      const shared = [...defs].filter(([f]) => f.endsWith('.h')).map(([, r]) => r);
      const pool = shared.length ? shared : [...defs.values()];
      const first = templateString(pool[0].template);
      return pool.every((r) => templateString(r.template) === first && r.levelId === pool[0].levelId) ? pool[0] : undefined;
    };
    for (let round = 0, changed = true; changed && round < 12; round++) {
      changed = false;
      for (const m of this.macros) {
        if (baseRegistrar(m.name) || helpers.get(m.name)?.has(m.file)) continue;
        for (const call of m.calls) {
          const r = registrarFor(call.callee, m.file);
          if (!r || call.callee === m.name) continue;
          const t = compose(
            r.template,
            call.args.map((a) => argTemplate(a, m.params)),
          );
          if (!t) continue;
          let defs = helpers.get(m.name);
          if (!defs) helpers.set(m.name, (defs = new Map()));
          defs.set(m.file, { template: t, levelId: r.levelId });
          changed = true;
          break;
        }
      }
    }

    const registrations = new Map<string, InitcallRegistration[]>();
    for (const s of this.sites) {
      const r = registrarFor(s.name, s.file);
      if (!r) continue;
      const fn = instantiate(r.template, s.args);
      if (!fn) continue;
      let l = registrations.get(fn);
      if (!l) registrations.set(fn, (l = []));
      l.push({ fn, file: s.file, line: s.line, macro: s.name, levelId: r.levelId, ifdefs: s.ifdefs, ifdefUnsure: s.ifdefUnsure });
    }
    const definitions = new Map<string, Array<{ file: string; line: number }>>();
    for (const [fn, l] of this.defs) if (!registrations.has(fn)) definitions.set(fn, l);
    const helperList = new Map<string, { template: string; levelId: string }>();
    for (const name of helpers.keys()) {
      const r = registrarFor(name, '');
      if (r) helperList.set(name, { template: templateString(r.template), levelId: r.levelId });
    }
    const arch = this.opts.arch ?? 'x86';
    return {
      formatVersion: SOURCE_INDEX_FORMAT,
      kernelVersion: this.opts.kernelVersion,
      arch,
      fileCount: this.cFiles,
      registrations,
      definitions,
      helpers: helperList,
      kbuild: kbuildConditions(this.makefiles, { arch }),
    };
  }
}

/** Build the index from the texts of a tree's .c, .h, Makefile and Kbuild files. */
export function buildSourceIndex(files: Iterable<SourceFile>, opts: { arch?: string; kernelVersion?: string } = {}): SourceIndex {
  const b = new SourceIndexBuilder(opts);
  for (const f of files) b.add(f);
  return b.finish();
}

// ----------------------------------------------------------- serialization

/** JSON text of an index (Maps as entry arrays), for the per-tree cache. */
export function serializeSourceIndex(ix: SourceIndex): string {
  return JSON.stringify({
    formatVersion: ix.formatVersion,
    kernelVersion: ix.kernelVersion,
    arch: ix.arch,
    fileCount: ix.fileCount,
    registrations: [...ix.registrations.values()].flat(),
    definitions: [...ix.definitions],
    helpers: [...ix.helpers],
    kbuild: {
      files: [...ix.kbuild.files.values()],
      warnings: ix.kbuild.warnings,
      makefileCount: ix.kbuild.makefileCount,
      reachedCount: ix.kbuild.reachedCount,
    },
  });
}

/** The inverse of serializeSourceIndex; undefined when the text is from another format version. */
export function deserializeSourceIndex(text: string): SourceIndex | undefined {
  const j = JSON.parse(text) as {
    formatVersion: number;
    kernelVersion?: string;
    arch: string;
    fileCount: number;
    registrations: InitcallRegistration[];
    definitions: Array<[string, Array<{ file: string; line: number }>]>;
    helpers: Array<[string, { template: string; levelId: string }]>;
    kbuild: { files: KbuildObject[]; warnings: KbuildMap['warnings']; makefileCount: number; reachedCount: number };
  };
  if (j.formatVersion !== SOURCE_INDEX_FORMAT) return undefined;
  const registrations = new Map<string, InitcallRegistration[]>();
  for (const r of j.registrations) {
    let l = registrations.get(r.fn);
    if (!l) registrations.set(r.fn, (l = []));
    l.push(r);
  }
  const files = new Map(j.kbuild.files.map((o) => [o.file, o]));
  const modules = new Map<string, string[]>();
  for (const o of files.values()) {
    for (const m of new Set(o.alternatives.map((a) => a.module))) {
      let l = modules.get(m);
      if (!l) modules.set(m, (l = []));
      l.push(o.file);
    }
  }
  return {
    formatVersion: j.formatVersion,
    kernelVersion: j.kernelVersion,
    arch: j.arch,
    fileCount: j.fileCount,
    registrations,
    definitions: new Map(j.definitions),
    helpers: new Map(j.helpers),
    kbuild: { files, modules, warnings: j.kbuild.warnings, makefileCount: j.kbuild.makefileCount, reachedCount: j.kbuild.reachedCount },
  };
}

// ------------------------------------------------------------- attribution

/**
 * How a call was tied to its file: `size` (another boot of the same kernel
 * resolved the call of the same name, code size and rank among the calls of
 * that size), `exclusion` (the other calls of the name in this boot took the
 * other registrations: two calls are two functions).
 */
export type AttributionMethod =
  'system-map' | 'registration' | 'module-tag' | 'arch' | 'config' | 'ifdef' | 'level' | 'size' | 'exclusion' | 'definition' | 'unresolved';

export interface InitcallAttribution {
  fn: string;
  /** The log's `[module]` tag. */
  module?: string;
  /** Index into the boot's ParsedBoot.initcalls, and the boot's source. */
  index: number;
  boot: string;
  file: string | null;
  line?: number;
  /** The registration macro (`subsys_initcall`, `module_platform_driver`…). */
  macro?: string;
  /** Level: from the System.map name, the log, or the registration (module_init built in → device). */
  level?: InitcallLevel;
  /** The registration's level id (`4`, `6s`, `con`, `module`…). */
  levelId?: string;
  /** KBUILD_MODNAME of the file's object (from the System.map name or Kbuild). */
  kbuildModule?: string;
  /** Every registration (or definition) considered: ≥ 2 when ambiguous. */
  candidates: Array<{ file: string; line: number; macro?: string }>;
  how: AttributionMethod;
  unresolvedReason?: string;
  durationUs?: number;
  async: boolean;
}

export interface AttributionRates {
  /** Synchronous initcalls (async work is not an initcall), and how many resolved to a file. */
  total: number;
  resolved: number;
  /** The same among those taking ≥ 1 ms. */
  totalOver1ms: number;
  resolvedOver1ms: number;
}

export interface AttributionResult {
  items: InitcallAttribution[];
  warnings: string[];
  rates: AttributionRates;
}

export interface AttributeOptions {
  systemMap?: SystemMap;
  config?: DotConfig;
  /** The tree's version (`6.1.192`): a log from another version gets a warning. */
  treeVersion?: string;
}

/** y/m/n of a symbol in a .config (unset → n). */
export function configValue(config: DotConfig): ConfigValue {
  return (symbol) => {
    const v = config.values.get(symbol)?.value;
    return v === 'y' || v === 'm' ? v : 'n';
  };
}

function levelOfId(levelId: string, asModule: boolean): InitcallLevel | undefined {
  if (asModule) return 'module';
  if (levelId === 'module') return 'device';
  return levelFromId(levelId);
}

/** A warning when the log's kernel is not the tree's version. */
export function versionMismatch(boot: ParsedBoot, treeVersion: string): string | undefined {
  const tree = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(treeVersion);
  const rel = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(boot.kernelRelease ?? '');
  if (!tree || !rel) return undefined;
  if (tree[1] !== rel[1] || tree[2] !== rel[2]) {
    return `${boot.source}: the log is from kernel ${boot.kernelRelease}, the tree is ${treeVersion}: attribution may be wrong`;
  }
  // Distribution releases (6.1.0-28-amd64) carry the upstream version elsewhere (`Debian 6.1.192-2`).
  const full = [...(boot.kernelVersion ?? '').matchAll(/\b(\d+)\.(\d+)\.(\d+)\b/g)].filter(
    (m) => m[1] === tree[1] && m[2] === tree[2] && m[3] !== '0',
  );
  if (tree[3] && full.length && !full.some((m) => m[3] === tree[3])) {
    return `${boot.source}: the log is from kernel ${full[0][0]}, the tree is ${treeVersion}: line numbers and some functions may differ`;
  }
  return undefined;
}

interface Ctx {
  index: SourceIndex;
  value?: ConfigValue;
}

function moduleOf(index: SourceIndex, file: string): string | undefined {
  return index.kbuild.files.get(file)?.alternatives[0]?.module;
}

/** Narrow registrations of `fn` from the source alone. */
function fromSource(
  ctx: Ctx,
  fn: string,
  tag: string | undefined,
  knownLevel: InitcallLevel | undefined,
): Omit<InitcallAttribution, 'index' | 'boot' | 'durationUs' | 'async'> {
  const { index } = ctx;
  const regs = index.registrations.get(fn) ?? [];
  const candidates = regs.map((r) => ({ file: r.file, line: r.line, macro: r.macro }));
  let pool = regs;
  let how: AttributionMethod = 'registration';
  const narrow = (method: AttributionMethod, keep: (r: InitcallRegistration) => boolean) => {
    if (pool.length <= 1) return;
    const next = pool.filter(keep);
    if (next.length >= 1 && next.length < pool.length) {
      pool = next;
      how = method;
    }
  };
  const norm = (m: string) => m.replace(/-/g, '_');
  if (tag) narrow('module-tag', (r) => index.kbuild.files.get(r.file)?.alternatives.some((a) => a.module === norm(tag)) ?? false);
  narrow('arch', (r) => index.kbuild.files.has(r.file));
  // `#ifdef MODULE` picks the registration by how the log ran it: a [module] tag or none.
  narrow('ifdef', (r) => r.ifdefs.every((t) => t.symbol !== 'MODULE' || t.need.includes(tag !== undefined ? 'y' : 'n')));
  if (ctx.value) {
    const value = ctx.value;
    narrow('config', (r) => {
      const o = index.kbuild.files.get(r.file);
      return !o || kbuildState(o, value).state !== 'n';
    });
    // A call without a [module] tag ran built in: not from a file the config builds only as a module.
    if (tag === undefined) {
      narrow('config', (r) => {
        const o = index.kbuild.files.get(r.file);
        return !o || kbuildState(o, value).state !== 'm';
      });
    }
    narrow('ifdef', (r) => {
      const o = index.kbuild.files.get(r.file);
      const asModule = tag !== undefined || (o !== undefined && kbuildState(o, value).state === 'm');
      return r.ifdefs.every((t) => t.need.includes(t.symbol === 'MODULE' ? (asModule ? 'y' : 'n') : value(t.symbol)));
    });
  }
  if (knownLevel) narrow('level', (r) => levelOfId(r.levelId, tag !== undefined) === knownLevel);

  if (pool.length === 1) {
    const r = pool[0];
    return {
      fn,
      module: tag,
      file: r.file,
      line: r.line,
      macro: r.macro,
      levelId: r.levelId,
      level: knownLevel ?? levelOfId(r.levelId, tag !== undefined),
      kbuildModule: moduleOf(index, r.file),
      candidates,
      how,
    };
  }
  if (pool.length > 1) {
    return {
      fn,
      module: tag,
      file: null,
      level: knownLevel,
      candidates,
      how: 'unresolved',
      unresolvedReason: `ambiguous: ${pool.length} registrations (${pool.map((r) => `${r.file}:${r.line}`).join(', ')})`,
    };
  }
  // No registration understood: an `__init` definition of that name, when only one is built for this arch.
  const defs = index.definitions.get(fn) ?? [];
  let dpool = defs;
  const built = dpool.filter((d) => index.kbuild.files.has(d.file));
  if (built.length >= 1) dpool = built;
  if (tag && dpool.length > 1) {
    const tagged = dpool.filter((d) => moduleOf(index, d.file) === norm(tag));
    if (tagged.length >= 1) dpool = tagged;
  }
  if (dpool.length === 1) {
    return {
      fn,
      module: tag,
      file: dpool[0].file,
      line: dpool[0].line,
      level: knownLevel,
      kbuildModule: moduleOf(index, dpool[0].file),
      candidates: defs,
      how: 'definition',
    };
  }
  return {
    fn,
    module: tag,
    file: null,
    level: knownLevel,
    candidates: defs,
    how: 'unresolved',
    unresolvedReason: defs.length
      ? `ambiguous: ${dpool.length} definitions, no registration found`
      : 'not found in the tree (no registration or __init definition of that name)',
  };
}

/**
 * Attribute every initcall of every boot to its source file. Results are in
 * boot order, then call order; async work (not an initcall) is listed but
 * left out of the rates.
 */
export function attributeInitcalls(boots: readonly ParsedBoot[], index: SourceIndex, opts: AttributeOptions = {}): AttributionResult {
  const warnings: string[] = [];
  const ctx: Ctx = { index, value: opts.config ? configValue(opts.config) : undefined };
  // System.map entries per function, in link (address) order.
  const mapEntries = new Map<string, Array<{ object?: string; line?: number; id: string; level?: InitcallLevel }>>();
  for (const e of opts.systemMap?.initcalls ?? []) {
    let l = mapEntries.get(e.fn);
    if (!l) mapEntries.set(e.fn, (l = []));
    l.push(e);
  }
  const items: InitcallAttribution[] = [];
  for (const boot of boots) {
    if (opts.treeVersion) {
      const w = versionMismatch(boot, opts.treeVersion);
      if (w) warnings.push(w);
    }
    const seen = new Map<string, number>(); // built-in calls of fn so far (k-th call ↔ k-th pointer)
    boot.initcalls.forEach((rec, i) => {
      const base = { index: i, boot: boot.source, durationUs: rec.durationUs, async: rec.async };
      if (rec.async) {
        items.push({
          ...base,
          fn: rec.fn,
          module: rec.module,
          file: null,
          candidates: [],
          how: 'unresolved',
          unresolvedReason: 'async work, not an initcall',
        });
        return;
      }
      const entries = rec.module ? undefined : mapEntries.get(rec.fn);
      const k = seen.get(rec.fn) ?? 0;
      if (!rec.module) seen.set(rec.fn, k + 1);
      const e = entries?.[Math.min(k, entries.length - 1)];
      if (e && e.object !== undefined && e.line !== undefined) {
        const level = e.level ?? rec.level;
        const regs = (index.registrations.get(rec.fn) ?? []).filter(
          (r) => r.line === e.line && index.kbuild.files.get(r.file)?.alternatives.some((a) => a.module === e.object),
        );
        const byLine = regs.length ? regs : (index.registrations.get(rec.fn) ?? []).filter((r) => r.line === e.line);
        if (byLine.length === 1) {
          const r = byLine[0];
          items.push({
            ...base,
            fn: rec.fn,
            file: r.file,
            line: r.line,
            macro: r.macro,
            level,
            levelId: e.id,
            kbuildModule: e.object,
            candidates: [{ file: r.file, line: r.line, macro: r.macro }],
            how: 'system-map',
          });
          return;
        }
        // The registration was not understood: the module's files that define the function.
        const files = index.kbuild.modules.get(e.object) ?? [];
        const defs = (index.definitions.get(rec.fn) ?? []).filter((d) => files.includes(d.file));
        if (defs.length === 1 || files.length === 1) {
          const file = defs.length === 1 ? defs[0].file : files[0];
          items.push({
            ...base,
            fn: rec.fn,
            file,
            line: e.line,
            level,
            levelId: e.id,
            kbuildModule: e.object,
            candidates: [{ file, line: e.line }],
            how: 'system-map',
          });
          return;
        }
        const r = fromSource(ctx, rec.fn, rec.module, level);
        items.push({ ...base, ...r, level: r.level ?? level, levelId: r.levelId ?? e.id });
        return;
      }
      const r = fromSource(ctx, rec.fn, rec.module, rec.level ?? e?.level);
      items.push({ ...base, ...r });
    });
  }
  narrowByLevelOrder(items, boots, index);
  pairDuplicates(items, boots, index, warnings);
  const sync = items.filter((a) => !a.async);
  const over = sync.filter((a) => (a.durationUs ?? 0) >= 1000);
  const rates: AttributionRates = {
    total: sync.length,
    resolved: sync.filter((a) => a.file).length,
    totalOver1ms: over.length,
    resolvedOver1ms: over.filter((a) => a.file).length,
  };
  return { items, warnings, rates };
}

const LEVEL_RANK: Record<string, number> = {
  early: 0,
  pure: 1,
  core: 2,
  postcore: 3,
  arch: 4,
  subsys: 5,
  fs: 6,
  rootfs: 7,
  device: 8,
  late: 9,
};

function rankOf(levelId: string): number | undefined {
  if (levelId === 'con') return -1; // console_init(), before every level
  const l = levelOfId(levelId, false);
  return l === undefined ? undefined : LEVEL_RANK[l];
}

/**
 * Built-in initcalls run level by level, so an ambiguous one lies between
 * the levels of the resolved calls around it: keep the registrations whose
 * level fits (acpi_init: drivers/acpi/bus.c's subsys_initcall, not
 * lg-laptop.c's module_init, when its neighbours are subsys initcalls).
 */
function narrowByLevelOrder(items: InitcallAttribution[], boots: readonly ParsedBoot[], index: SourceIndex): void {
  for (const boot of boots) {
    const seq = items.filter((a) => a.boot === boot.source && !a.async && a.module === undefined);
    const ranks = seq.map((a) => (a.file && a.levelId ? rankOf(a.levelId) : undefined));
    seq.forEach((a, i) => {
      if (a.file || a.candidates.length < 2 || !a.unresolvedReason?.startsWith('ambiguous')) return;
      let lo = -1;
      for (let j = i - 1; j >= 0; j--)
        if (ranks[j] !== undefined) {
          lo = ranks[j]!;
          break;
        }
      let hi = 99;
      for (let j = i + 1; j < seq.length; j++)
        if (ranks[j] !== undefined) {
          hi = ranks[j]!;
          break;
        }
      const pool = (index.registrations.get(a.fn) ?? []).filter(
        (r) => a.candidates.some((c) => c.file === r.file && c.line === r.line) && index.kbuild.files.has(r.file),
      );
      const fit = pool.filter((r) => {
        const k = rankOf(r.levelId);
        return k !== undefined && k >= lo && k <= hi;
      });
      if (fit.length !== 1) return;
      const r = fit[0];
      Object.assign(a, {
        file: r.file,
        line: r.line,
        macro: r.macro,
        levelId: r.levelId,
        level: levelOfId(r.levelId, false),
        kbuildModule: moduleOf(index, r.file),
        how: 'level' as const,
        unresolvedReason: undefined,
      });
      delete a.unresolvedReason;
    });
  }
}

/** Assign a registration to an unresolved item. */
function settle(a: InitcallAttribution, r: InitcallRegistration, how: AttributionMethod, index: SourceIndex): void {
  Object.assign(a, {
    file: r.file,
    line: r.line,
    macro: r.macro,
    levelId: r.levelId,
    level: a.level ?? levelOfId(r.levelId, a.module !== undefined),
    kbuildModule: moduleOf(index, r.file),
    how,
  });
  delete a.unresolvedReason;
}

const hex = (n: number | undefined) => (n === undefined ? '?' : `0x${n.toString(16)}`);

/**
 * Duplicate names, paired by the `+0x0/0xSIZE` of the log (issue 9 §2).
 * Sizes come from the compiled kernel, so the source alone cannot say which
 * definition has which size; what the sizes do say:
 * - across boots of one kernel (same version banner), the call of `fn` with
 *   size S that is the k-th such call of its boot is the same function in
 *   every boot: one boot's resolution carries over to the others (`size`),
 *   and two boots resolving it differently is reported, never hidden;
 * - within one boot, n calls of one name are n functions (two equal sizes
 *   are still two: kvm.c's and vmware.c's activate_jump_labels are both
 *   0x36): a registration taken by one call is not another's (`exclusion`);
 * - when n calls remain for exactly n built registrations, they are all
 *   built, one each: said in the reason, but which is which stays unresolved
 *   (a System.map's link order tells; `--system-map`).
 */
function pairDuplicates(items: InitcallAttribution[], boots: readonly ParsedBoot[], index: SourceIndex, warnings: string[]): void {
  // Items are in boot order, then call order (attributeInitcalls).
  const perBoot: Array<{ boot: ParsedBoot; items: InitcallAttribution[] }> = [];
  let at = 0;
  for (const boot of boots) {
    perBoot.push({ boot, items: items.slice(at, at + boot.initcalls.length) });
    at += boot.initcalls.length;
  }
  const regOf = (fn: string, c: { file: string; line: number }) =>
    (index.registrations.get(fn) ?? []).find((r) => r.file === c.file && r.line === c.line);
  const open = (a: InitcallAttribution) =>
    !a.file && !a.async && a.candidates.length >= 2 && (a.unresolvedReason?.startsWith('ambiguous') ?? false);
  // The pool of an open item: its candidates the index knows as registrations built for this arch.
  const poolOf = (a: InitcallAttribution) =>
    a.candidates.flatMap((c) => {
      const r = regOf(a.fn, c);
      return r && index.kbuild.files.has(r.file) ? [r] : [];
    });
  const sameReg = (a: InitcallAttribution, r: InitcallRegistration) => a.file === r.file && a.line === r.line;

  // Same kernel, name, tag, size and rank among the boot's calls of that size → one function.
  const groups = new Map<string, InitcallAttribution[]>();
  const sizeOf = new Map<InitcallAttribution, number>();
  for (const { boot, items: its } of perBoot) {
    // Without its version banner a log cannot be known to come from the same build as another.
    const kernel = boot.kernelVersion ?? boot.kernelRelease;
    if (kernel === undefined) continue;
    const rank = new Map<string, number>();
    its.forEach((a, i) => {
      const size = boot.initcalls[i]?.size;
      if (a.async || size === undefined) return;
      sizeOf.set(a, size);
      const k0 = `${a.fn}\0${a.module ?? ''}\0${size}`;
      const k = (rank.get(k0) ?? 0) + 1;
      rank.set(k0, k);
      const key = `${kernel}\0${k0}\0${k}`;
      let l = groups.get(key);
      if (!l) groups.set(key, (l = []));
      l.push(a);
    });
  }
  // The calls of one name (and tag) in one boot: n calls are n functions.
  const siblings = new Map<InitcallAttribution, InitcallAttribution[]>();
  for (const { items: its } of perBoot) {
    const byFn = new Map<string, InitcallAttribution[]>();
    for (const a of its) {
      if (a.async) continue;
      const k = `${a.fn}\0${a.module ?? ''}`;
      let l = byFn.get(k);
      if (!l) byFn.set(k, (l = []));
      l.push(a);
      siblings.set(a, l);
    }
  }
  const takenByOther = (a: InitcallAttribution, r: InitcallRegistration) => siblings.get(a)!.some((b) => b !== a && sameReg(b, r));
  const reported = new Set<string>();
  for (let round = 0, changed = true; changed && round < 4; round++) {
    changed = false;
    for (const [key, g] of groups) {
      if (g.length < 2) continue;
      const done = [...new Set(g.filter((a) => a.file).map((a) => `${a.file}:${a.line}`))];
      if (done.length > 1) {
        if (!reported.has(key)) {
          reported.add(key);
          const size = key.split('\0')[3];
          warnings.push(
            `${g[0].fn}+0x0/${hex(Number(size))}: the same call (same kernel, size and order) resolved to ${done.join(' and ')} in different boots`,
          );
        }
        continue;
      }
      if (done.length !== 1) continue;
      const ref = g.find((a) => a.file)!;
      for (const a of g) {
        if (!open(a)) continue;
        const r = poolOf(a).find((x) => sameReg(ref, x));
        if (!r) continue;
        if (takenByOther(a, r)) {
          warnings.push(
            `${a.fn}+0x0/${hex(sizeOf.get(a))} in ${a.boot}: the same call in ${ref.boot} (same kernel, size and order) is ` +
              `${r.file}:${r.line}, which another call of ${a.boot} already is: left unresolved`,
          );
          continue;
        }
        settle(a, r, 'size', index);
        changed = true;
      }
    }
    for (const [a, calls] of siblings) {
      if (calls.length < 2 || !open(a)) continue;
      const left = poolOf(a).filter((r) => !takenByOther(a, r));
      if (left.length === 1) {
        settle(a, left[0], 'exclusion', index);
        changed = true;
      }
    }
  }
  // n open calls of one name in a boot, n built registrations left: all built, one each.
  for (const { boot, items: its } of perBoot) {
    const byFn = new Map<string, Array<{ a: InitcallAttribution; size?: number }>>();
    its.forEach((a, i) => {
      if (!open(a)) return;
      let l = byFn.get(`${a.fn}\0${a.module ?? ''}`);
      if (!l) byFn.set(`${a.fn}\0${a.module ?? ''}`, (l = []));
      l.push({ a, size: boot.initcalls[i]?.size });
    });
    for (const calls of byFn.values()) {
      if (calls.length < 2) continue;
      const pool = new Map<string, InitcallRegistration>();
      for (const { a } of calls) for (const r of poolOf(a)) pool.set(`${r.file}:${r.line}`, r);
      if (pool.size !== calls.length) continue;
      const sizes = calls.map((c) => hex(c.size)).join(', ');
      for (const { a } of calls) {
        a.unresolvedReason =
          `ambiguous: ${calls.length} calls (sizes ${sizes}) for ${pool.size} registrations, all built, one each ` +
          `(${[...pool.keys()].join(', ')}); which is which needs the System.map's link order`;
      }
    }
  }
}

/** Re-exported for callers that hold only the attribution module. */
export type { KbuildAlternative };
