/**
 * Kbuild makefiles → for each `.c` file of a kernel tree, the CONFIG
 * conditions under which it is built and its module name (KBUILD_MODNAME).
 * Pure: the caller reads the Makefile/Kbuild texts and passes them in.
 *
 * Understood (Documentation/kbuild/makefiles.rst): `obj-y`, `obj-m`,
 * `obj-$(CONFIG_X)`, `lib-y`, directory entries (`obj-$(CONFIG_USB) += usb/`,
 * followed recursively from the top `Kbuild` and the `core-`/`drivers-`/
 * `libs-` lines of the top and arch Makefiles), composite objects (`foo-y`,
 * `foo-objs`, `foo-$(CONFIG_Y)`), line continuations, variables set within a
 * file, `$(addprefix)`/`$(addsuffix)`/`$(subst)`, and `ifdef`/`ifndef`/
 * `ifeq`/`ifneq`/`else` on one CONFIG symbol. Anything else (a condition on a
 * non-CONFIG variable, an unknown `$(VAR)`) is kept best effort and the
 * result is marked unsure with the reason: nothing is invented.
 */

/** A value set: which of y/m/n satisfy a term. */
export type KbuildNeed = 'y' | 'm' | 'n' | 'ym' | 'yn' | 'mn';

export interface KbuildTerm {
  /** Symbol without CONFIG_, e.g. `USB`. */
  symbol: string;
  /** `obj-$(CONFIG_X)` → ym; `ifeq ($(CONFIG_X),y)` → y; `ifndef CONFIG_X` → n. */
  need: KbuildNeed;
  /** `drivers/Makefile:42`. */
  where: string;
}

/** One way a file gets built; the file is built when any alternative holds. */
export interface KbuildAlternative {
  /** Conjunction along the directory chain, the object line and the composite member line. */
  terms: KbuildTerm[];
  /** KBUILD_MODNAME (`-` and `,` → `_`): the composite object's name, else the object's base name. */
  module: string;
  /** The object line can make it a module (obj-m / obj-$(CONFIG_X)); false for obj-y, lib-y. */
  modular: boolean;
  /** Some condition on the way could not be read exactly (see reasons). */
  unsure: boolean;
  reasons: string[];
}

export interface KbuildObject {
  /** Path from the tree's top, e.g. `drivers/tty/serial/8250/8250_core.c`. */
  file: string;
  alternatives: KbuildAlternative[];
}

export interface KbuildWarning {
  file: string;
  line: number;
  message: string;
}

export interface KbuildMap {
  files: Map<string, KbuildObject>;
  /** KBUILD_MODNAME → files built into it. */
  modules: Map<string, string[]>;
  warnings: KbuildWarning[];
  /** Makefiles/Kbuild files read (all given), and those reached from the top. */
  makefileCount: number;
  reachedCount: number;
}

export interface KbuildOptions {
  /** SRCARCH, default `x86`. */
  arch?: string;
  /** Variables known from outside a file (make's command line, the arch Makefile). */
  vars?: Record<string, string>;
}

type Stmt = {
  base: string; // `obj`, `lib`, `foo` (composite), `core`, …
  suffix: 'y' | 'm' | 'objs' | 'cond';
  terms: KbuildTerm[];
  reasons: string[];
  tokens: string[];
  line: number;
};

interface ParsedMakefile {
  path: string;
  dir: string;
  stmts: Stmt[];
  warnings: KbuildWarning[];
}

const MAX_ALTERNATIVES = 8;
const CONFIG_REF = /\$[({]CONFIG_([A-Za-z0-9_]+)[)}]/g;

function negate(need: KbuildNeed): KbuildNeed | undefined {
  const rest = ['y', 'm', 'n'].filter((c) => !need.includes(c)).join('');
  return rest === '' || rest === 'ymn' ? undefined : (rest as KbuildNeed);
}

/** Join `\`-continued lines; keep the number of the first physical line. */
function logicalLines(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  const phys = text.split('\n');
  for (let i = 0; i < phys.length; i++) {
    const start = i;
    let cur = stripComment(phys[i].replace(/\r$/, ''));
    while (cur.endsWith('\\') && i + 1 < phys.length) {
      i++;
      cur = cur.slice(0, -1) + ' ' + stripComment(phys[i].replace(/\r$/, ''));
    }
    out.push({ text: cur, line: start + 1 });
  }
  return out;
}

