/**
 * The Kconfig parser (scripts/kconfig/parser.y) with the tree-building
 * actions of menu.c (menu_add_entry, menu_add_prompt, menu_add_dep, ...).
 * Recursive descent over the same grammar; the first syntax error throws
 * InputError `file:line: message`. menu_finalize runs afterwards (tree.ts).
 */
import { InputError } from '../errors.js';
import { exprAnd, exprSym, type CompareOp, type Expr } from './expr.js';
import type { Lexer, Token, TokenType } from './lexer.js';
import type { Preprocessor } from './preprocess.js';
import {
  SymbolTable,
  type KconfigDialect,
  type KSymbol,
  type MenuKind,
  type MenuNode,
  type PropKind,
  type Property,
  type SymbolType,
} from './symbol.js';

export interface ParserIO {
  /** Read a Kconfig file named as in `source` (relative to cwd, else srctree); null if absent. */
  open(name: string): { path: string; text: string } | null;
}

export interface ParseResult {
  root: MenuNode;
  table: SymbolTable;
  props: Property[];
  modules: KSymbol | null;
  files: string[];
  warnings: string[];
}

export class Parser {
  readonly table: SymbolTable;
  /** The choice block being parsed (6.11+ membership is by block). */
  private currentChoice: MenuNode | null = null;
  readonly props: Property[] = [];
  readonly root: MenuNode;
  readonly files: string[] = [];
  readonly warnings: string[] = [];
  private modules: KSymbol | null = null;
  private currentMenu: MenuNode;
  private currentEntry: MenuNode;
  /** last_entry_ptr: the next entry goes to `lastEntryNode[lastEntryField]`. */
  private lastEntryNode: MenuNode;
  private lastEntryField: 'list' | 'next' = 'list';
  private peeked: Token | null = null;
  private tok!: Token;

  constructor(
    private readonly lexer: Lexer,
    private readonly pp: Preprocessor,
    private readonly io: ParserIO,
    private readonly opts: { dialect: KconfigDialect; hashSize: number },
  ) {
    this.table = new SymbolTable(opts.hashSize);
    this.root = {
      kind: 'root',
      sym: null,
      prompt: null,
      dep: null,
      visibility: null,
      parent: null,
      list: null,
      next: null,
      help: undefined,
      file: '',
      line: 0,
    };
    this.currentMenu = this.currentEntry = this.root;
    this.lastEntryNode = this.root;
  }

  // ---- tokens -------------------------------------------------------

  private next(): Token {
    if (this.peeked) {
      this.tok = this.peeked;
      this.peeked = null;
    } else this.tok = this.lexer.next();
    return this.tok;
  }
  private peek(): Token {
    if (!this.peeked) this.peeked = this.lexer.next();
    return this.peeked;
  }
  private error(msg: string, t: Token = this.tok): never {
    throw new InputError(msg, t.file, t.line);
  }
  private expect(type: TokenType, what?: string): Token {
    const t = this.next();
    if (t.type !== type) this.error(`syntax error: expected ${what ?? type}, got ${describe(t)}`, t);
    return t;
  }
  private expectEol(): void {
    const t = this.next();
    if (t.type !== 'EOL' && t.type !== 'EOF') this.error(`syntax error: unexpected ${describe(t)} (expected end of line)`, t);
  }

  // ---- menu.c actions -------------------------------------------------

  private addEntry(kind: MenuKind, sym: KSymbol | null): MenuNode {
    const menu: MenuNode = {
      kind,
      sym,
      prompt: null,
      dep: null,
      visibility: null,
      parent: this.currentMenu,
      list: null,
      next: null,
      help: undefined,
      file: this.lexer.stmtFile,
      line: this.lexer.stmtLine,
    };
    this.lastEntryNode[this.lastEntryField] = menu;
    this.lastEntryNode = menu;
    this.lastEntryField = 'next';
    this.currentEntry = menu;
    if (sym) {
      sym.menus.push(menu);
      this.addProp('symbol', exprSym(sym), null);
    }
    return menu;
  }

