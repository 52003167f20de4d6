/**
 * Load a whole Kconfig tree the way `conf` does (conf_parse in parser.y):
 * build the environment make would pass, parse from `Kconfig` at the top of
 * the source tree, then menu_finalize (menu.c): propagate `depends on` of
 * enclosing if/menu/choice into entries and their properties, build
 * select/imply reverse dependencies, choice membership, automatic submenus
 * under symbols, and the flattening of `if` blocks.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { exprAnd, exprContainsSymbol, exprDependsSymbol, exprEqual, exprFlatten, exprOr, exprSym, type Expr } from './expr.js';
import { Lexer } from './lexer.js';
import { Parser } from './parser.js';
import { Preprocessor, type ShellRunner } from './preprocess.js';
import {
  checkRecursiveDependencies,
  SYMBOL_HASHSIZE,
  SYMBOL_HASHSIZE_V611,
  type KconfigDialect,
  type KconfigTree,
  type KSymbol,
  type MenuNode,
  type Property,
} from './symbol.js';

/** sym_get_choice_menu (6.11+): up from the first prompted definition to the nearest symbol menu. */
function choiceMenuOf(sym: KSymbol): MenuNode | null {
  let menu = sym.menus.find((m) => m.prompt) ?? null;
  if (!menu) return null;
  do menu = menu.parent;
  while (menu && !menu.sym);
  return menu && menu.sym && menu.sym.isChoice ? menu : null;
}

export type { ShellRunner } from './preprocess.js';
export type { KconfigTree } from './symbol.js';

/** The environment conf sees: make's exports (ARCH, SRCARCH, CC, CC_VERSION_TEXT, ...) and srctree. */
export interface KconfigEnv {
  srctree: string;
  ARCH: string;
  SRCARCH: string;
  CC: string;
  LD: string;
  CC_VERSION_TEXT: string;
  [k: string]: string;
}

/**
 * What the loader needs from the outside world, passed in (the model does
 * no I/O): the Kconfig files, and `$(shell,...)` (compiler probes, with
 * whatever cache the caller wants). src/build/kconfig-host.ts has the real
 * one; tests pass fakes.
 */
export interface KconfigHost {
  /** A Kconfig (or Makefile) file's text; throws when it cannot be read. */
  readFile(path: string): string;
  shell: ShellRunner & { flush?(): void };
}

export interface LoadOptions {
  srctree: string;
  /**
   * The environment conf runs with: make's exported variables (computed by
   * the caller, e.g. kernelKconfigEnv) and whatever else `$(VAR)` may read.
   */
  env?: Partial<KconfigEnv> | Record<string, string | undefined>;
  host?: Partial<KconfigHost>;
  /** Same as host.shell. */
  shell?: ShellRunner;
  /** Same as host.readFile. */
  readFile?: (path: string) => string;
  /**
   * KERNELVERSION (selects the Kconfig dialect); default: from the top
   * Makefile's VERSION/PATCHLEVEL/... For a bare Kconfig directory, give it.
   */
  kernelVersion?: string;
  /** Top Kconfig file (default `Kconfig`, as KBUILD_KCONFIG). */
  kconfig?: string;
  /** Messages: $(info), warnings. */
  onInfo?: (text: string) => void;
  onWarning?: (text: string) => void;
}

/** KERNELVERSION from the top Makefile's VERSION/PATCHLEVEL/SUBLEVEL/EXTRAVERSION. */
export function makefileKernelVersion(makefileText: string): string {
  const get = (k: string) => new RegExp(`^${k}\\s*=[ \\t]*(.*)$`, 'm').exec(makefileText)?.[1].trim() ?? '';
  const v = get('VERSION');
  const p = get('PATCHLEVEL');
  const s = get('SUBLEVEL');
  return `${v}${p ? `.${p}${s ? `.${s}` : ''}` : ''}${get('EXTRAVERSION')}`;
}

/** A host without `$(shell)`: pure trees that call it are an error, not a silent ''. */
const noShell: ShellRunner = {
  run(cmd: string): string {
    throw new InputError(`$(shell,${cmd}): no shell given to the Kconfig loader`);
  },
};

/** Parse and finalize a Kconfig tree. */
export async function loadKconfig(opts: LoadOptions): Promise<KconfigTree> {
  return loadKconfigSync(opts);
}