function stripComment(s: string): string {
  const i = s.indexOf('#');
  if (i < 0) return s;
  if (i > 0 && s[i - 1] === '\\') return s; // an escaped `\#` (rare in kbuild files): keep the line whole
  return s.slice(0, i);
}

/** Split `a,b` of make's `(a,b)` at the top-level comma. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '(' || c === '{') depth++;
    else if (c === ')' || c === '}') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * Expand `$(VAR)` and a few functions with the variables known; unknown
 * references become '' and are reported through `unknown`.
 */
function expand(s: string, vars: Map<string, string>, unknown: string[], depth = 0): string {
  if (!s.includes('$') || depth > 10) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const next = s.indexOf('$', i);
    if (next < 0) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, next);
    i = next;
    const open = s[i + 1];
    if (open === '$') {
      out += '$';
      i++;
      continue;
    }
    if (open !== '(' && open !== '{') {
      // $x single-character variable (e.g. $@): unknown outside a rule
      unknown.push('$' + (open ?? ''));
      i++;
      continue;
    }
    const close = open === '(' ? ')' : '}';
    let d = 0;
    let j = i + 1;
    for (; j < s.length; j++) {
      if (s[j] === open) d++;
      else if (s[j] === close && --d === 0) break;
    }
    const inner = s.slice(i + 2, j);
    i = j;
    const fm = /^([a-z]+)\s+([\s\S]*)$/.exec(inner);
    if (fm && ['addprefix', 'addsuffix', 'subst', 'patsubst', 'strip', 'sort', 'filter-out', 'filter', 'if'].includes(fm[1])) {
      const args = splitArgs(fm[2]).map((a) => expand(a, vars, unknown, depth + 1));
      const words = (x: string | undefined) => (x ?? '').trim().split(/\s+/).filter(Boolean);
      switch (fm[1]) {
        case 'addprefix':
          out += words(args[1])
            .map((w) => args[0].trim() + w)
            .join(' ');
          break;
        case 'addsuffix':
          out += words(args[1])
            .map((w) => w + args[0].trim())
            .join(' ');
          break;
        case 'subst':
          out += (args[2] ?? '').split(args[0]).join(args[1] ?? '');
          break;
        case 'patsubst': {
          const [pre, post] = args[0].trim().split('%');
          const [rpre, rpost] = (args[1] ?? '').trim().split('%');
          out += words(args[2])
            .map((w) =>
              post !== undefined && w.startsWith(pre) && w.endsWith(post)
                ? rpre + w.slice(pre.length, w.length - post.length) + (rpost ?? '')
                : w,
            )
            .join(' ');
          break;
        }
        case 'strip':
        case 'sort':
          out += words(args[0]).join(' ');
          break;
        case 'filter':
        case 'filter-out': {
          const pats = words(args[0]);
          const keep = fm[1] === 'filter';
          out += words(args[1])
            .filter((w) => pats.includes(w) === keep)
            .join(' ');
          break;
        }
        case 'if':
          out += args[0].trim() !== '' ? (args[1] ?? '') : (args[2] ?? '');
          break;
      }
      continue;
    }
    const name = expand(inner, vars, unknown, depth + 1).trim();
    const v = vars.get(name);
    // `$(foo-y)` where foo-$(CONFIG_X) lines fill it: resolved per line by the caller.
    if (v === undefined && /^[A-Za-z0-9_.-]+-(y|m|objs)$/.test(name)) out += ` \u0001${name} `;
    else if (v === undefined) unknown.push(name);
    else out += expand(v, vars, unknown, depth + 1);
  }
  return out;
}

type Cond = { terms: KbuildTerm[]; reasons: string[]; negatable: boolean };