  private addMenu(): MenuNode {
    const entry = this.currentEntry;
    this.lastEntryNode = entry;
    this.lastEntryField = 'list';
    this.currentMenu = entry;
    return entry;
  }

  private endMenu(): void {
    const menu = this.currentMenu;
    this.lastEntryNode = menu;
    this.lastEntryField = 'next';
    this.currentMenu = menu.parent!;
  }

  private addProp(kind: PropKind, expr: Expr | null, cond: Expr | null): Property {
    // All fields at creation (text too) so every property has one object shape.
    const prop: Property = {
      id: this.props.length,
      kind,
      text: undefined,
      expr,
      cond,
      menu: this.currentEntry,
      file: this.lexer.stmtFile,
      line: this.lexer.stmtLine,
    };
    this.props.push(prop);
    if (this.currentEntry.sym) this.currentEntry.sym.props.push(prop);
    return prop;
  }

  private addPrompt(kind: 'prompt' | 'menu' | 'comment', text: string, cond: Expr | null): Property {
    const prop = this.addProp(kind, null, cond);
    if (/^\s/.test(text)) {
      this.warnAt(prop, 'leading whitespace ignored');
      text = text.replace(/^\s+/, '');
    }
    if (this.currentEntry.prompt) this.warnAt(prop, 'prompt redefined');
    if (kind === 'prompt') {
      for (let m = this.currentEntry.parent; m; m = m.parent) {
        if (m.visibility) prop.cond = exprAnd(prop.cond, m.visibility);
      }
    }
    this.currentEntry.prompt = prop;
    prop.text = text;
    return prop;
  }

  private setType(type: SymbolType): void {
    const sym = this.currentEntry.sym!;
    if (sym.type === type) return;
    if (sym.type === 'unknown') {
      sym.type = type;
      return;
    }
    this.warnings.push(
      `${this.currentEntry.file}:${this.currentEntry.line}:warning: ignoring type redefinition of '${sym.name ?? '<choice>'}' from '${sym.type}' to '${type}'`,
    );
  }

  private warnAt(p: { file: string; line: number }, msg: string): void {
    this.warnings.push(`${p.file}:${p.line}:warning: ${msg}`);
  }

  // ---- grammar ----------------------------------------------------------

  parseFile(name: string): ParseResult {
    const f = this.io.open(name);
    if (!f) throw new InputError(`can't find file ${name}`);
    this.files.push(name);
    this.lexer.pushFile(name, f.text);
    let t = this.peek();
    if (t.type === 'mainmenu') {
      this.next();
      const text = this.expect('WORD_QUOTE', 'a quoted prompt').text!;
      this.expectEol();
      this.addPrompt('menu', text, null);
    }
    this.stmtList('top');
    t = this.next();
    if (t.type !== 'EOF') this.error(`unexpected '${t.type}' outside any block`, t);
    return { root: this.root, table: this.table, props: this.props, modules: this.modules, files: this.files, warnings: this.warnings };
  }

  /** stmt_list / stmt_list_in_choice; returns at an end token or EOF (not consumed). */
  private stmtList(ctx: 'top' | 'choice'): void {
    for (;;) {
      const t = this.peek();
      switch (t.type) {
        case 'EOF':
        case 'endmenu':
        case 'endchoice':
        case 'endif':
          return;
        case 'config':
          this.configStmt(false);
          break;
        case 'menuconfig':
          if (ctx === 'choice') this.error('invalid statement', t);
          this.configStmt(true);
          break;
        case 'comment':
          this.commentStmt();
          break;
        case 'if':
          this.ifStmt(ctx);
          break;
        case 'choice':
          if (ctx === 'choice') this.error('invalid statement', t);
          this.choiceStmt();
          break;
        case 'menu':
          if (ctx === 'choice') this.error('invalid statement', t);
          this.menuStmt();
          break;
        case 'source':
          if (ctx === 'choice') this.error('invalid statement', t);
          this.sourceStmt();
          break;
        case 'WORD':
          if (ctx === 'choice') this.error('invalid statement', t);
          this.assignmentOrUnknown();
          break;
        default:
          this.next();
          this.error(`invalid statement`, t);
      }
    }
  }