/** Synchronous variant of loadKconfig (the C parser is synchronous too). */
export function loadKconfigSync(opts: LoadOptions): KconfigTree {
  const srctree = resolve(opts.srctree);
  const readFile =
    opts.host?.readFile ??
    opts.readFile ??
    ((p: string): string => {
      throw new Error(`loadKconfig: no readFile given (pass a KconfigHost) to read ${p}`);
    });
  const shell: KconfigHost['shell'] = opts.host?.shell ?? opts.shell ?? noShell;
  const top = opts.kconfig ?? 'Kconfig';
  const topPath = isAbsolute(top) ? top : join(srctree, top);
  try {
    readFile(topPath);
  } catch {
    throw new InputError(`no Kconfig at the top of ${srctree} (not a kernel source tree?)`);
  }
  let kernelVersion = opts.kernelVersion;
  if (kernelVersion === undefined) {
    try {
      kernelVersion = makefileKernelVersion(readFile(join(srctree, 'Makefile')));
    } catch {
      kernelVersion = '';
    }
  }
  const given = Object.fromEntries(Object.entries(opts.env ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
  const env: Record<string, string> = { srctree, KERNELVERSION: kernelVersion, ...given };
  const warnings: string[] = [];
  // The preprocessor asks the lexer (made next, around it) where it is.
  const at: { lexer?: Lexer } = {};
  const pp = new Preprocessor({
    env,
    shell,
    where: () => ({ file: at.lexer!.file, line: at.lexer!.line }),
    info: opts.onInfo,
    warn: (t) => {
      warnings.push(t);
      opts.onWarning?.(t);
    },
  });
  const version = env.KERNELVERSION ?? '';
  const [maj, min] = version.split('.').map((x) => parseInt(x, 10));
  const newer = maj > 6 || (maj === 6 && min >= 18);
  const dialect: KconfigDialect = maj > 6 || (maj === 6 && min >= 11) ? 'v6.11' : 'v6.1';
  const lexer = (at.lexer = new Lexer(pp, { keywords: newer ? ['transitional'] : [], warn: (t) => warnings.push(t) }));
  const parserOpts = { dialect, hashSize: dialect === 'v6.11' ? SYMBOL_HASHSIZE_V611 : SYMBOL_HASHSIZE };
  const parser = new Parser(
    lexer,
    pp,
    {
      open: (name) => {
        const path = isAbsolute(name) ? name : join(srctree, name);
        try {
          return { path, text: readFile(path) };
        } catch {
          return null;
        }
      },
    },
    parserOpts,
  );
  const res = parser.parseFile(top);
  shell.flush?.();
  const table = res.table;
  const modules = res.modules ?? table.no;
  const root = res.root;
  if (!root.prompt) {
    // conf_parse: a tree without `mainmenu` gets "Main menu".
    const p: Property = { id: res.props.length, kind: 'menu', text: 'Main menu', expr: null, cond: null, menu: root, file: '', line: 0 };
    res.props.push(p);
    root.prompt = p;
  }
  const fin = new Finalizer(table.mod, res.props, dialect).setYes(table.yes);
  fin.finalize(root, modules);
  if (dialect === 'v6.11') {
    for (const sym of table.symbols) sym.choiceMenu = choiceMenuOf(sym);
  }
  checkRecursiveDependencies({ dialect, root, hashOrder: table.hashOrder(), symbols: table.symbols });
  const byName = new Map<string, KSymbol>();
  for (const [k, v] of table.byName) byName.set(k, v);
  const tree: KconfigTree = {
    dialect,
    kernelVersion: version,
    srctree,
    root,
    symbols: table.symbols,
    byName,
    props: res.props,
    yes: table.yes,
    mod: table.mod,
    no: table.no,
    modules,
    hashOrder: table.hashOrder(),
    files: res.files,
    warnings: [...warnings, ...res.warnings],
    env: Object.fromEntries(pp.usedEnv),
    exprCount: numberExpressions(table.symbols, res.props),
  };
  return tree;
}

/** menu_finalize and rewrite_m (menu.c). */
class Finalizer {
  private modules!: KSymbol;
  constructor(
    private readonly mod: KSymbol,
    private readonly props: Property[],
    private readonly dialect: KconfigDialect,
  ) {}

  finalize(root: MenuNode, modules: KSymbol): void {
    this.modules = modules;
    if (this.dialect === 'v6.11') this.menuFinalizeV611(root, false);
    else this.menuFinalize(root);
  }

  /** _menu_finalize of 6.11+: choices add no dependency of their own, no submenus in choices. */
  private menuFinalizeV611(parent: MenuNode, insideChoice: boolean): void {
    const sym = parent.sym;
    if (parent.list) {
      for (let menu: MenuNode | null = parent.list; menu; menu = menu.next) {
        const basedep = exprAnd(parent.dep, this.rewriteM(menu.dep));
        menu.dep = basedep;
        const props: Property[] = menu.sym ? menu.sym.props : menu.prompt ? [menu.prompt] : [];
        for (const prop of props) {
          if (prop.menu !== menu) continue;
          const dep = exprAnd(basedep, this.rewriteM(prop.cond));
          prop.cond = dep;
          this.addReverse(prop, menu, dep);
        }
      }
      for (let menu: MenuNode | null = parent.list; menu; menu = menu.next) this.menuFinalizeV611(menu, !!(sym && sym.isChoice));
    } else if (!insideChoice && sym) {
      this.autoSubmenu(parent, sym, (m) => this.menuFinalizeV611(m, false));
    }
    this.flatten(parent);
  }

  private addReverse(prop: Property, menu: MenuNode, dep: Expr | null): void {
    if (prop.kind !== 'select' && prop.kind !== 'imply') return;
    const es = (prop.expr as { k: 'sym'; sym: KSymbol }).sym;
    const term = exprAnd(exprSym(menu.sym!), dep)!;
    if (prop.kind === 'select') {
      es.revDep = exprOr(es.revDep, term);
      es.selectedBy.push(prop);
    } else {
      es.implied = exprOr(es.implied, term);
      es.impliedBy.push(prop);
    }
  }

  /** Automatic submenu creation below a symbol, then its dir_dep. */
  private autoSubmenu(parent: MenuNode, sym: KSymbol, finalize: (m: MenuNode) => void): void {
    const basedep = parent.prompt ? parent.prompt.cond : null;
    let baseTerms: Expr[] | null = null;
    let lastMenu: MenuNode | null = null;
    for (let menu = parent.next; menu; menu = menu.next) {
      const dep = menu.prompt ? menu.prompt.cond : menu.dep;
      if (!exprContainsSymbol(dep, sym)) break;
      if (!exprDependsSymbol(dep, sym)) {
        // Superset check: every term of sym's prompt condition must appear in dep.
        const depTerms = exprFlatten(dep, 'and');
        baseTerms ??= exprFlatten(basedep, 'and');
        const superset = baseTerms.every((b) => depTerms.some((d) => exprEqual(b, d)));
        if (!superset) break;
      }
      finalize(menu);
      menu.parent = parent;
      lastMenu = menu;
    }
    if (lastMenu) {
      parent.list = parent.next;
      parent.next = lastMenu.next;
      lastMenu.next = null;
    }
    sym.dirDep = exprOr(sym.dirDep, parent.dep);
  }

  /** A prompt-less node's (if block's, promptless symbol's) children become its following siblings. */
  private liftChildren(parent: MenuNode, menu: MenuNode): void {
    if (menu.list && (!menu.prompt || menu.prompt.text === undefined)) {
      let last = menu.list;
      for (;;) {
        last.parent = parent;
        if (!last.next) break;
        last = last.next;
      }
      last.next = menu.next;
      menu.next = menu.list;
      menu.list = null;
    }
  }

  /** Lift the children of prompt-less nodes (if blocks, promptless symbols) to siblings. */
  private flatten(parent: MenuNode): void {
    for (let menu: MenuNode | null = parent.list; menu; menu = menu.next) {
      this.liftChildren(parent, menu);
    }
  }

  /** 'm' → 'm && MODULES' so that it evaluates to 'n' without modules. */
  private rewriteM(e: Expr | null): Expr | null {
    if (!e) return e;
    switch (e.k) {
      case 'not': {
        const x = this.rewriteM(e.e)!;
        return x === e.e ? e : { k: 'not', e: x, id: -1 };
      }
      case 'and':
      case 'or': {
        const l = this.rewriteM(e.l)!;
        const r = this.rewriteM(e.r)!;
        return l === e.l && r === e.r ? e : { k: e.k, l, r, id: -1 };
      }
      case 'sym':
        if (e.sym === this.mod) return { k: 'and', l: e, r: exprSym(this.modules), id: -1 };
        return e;
      default:
        return e;
    }
  }

  private setType(menu: MenuNode, type: KSymbol['type']): void {
    const sym = menu.sym!;
    if (sym.type === type) return;
    if (sym.type === 'unknown') sym.type = type;
  }

  private menuFinalize(parent: MenuNode): void {
    const sym = parent.sym;
    if (parent.list) {
      let parentdep: Expr | null;
      if (sym && sym.isChoice) {
        if (sym.type === 'unknown') {
          for (let m: MenuNode | null = parent.list; m; m = m.next) {
            if (m.sym && m.sym.type !== 'unknown') {
              this.setType(parent, m.sym.type);
              break;
            }
          }
        }
        for (let m: MenuNode | null = parent.list; m; m = m.next) {
          if (m.sym && m.sym.type === 'unknown') this.setType(m, sym.type);
        }
        parentdep = exprSym(sym);
      } else parentdep = parent.dep;

      for (let menu: MenuNode | null = parent.list; menu; menu = menu.next) {
        const basedep = exprAnd(parentdep, this.rewriteM(menu.dep));
        menu.dep = basedep;
        const props: Property[] = menu.sym ? menu.sym.props : menu.prompt ? [menu.prompt] : [];
        for (const prop of props) {
          if (prop.menu !== menu) continue;
          const dep = exprAnd(basedep, this.rewriteM(prop.cond));
          prop.cond = dep;
          if (prop.kind === 'select' || prop.kind === 'imply') {
            const es = (prop.expr as { k: 'sym'; sym: KSymbol }).sym;
            const term = exprAnd(exprSym(menu.sym!), dep)!;
            if (prop.kind === 'select') {
              es.revDep = exprOr(es.revDep, term);
              es.selectedBy.push(prop);
            } else {
              es.implied = exprOr(es.implied, term);
              es.impliedBy.push(prop);
            }
          }
        }
      }
      for (let menu: MenuNode | null = parent.list; menu; menu = menu.next) this.menuFinalize(menu);
    } else if (sym) {
      this.autoSubmenu(parent, sym, (m) => this.menuFinalize(m));
    }

    for (let menu: MenuNode | null = parent.list; menu; menu = menu.next) {
      if (sym && sym.isChoice && menu.sym && menu.sym.choice === null) {
        const value = menu.sym;
        value.choice = sym;
        if (sym.type === 'tristate' && value.type !== 'tristate') {
          const basedep: Expr = { k: 'cmp', op: '=', l: sym, r: this.yesSym(), id: -1 };
          menu.dep = exprAnd(basedep, menu.dep);
          for (const prop of value.props) {
            if (prop.menu !== menu) continue;
            prop.cond = exprAnd(basedep, prop.cond);
          }
        }
        const p: Property = {
          id: this.props.length,
          kind: 'choice',
          text: undefined,
          expr: exprSym(sym),
          cond: null,
          menu,
          file: menu.file,
          line: menu.line,
        };
        this.props.push(p);
        value.props.push(p);
        sym.choiceMembers.push(value);
      }
      this.liftChildren(parent, menu);
    }

    if (sym && !sym.optional && parent.prompt) {
      sym.revDep = exprOr(sym.revDep, exprAnd(parent.prompt.cond, exprSym(this.mod)));
    }
  }

  private yesCache: KSymbol | undefined;
  private yesSym(): KSymbol {
    // y is the constant with constTri 2; reach it through the mod symbol's table peers.
    if (!this.yesCache) throw new Error('internal: yes symbol not set');
    return this.yesCache;
  }
  setYes(y: KSymbol): this {
    this.yesCache = y;
    return this;
  }
}

/** Give every compound expression node reachable from the tree an id. */
function numberExpressions(symbols: KSymbol[], props: Property[]): number {
  let n = 0;
  const walk = (e: Expr | null): void => {
    if (!e || e.k === 'sym' || (e.id !== undefined && e.id >= 0)) return;
    e.id = n++;
    if (e.k === 'and' || e.k === 'or') {
      walk(e.l);
      walk(e.r);
    } else if (e.k === 'not') walk(e.e);
  };
  for (const s of symbols) {
    walk(s.dirDep);
    walk(s.revDep);
    walk(s.implied);
  }
  for (const p of props) {
    walk(p.cond);
    walk(p.expr);
  }
  for (const s of symbols) for (const m of s.menus) walk(m.visibility);
  return n;
}