/** One `ifdef`/`ifeq` line → the terms it requires (or a reason why not). */
function readCondition(kind: string, rest: string, where: string, lenient: boolean): Cond {
  rest = rest.trim();
  if (kind === 'ifdef' || kind === 'ifndef') {
    const m = /^CONFIG_([A-Za-z0-9_]+)$/.exec(rest);
    if (m) return { terms: [{ symbol: m[1], need: kind === 'ifdef' ? 'ym' : 'n', where }], reasons: [], negatable: true };
  } else {
    let a: string | undefined;
    let b: string | undefined;
    const paren = /^\(([\s\S]*)\)$/.exec(rest);
    if (paren) [a, b] = splitArgs(paren[1]);
    else {
      const q = /^(["'])(.*?)\1\s+(["'])(.*?)\3$/.exec(rest);
      if (q) [a, b] = [q[2], q[4]];
    }
    if (a !== undefined && b !== undefined) {
      a = a.trim();
      b = b.trim();
      const refA = /^\$[({]CONFIG_([A-Za-z0-9_]+)[)}]$/.exec(a);
      const refB = /^\$[({]CONFIG_([A-Za-z0-9_]+)[)}]$/.exec(b);
      const ref = refA ?? refB;
      const other = refA ? b : a;
      if (ref && !(refA && refB) && /^[ymn]?$/.test(other)) {
        let need: KbuildNeed = other === '' ? 'n' : (other as KbuildNeed);
        if (kind === 'ifneq') {
          const neg = negate(need);
          if (neg) need = neg;
        }
        return { terms: [{ symbol: ref[1], need, where }], reasons: [], negatable: true };
      }
    }
  }
  const symbols = [...rest.matchAll(CONFIG_REF)].map((m) => m[1]);
  if (symbols.length === 0 && lenient) return { terms: [], reasons: [], negatable: false };
  return { terms: [], reasons: [`${where}: ${kind} ${rest} (not a plain test of one CONFIG symbol)`], negatable: false };
}

/** Read one Makefile/Kbuild file into object statements under their conditions. */
function parseMakefile(path: string, text: string, baseVars: Map<string, string>, lenient: boolean): ParsedMakefile {
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  const vars = new Map(baseVars);
  const stmts: Stmt[] = [];
  const warnings: KbuildWarning[] = [];
  const stack: Array<Cond & { line: number }> = [];
  let inDefine = 0;

  for (const { text: raw, line } of logicalLines(text)) {
    const where = `${path}:${line}`;
    if (raw.startsWith('\t')) continue; // a recipe line
    const t = raw.trim();
    if (t === '') continue;
    if (/^define\b/.test(t)) {
      inDefine++;
      continue;
    }
    if (inDefine) {
      if (/^endef\b/.test(t)) inDefine--;
      continue;
    }
    const dm = /^(ifdef|ifndef|ifeq|ifneq)\b(.*)$/.exec(t);
    if (dm) {
      stack.push({ ...readCondition(dm[1], dm[2], where, lenient), line });
      continue;
    }
    const em = /^else\b\s*(.*)$/.exec(t);
    if (em) {
      const top = stack.pop();
      if (!top) {
        warnings.push({ file: path, line, message: 'else without if' });
        continue;
      }
      // else: the negation of the if (exact for one term), then maybe `else ifeq …`
      let negated: Cond;
      if (top.negatable && top.terms.length === 1) {
        const need = negate(top.terms[0].need);
        negated = need
          ? { terms: [{ ...top.terms[0], need, where }], reasons: [], negatable: false }
          : { terms: [], reasons: [], negatable: false };
      } else if (top.terms.length === 0 && top.reasons.length === 0) {
        negated = { terms: [], reasons: [], negatable: false };
      } else {
        negated = { terms: [], reasons: [`${where}: else of a condition that cannot be negated exactly`], negatable: false };
      }
      const chained = /^(ifdef|ifndef|ifeq|ifneq)\b(.*)$/.exec(em[1]);
      if (chained) {
        const c = readCondition(chained[1], chained[2], where, lenient);
        negated = { terms: [...negated.terms, ...c.terms], reasons: [...negated.reasons, ...c.reasons], negatable: false };
      }
      stack.push({ ...negated, line });
      continue;
    }
    if (/^endif\b/.test(t)) {
      if (!stack.pop()) warnings.push({ file: path, line, message: 'endif without if' });
      continue;
    }
    // obj-$(subst m,y,$(CONFIG_X)) means obj-$(CONFIG_X), built in (the name must not keep the spaces).
    const am = /^([^\s=:+?!]+)\s*(\+=|:=|::=|\?=|=)\s*(.*)$/.exec(
      t.replace(/^([^\s=]*)\$\(subst m,y,(\$\(CONFIG_[A-Za-z0-9_]+\))\)/, '$1$2'),
    );
    if (!am) continue;
    const [, lhsRaw, op, rhs] = am;
    // Variables of this file (for later $(VAR) uses); object lists are also kept as statements.
    const unknownL: string[] = [];
    // Expand everything in the name except CONFIG references.
    const lhs = lhsRaw
      .split(/(\$[({]CONFIG_[A-Za-z0-9_]+[)}])/)
      .map((part, i) => (i % 2 ? part : expand(part, vars, unknownL)))
      .join('');
    const unknownR: string[] = [];
    const value = expand(rhs, vars, unknownR);
    const cur = vars.get(lhs);
    if (op === '+=') vars.set(lhs, cur === undefined ? rhs : `${cur} ${rhs}`);
    else if (op === '?=') {
      if (cur === undefined) vars.set(lhs, rhs);
    } else vars.set(lhs, op === ':=' || op === '::=' ? value : rhs);

    const nm = /^([A-Za-z0-9_.\-/]+?)-(y|m|objs|\$[({].*[)}])$/.exec(lhs);
    if (!nm) continue;
    const [, base, suf] = nm;
    const terms: KbuildTerm[] = [];
    const reasons: string[] = [];
    let suffix: Stmt['suffix'];
    if (suf === 'y' || suf === 'm' || suf === 'objs') suffix = suf;
    else {
      suffix = 'cond';
      const syms = [...suf.matchAll(CONFIG_REF)].map((m) => m[1]);
      CONFIG_REF.lastIndex = 0;
      const plain = /^\$[({]CONFIG_[A-Za-z0-9_]+[)}]$/.test(suf);
      if (syms.length === 0) {
        // obj-$(VAR) with a variable of this file: expand it (y/m/empty)
        const v = expand(suf, vars, unknownL).trim();
        if (v === 'y' || v === 'm') suffix = v;
        else if (v === '' && unknownL.length === 0)
          continue; // obj- : never built
        else reasons.push(`${where}: ${lhsRaw} (unknown variable)`);
      } else {
        for (const s of syms) terms.push({ symbol: s, need: 'ym', where });
        if (!plain) reasons.push(`${where}: ${lhsRaw} (expression over CONFIG symbols)`);
      }
    }
    if (unknownL.length) reasons.push(`${where}: unknown $(${unknownL.join('), $(')}) in ${lhsRaw}`);
    if (unknownR.length && /\.o\b|\/$/.test(rhs)) reasons.push(`${where}: unknown $(${unknownR.join('), $(')})`);
    for (const c of stack) {
      terms.push(...c.terms);
      reasons.push(...c.reasons);
    }
    const tokens = value.split(/\s+/).filter(Boolean);
    stmts.push({ base, suffix, terms, reasons, tokens, line });
  }
  for (const c of stack) warnings.push({ file: path, line: c.line, message: 'if without endif' });
  return { path, dir, stmts, warnings };
}

function normalize(p: string): string {
  if (!/(^|\/)\.\.?(\/|$)|\/\/|^\//.test(p)) return p.endsWith('/') ? p.slice(0, -1) : p;
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

function modName(obj: string): string {
  const b = obj.slice(obj.lastIndexOf('/') + 1).replace(/\.o$/, '');
  return b.replace(/[-,]/g, '_');
}

interface Chain {
  terms: KbuildTerm[];
  reasons: string[];
}

/**
 * Parse every Makefile/Kbuild text and follow the directory entries from the
 * top. Paths are relative to the tree's top (`drivers/usb/Makefile`).
 */
export function kbuildConditions(makefiles: Iterable<{ path: string; text: string }>, opts: KbuildOptions = {}): KbuildMap {
  const arch = opts.arch ?? 'x86';
  const baseVars = new Map<string, string>(
    Object.entries({
      SRCARCH: arch,
      ARCH: arch,
      BITS: '64',
      srctree: '.',
      // The top Kbuild pulls arch directories through these; the arch
      // Makefile's core-/drivers-/libs- lines are followed directly instead.
      ARCH_CORE: '',
      ARCH_LIB: '',
      ARCH_DRIVERS: '',
      ...opts.vars,
    }),
  );
  const texts = new Map<string, string>();
  for (const m of makefiles) texts.set(normalize(m.path), m.text);

  const warnings: KbuildWarning[] = [];
  const parsed = new Map<string, ParsedMakefile | null>();
  const parsedFor = (dir: string): ParsedMakefile | null => {
    if (parsed.has(dir)) return parsed.get(dir)!;
    const kb = dir ? `${dir}/Kbuild` : 'Kbuild';
    const mk = dir ? `${dir}/Makefile` : 'Makefile';
    const path = texts.has(kb) ? kb : texts.has(mk) ? mk : undefined;
    const p = path === undefined ? null : parseMakefile(path, texts.get(path)!, baseVars, false);
    if (p) warnings.push(...p.warnings);
    parsed.set(dir, p);
    return p;
  };

  const files = new Map<string, KbuildObject>();
  const termKeys = new WeakMap<KbuildAlternative, Set<string>>();
  const keysOf = (alt: KbuildAlternative) => {
    let k = termKeys.get(alt);
    if (!k) termKeys.set(alt, (k = new Set(alt.terms.map((t) => `${t.symbol}=${t.need}`))));
    return k;
  };
  const addFile = (file: string, alt: KbuildAlternative) => {
    // One term per (symbol, need): the chain often repeats the gate (drivers/usb/ and usb.o both on USB).
    const seen = new Set<string>();
    alt.terms = alt.terms.filter((t) => {
      const k = `${t.symbol}=${t.need}`;
      return seen.has(k) ? false : (seen.add(k), true);
    });
    let o = files.get(file);
    if (!o) files.set(file, (o = { file, alternatives: [] }));
    // A ∨ (A ∧ B) = A: drop alternatives implied by a weaker one.
    const mine = keysOf(alt);
    const subset = (a: Set<string>, b: Set<string>) => [...a].every((k) => b.has(k));
    if (o.alternatives.some((a) => a.module === alt.module && a.unsure === alt.unsure && subset(keysOf(a), mine))) return;
    o.alternatives = o.alternatives.filter((a) => !(a.module === alt.module && a.unsure === alt.unsure && subset(mine, keysOf(a))));
    if (o.alternatives.length < MAX_ALTERNATIVES) o.alternatives.push(alt);
  };

  type OnDir = (dir: string, chain: Chain) => void;
  type OnFile = (file: string, alt: KbuildAlternative) => void;
  const addObjects = (mf: ParsedMakefile, bases: string[], dir: string, chain: Chain, onDir: OnDir, onFile: OnFile) => {
    const resolve = (tok: string) => normalize(`${dir}/${tok}`);
    const groups = new Map<string, Stmt[]>(); // composite parts and `$(foo-y)` lists, by base name
    for (const s of mf.stmts) {
      if (!bases.includes(s.base)) {
        let l = groups.get(s.base);
        if (!l) groups.set(s.base, (l = []));
        l.push(s);
      }
    }
    const alt = (terms: KbuildTerm[], reasons: string[], module: string, modular: boolean): KbuildAlternative => ({
      terms,
      module,
      modular,
      unsure: reasons.length > 0,
      reasons,
    });
    // `$(foo-y)` in a list: the statements `foo-y`/`foo-$(CONFIG_X)`, each under its own condition.
    const expandRefs = (
      toks: string[],
      terms: KbuildTerm[],
      reasons: string[],
      skip: string | undefined,
      visit: (tok: string, terms: KbuildTerm[], reasons: string[]) => void,
      depth = 0,
    ) => {
      for (const tok of toks) {
        if (tok.startsWith('\u0001')) {
          const base = tok.slice(1).replace(/-(y|m|objs)$/, '');
          if (base === skip || depth > 5) continue;
          for (const g of groups.get(base) ?? [])
            expandRefs(g.tokens, [...terms, ...g.terms], [...reasons, ...g.reasons], skip, visit, depth + 1);
        } else visit(tok, terms, reasons);
      }
    };
    for (const s of mf.stmts) {
      if (!bases.includes(s.base)) continue;
      const modular = s.suffix !== 'y' && s.base !== 'lib';
      expandRefs(s.tokens, [...chain.terms, ...s.terms], [...chain.reasons, ...s.reasons], undefined, (tok, terms, reasons) => {
        if (tok.endsWith('/')) return onDir(resolve(tok), { terms, reasons });
        if (!tok.endsWith('.o')) return;
        const stem = tok.slice(0, -2);
        const parts = groups.get(stem);
        const module = modName(tok);
        if (!parts || parts.length === 0) return onFile(resolve(stem) + '.c', alt(terms, reasons, module, modular));
        for (const p of parts) {
          expandRefs(p.tokens, [...terms, ...p.terms], [...reasons, ...p.reasons], stem, (m, mterms, mreasons) => {
            if (!m.endsWith('.o')) return;
            // Composite members are relative to the Makefile's directory; one level of nesting.
            const sub = m.slice(0, -2) !== stem ? groups.get(m.slice(0, -2)) : undefined;
            if (!sub) return onFile(resolve(m.slice(0, -2)) + '.c', alt(mterms, mreasons, module, modular));
            for (const q of sub)
              for (const mm of q.tokens)
                if (mm.endsWith('.o'))
                  onFile(resolve(mm.slice(0, -2)) + '.c', alt([...mterms, ...q.terms], [...mreasons, ...q.reasons], module, modular));
          });
        }
      });
    }
  };

  // Phase 1: the conditions of each directory (a disjunction of chains,
  // weaker chains absorbing stronger ones), propagated to a fixed point.
  const dirChains = new Map<string, Chain[]>();
  const work: Array<{ dir: string; chain: Chain }> = [];
  const chainKeys = (c: Chain) => new Set(c.terms.map((t) => `${t.symbol}=${t.need}`));
  const addDirChain: OnDir = (dir, chain) => {
    const seen = new Set<string>();
    chain = {
      terms: chain.terms.filter((t) => (seen.has(`${t.symbol}=${t.need}`) ? false : (seen.add(`${t.symbol}=${t.need}`), true))),
      reasons: chain.reasons,
    };
    const mine = chainKeys(chain);
    const list = dirChains.get(dir) ?? [];
    const unsure = chain.reasons.length > 0;
    const subset = (a: Set<string>, b: Set<string>) => [...a].every((k) => b.has(k));
    if (list.some((c) => c.reasons.length > 0 === unsure && subset(chainKeys(c), mine))) return;
    const kept = list.filter((c) => !(c.reasons.length > 0 === unsure && subset(mine, chainKeys(c))));
    if (kept.length >= MAX_ALTERNATIVES) return;
    kept.push(chain);
    dirChains.set(dir, kept);
    work.push({ dir, chain });
  };
  const noFile: OnFile = () => {};
  const topChain: Chain = { terms: [], reasons: [] };
  addDirChain('', topChain);
  // The top: Kbuild's obj-y (6.1+) and the core-/drivers-/libs- lines of the
  // top and arch Makefiles (all versions). Their many non-CONFIG
  // conditionals (KBUILD_EXTMOD, CC…) are build plumbing, not feature
  // choices: read leniently.
  const tops: ParsedMakefile[] = [];
  for (const path of ['Makefile', `arch/${arch}/Makefile`]) {
    const text = texts.get(path);
    if (text !== undefined) tops.push(parseMakefile(path, text, baseVars, true));
  }
  const topBases = ['core', 'drivers', 'libs', 'init', 'net', 'virt'];
  for (const mf of tops) addObjects(mf, topBases, '', topChain, addDirChain, noFile);
  while (work.length) {
    const { dir, chain } = work.pop()!;
    if (!dirChains.get(dir)?.includes(chain)) continue; // absorbed meanwhile
    const mf = parsedFor(dir);
    if (mf) addObjects(mf, ['obj', 'lib'], dir, chain, addDirChain, noFile);
  }
  // Phase 2: the objects of each directory under each of its chains.
  for (const [dir, chains] of dirChains) {
    const mf = parsedFor(dir);
    if (!mf) {
      if (dir) warnings.push({ file: dir, line: 0, message: 'directory entry without Makefile or Kbuild' });
      continue;
    }
    for (const chain of chains) addObjects(mf, ['obj', 'lib'], dir, chain, () => {}, addFile);
  }
  for (const mf of tops) addObjects(mf, topBases, '', topChain, () => {}, addFile);

  const modules = new Map<string, string[]>();
  for (const o of files.values()) {
    for (const m of new Set(o.alternatives.map((a) => a.module))) {
      let l = modules.get(m);
      if (!l) modules.set(m, (l = []));
      l.push(o.file);
    }
  }
  return { files, modules, warnings, makefileCount: texts.size, reachedCount: [...parsed.values()].filter(Boolean).length };
}

/** A config's value of a symbol: y, m or n (unset). */
export type ConfigValue = (symbol: string) => 'y' | 'm' | 'n';

/** Whether a term holds for a config. */
export function termHolds(t: { symbol: string; need: string }, value: ConfigValue): boolean {
  return t.need.includes(value(t.symbol));
}

/**
 * Whether a file is built for a config: y (built in), m (module) or n, and
 * whether that rests on an unsure alternative.
 */
export function kbuildState(obj: KbuildObject, value: ConfigValue): { state: 'y' | 'm' | 'n'; unsure: boolean } {
  let best: { state: 'y' | 'm' | 'n'; unsure: boolean } = { state: 'n', unsure: obj.alternatives.some((a) => a.unsure) };
  for (const a of obj.alternatives) {
    if (!a.terms.every((t) => termHolds(t, value))) continue;
    const m = a.modular && a.terms.some((t) => t.need.includes('m') && value(t.symbol) === 'm');
    const state = m ? 'm' : 'y';
    if (best.state === 'n' || (best.state === 'm' && state === 'y') || (best.unsure && !a.unsure)) best = { state, unsure: a.unsure };
  }
  return best;
}