  private assignmentOrUnknown(): void {
    const w = this.next();
    const op = this.next();
    if (op.type !== '=' && op.type !== ':=' && op.type !== '+=') this.error(`unknown statement "${w.text}"`, w);
    let value = '';
    const v = this.next();
    if (v.type === 'ASSIGN_VAL') {
      value = v.text!;
      this.expectEol();
    } else if (v.type !== 'EOL' && v.type !== 'EOF') this.error('syntax error in assignment', v);
    this.pp.addVariable(w.text!, value, op.type === '=' ? 'recursive' : op.type === ':=' ? 'simple' : 'append');
  }

  private nonconstSymbol(): KSymbol {
    const t = this.next();
    if (t.type !== 'WORD') this.error(`syntax error: expected a symbol name, got ${describe(t)}`, t);
    return this.table.lookup(t.text!);
  }

  private symbol(): KSymbol {
    const t = this.next();
    if (t.type === 'WORD') return this.table.lookup(t.text!);
    if (t.type === 'WORD_QUOTE') return this.table.lookupConst(t.text!);
    this.error(`syntax error: expected a symbol, got ${describe(t)}`, t);
  }

  private ifExpr(): Expr | null {
    if (this.peek().type === 'if') {
      this.next();
      return this.expr();
    }
    return null;
  }

  private expr(): Expr {
    let e = this.andExpr();
    while (this.peek().type === '||') {
      this.next();
      e = { k: 'or', l: e, r: this.andExpr(), id: -1 };
    }
    return e;
  }

  private andExpr(): Expr {
    let e = this.unary();
    while (this.peek().type === '&&') {
      this.next();
      e = { k: 'and', l: e, r: this.unary(), id: -1 };
    }
    return e;
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.type === '!') {
      this.next();
      return { k: 'not', e: this.unary(), id: -1 };
    }
    if (t.type === '(') {
      this.next();
      const e = this.expr();
      this.expect(')', "')'");
      return e;
    }
    const l = this.symbol();
    const op = this.peek().type;
    if (op === '=' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=') {
      this.next();
      const r = this.symbol();
      return { k: 'cmp', op: op as CompareOp, l, r, id: -1 };
    }
    return exprSym(l);
  }

  private help(): void {
    this.next(); // help
    this.expectEol();
    const t = this.lexer.readHelp();
    const entry = this.currentEntry;
    if (entry.help !== undefined) {
      this.warnings.push(
        `${t.file}:${t.line}: warning: '${entry.sym?.name ?? '<choice>'}' defined with more than one help text -- only the last one will be used`,
      );
    }
    entry.help = t.text!;
  }

  private depends(): void {
    this.next();
    this.expect('on', "'on'");
    const e = this.expr();
    this.expectEol();
    this.currentEntry.dep = exprAnd(this.currentEntry.dep, e);
  }

  private configStmt(menuconfig: boolean): void {
    this.next();
    const sym = this.nonconstSymbol();
    this.expectEol();
    sym.optional = true;
    const entry = this.addEntry(menuconfig ? 'menuconfig' : 'config', sym);
    for (;;) {
      const t = this.peek();
      switch (t.type) {
        case 'bool':
        case 'tristate':
        case 'int':
        case 'hex':
        case 'string': {
          this.next();
          const type: SymbolType = t.type === 'bool' ? 'bool' : t.type;
          if (this.peek().type === 'WORD_QUOTE') {
            const text = this.next().text!;
            this.addPrompt('prompt', text, this.ifExpr());
          }
          this.expectEol();
          this.setType(type);
          continue;
        }
        case 'prompt': {
          this.next();
          const text = this.expect('WORD_QUOTE', 'a quoted prompt').text!;
          this.addPrompt('prompt', text, this.ifExpr());
          this.expectEol();
          continue;
        }
        case 'default':
        case 'def_bool':
        case 'def_tristate': {
          this.next();
          const e = this.expr();
          const cond = this.ifExpr();
          this.expectEol();
          this.addProp('default', e, cond);
          if (t.type !== 'default') this.setType(t.type === 'def_bool' ? 'bool' : 'tristate');
          continue;
        }
        case 'select':
        case 'imply': {
          this.next();
          const target = this.nonconstSymbol();
          const cond = this.ifExpr();
          this.expectEol();
          this.addProp(t.type, exprSym(target), cond);
          continue;
        }
        case 'range': {
          this.next();
          const a = this.symbol();
          const b = this.symbol();
          const cond = this.ifExpr();
          this.expectEol();
          this.addProp('range', { k: 'range', l: a, r: b, id: -1 }, cond);
          continue;
        }
        case 'modules': {
          this.next();
          this.expectEol();
          if (this.modules) {
            this.error(`symbol '${sym.name}' redefines option 'modules' already defined by symbol '${this.modules.name}'`, t);
          }
          this.modules = sym;
          continue;
        }
        case 'transitional':
          // 6.18+: read from an old .config, never written back.
          this.next();
          this.expectEol();
          sym.noWrite = true;
          continue;
        case 'WORD':
          // `option modules` / `option env=...` of kernels before 5.13.
          if (t.text === 'option') {
            this.next();
            const what = this.next();
            if (what.type === 'modules' || (what.type === 'WORD' && what.text === 'modules')) {
              if (this.modules) {
                this.error(`symbol '${sym.name}' redefines option 'modules' already defined by symbol '${this.modules.name}'`, what);
              }
              this.modules = sym;
            }
            while (this.peek().type !== 'EOL' && this.peek().type !== 'EOF') this.next();
            this.expectEol();
            continue;
          }
          break;
        case 'depends':
          this.depends();
          continue;
        case 'help':
          this.help();
          continue;
        default:
          break;
      }
      break;
    }
    if (!menuconfig && this.currentChoice && this.opts.dialect === 'v6.11' && sym.choice === null) {
      sym.choice = this.currentChoice.sym;
      this.currentChoice.sym!.choiceMembers.push(sym);
    }
    if (menuconfig) {
      if (entry.prompt) entry.prompt.kind = 'menu';
      else this.warnings.push(`${entry.file}:${entry.line}: warning: menuconfig statement without prompt`);
    }
  }

  private choiceStmt(): void {
    const start = this.next();
    let name: string | null = null;
    if (this.peek().type === 'WORD') name = this.next().text!;
    this.expectEol();
    const sym = this.table.lookupChoice(name);
    sym.noWrite = true;
    const entry = this.addEntry('choice', sym);
    if (this.opts.dialect === 'v6.11') this.setType('bool');
    else this.addProp('choice', null, null);
    for (;;) {
      const t = this.peek();
      if (t.type === 'prompt') {
        this.next();
        const text = this.expect('WORD_QUOTE', 'a quoted prompt').text!;
        this.addPrompt('prompt', text, this.ifExpr());
        this.expectEol();
      } else if (t.type === 'bool' || t.type === 'tristate') {
        this.next();
        if (this.peek().type === 'WORD_QUOTE') {
          const text = this.next().text!;
          this.addPrompt('prompt', text, this.ifExpr());
        }
        this.expectEol();
        this.setType(t.type);
      } else if (t.type === 'optional') {
        this.next();
        this.expectEol();
        sym.optional = true;
      } else if (t.type === 'default') {
        this.next();
        const d = this.nonconstSymbol();
        const cond = this.ifExpr();
        this.expectEol();
        this.addProp('default', exprSym(d), cond);
      } else if (t.type === 'depends') this.depends();
      else if (t.type === 'help') this.help();
      else break;
    }
    this.addMenu();
    this.currentChoice = entry;
    this.stmtList('choice');
    this.currentChoice = null;
    this.endBlock('endchoice', entry, start);
  }

  private endBlock(expected: 'endchoice' | 'endif' | 'endmenu', block: MenuNode, start: Token): void {
    const t = this.next();
    const word = (x: TokenType) => (x === 'endchoice' ? 'choice' : x === 'endif' ? 'if' : 'menu');
    if (t.type === 'EOF') {
      throw new InputError(`missing end statement for this entry`, block.file, block.line);
    }
    this.expectEol();
    if (t.type !== expected) this.error(`unexpected '${word(t.type)}' within ${word(expected)} block`, t);
    if (block.file !== t.file) {
      this.error(`'${word(t.type)}' in different file than '${word(expected)}' (opened at ${start.file}:${start.line})`, t);
    }
    this.endMenu();
  }

  private ifStmt(ctx: 'top' | 'choice'): void {
    const start = this.next();
    const e = this.expr();
    this.expectEol();
    const entry = this.addEntry('if', null);
    entry.dep = exprAnd(entry.dep, e);
    this.addMenu();
    this.stmtList(ctx);
    this.endBlock('endif', entry, start);
  }

  private menuStmt(): void {
    const start = this.next();
    const text = this.expect('WORD_QUOTE', 'a quoted menu title').text!;
    this.expectEol();
    const entry = this.addEntry('menu', null);
    this.addPrompt('menu', text, null);
    for (;;) {
      const t = this.peek();
      if (t.type === 'visible') {
        this.next();
        const cond = this.ifExpr();
        this.expectEol();
        entry.visibility = exprAnd(entry.visibility, cond);
      } else if (t.type === 'depends') this.depends();
      else break;
    }
    this.addMenu();
    this.stmtList('top');
    this.endBlock('endmenu', entry, start);
  }

  private commentStmt(): void {
    this.next();
    const text = this.expect('WORD_QUOTE', 'a quoted comment').text!;
    this.expectEol();
    this.addEntry('comment', null);
    this.addPrompt('comment', text, null);
    while (this.peek().type === 'depends') this.depends();
  }

  private sourceStmt(): void {
    const t = this.next();
    const name = this.expect('WORD_QUOTE', 'a quoted file name').text!;
    // Do not read the next token before switching files: the C lexer
    // switches buffers in the action, right after the EOL.
    const eol = this.next();
    if (eol.type !== 'EOL' && eol.type !== 'EOF') this.error(`syntax error: unexpected ${describe(eol)} (expected end of line)`, eol);
    // zconf_nextfile opens the file first, then looks for it among the files being read.
    const f = this.io.open(name);
    if (!f) throw new InputError(`can't open file "${name}"`, t.file, t.line);
    // A `source` on the last line without a newline: the lexer has already
    // left the file at EOF, so the including file is the statement's own.
    const open = this.lexer.includePath;
    const path = open.length > 0 ? open : [{ file: t.file, line: t.line }];
    path[path.length - 1].line = t.line;
    if (path.some((p) => p.file === name)) {
      throw new InputError(`Recursive inclusion detected: ${[...path.map((p) => p.file), name].join(' -> ')}`, t.file, t.line, {
        report: inclusionReport(name, path, this.opts.dialect),
      });
    }
    this.files.push(name);
    this.lexer.pushFile(name, f.text, t.line);
  }
}

/**
 * zconf_nextfile's "Inclusion path" block (lexer.l). ≤ 6.10 walks up from
 * the including file to the first file of that name; ≥ 6.11 prints every
 * open `source` up to the top Kconfig.
 */
function inclusionReport(name: string, path: { file: string; line: number }[], dialect: KconfigDialect): string {
  let out = `Recursive inclusion detected.\nInclusion path:\n  current file : ${name}\n`;
  for (let i = path.length - 1; i >= 0; i--) {
    out += `  included from: ${path[i].file}:${path[i].line}\n`;
    if (dialect !== 'v6.11' && path[i].file === name) break;
  }
  return out;
}

function describe(t: Token): string {
  switch (t.type) {
    case 'EOL':
      return 'end of line';
    case 'EOF':
      return 'end of file';
    case 'WORD':
      return `word '${t.text}'`;
    case 'WORD_QUOTE':
      return `string "${t.text}"`;
    case 'ASSIGN_VAL':
      return 'assignment value';
    default:
      return `'${t.type}'`;
  }
}
