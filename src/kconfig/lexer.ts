/**
 * The Kconfig lexer (scripts/kconfig/lexer.l), hand-written: the same
 * tokens, the same `$(...)` expansion points (words containing `$`, strings,
 * assignment values are kept raw), help text by indentation, `\`-newline
 * continuation, and the second stage that drops empty lines and switches to
 * ASSIGN_VAL after `WORD =`. Files are a stack: `source` pushes one.
 */
import { InputError } from '../errors.js';
import type { Preprocessor } from './preprocess.js';

export type TokenType =
  | 'EOL'
  | 'EOF'
  | 'WORD'
  | 'WORD_QUOTE'
  | 'ASSIGN_VAL'
  | 'HELPTEXT'
  | 'bool'
  | 'choice'
  | 'comment'
  | 'config'
  | 'def_bool'
  | 'def_tristate'
  | 'default'
  | 'depends'
  | 'endchoice'
  | 'endif'
  | 'endmenu'
  | 'help'
  | 'hex'
  | 'if'
  | 'imply'
  | 'int'
  | 'mainmenu'
  | 'menu'
  | 'menuconfig'
  | 'modules'
  | 'on'
  | 'optional'
  | 'prompt'
  | 'range'
  | 'select'
  | 'source'
  | 'string'
  | 'tristate'
  | 'visible'
  | 'transitional'
  | '||'
  | '&&'
  | '='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | '!'
  | '('
  | ')'
  | ':='
  | '+=';

export interface Token {
  type: TokenType;
  /** Text of WORD / WORD_QUOTE / ASSIGN_VAL / HELPTEXT. */
  text?: string;
  file: string;
  line: number;
}

const KEYWORDS = new Set<string>([
  'bool',
  'choice',
  'comment',
  'config',
  'def_bool',
  'def_tristate',
  'default',
  'depends',
  'endchoice',
  'endif',
  'endmenu',
  'help',
  'hex',
  'if',
  'imply',
  'int',
  'mainmenu',
  'menu',
  'menuconfig',
  'modules',
  'on',
  'optional',
  'prompt',
  'range',
  'select',
  'source',
  'string',
  'tristate',
  'visible',
]);

const isN = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '-');

interface FileState {
  name: string;
  text: string;
  pos: number;
  line: number;
  /** Line of the `source` statement that opened the file above this one (0 while none). */
  sourceLine: number;
}

export interface LexerOptions {
  /** Extra keywords of newer kernels (e.g. 'transitional'). */
  keywords?: string[];
  warn?(msg: string): void;
}

export class Lexer {
  private stack: FileState[] = [];
  private prevToken: TokenType = 'EOL';
  private prevPrevToken: TokenType = 'EOL';
  private assignVal = false;
  private readonly keywords: Set<string>;
  /** Where the current statement started (current_pos). */
  stmtFile = '<none>';
  stmtLine = 0;

  constructor(
    private readonly pp: Preprocessor,
    private readonly opts: LexerOptions = {},
  ) {
    this.keywords = new Set([...KEYWORDS, ...(opts.keywords ?? [])]);
  }

  /** Current file and physical line (yylineno). */
  get file(): string {
    return this.stack.length ? this.stack[this.stack.length - 1].name : '<none>';
  }
  get line(): number {
    return this.stack.length ? this.stack[this.stack.length - 1].line : 0;
  }
  get fileNames(): string[] {
    return this.stack.map((f) => f.name);
  }
  /** The open files, outermost first, each with the line of its `source` statement being followed. */
  get includePath(): { file: string; line: number }[] {
    return this.stack.map((f) => ({ file: f.name, line: f.sourceLine }));
  }

  /** Start reading `name`; `sourceLine` is the line of the `source` statement in the current file. */
  pushFile(name: string, text: string, sourceLine = 0): void {
    const top = this.stack[this.stack.length - 1];
    if (top) top.sourceLine = sourceLine;
    this.stack.push({ name, text, pos: 0, line: 1, sourceLine: 0 });
  }

  private warn(msg: string): void {
    this.opts.warn?.(`${this.file}:${this.line}:warning: ${msg}`);
  }

  /** The second-stage lexer (yylex). */
  next(): Token {
    for (;;) {
      const tok = this.lex1();
      if ((this.prevToken === 'EOL' || this.prevToken === 'HELPTEXT') && tok.type === 'EOL') continue;
      if (this.prevToken === 'EOL' || this.prevToken === 'HELPTEXT') {
        this.stmtFile = tok.file;
        this.stmtLine = tok.line;
      }
      if (this.prevPrevToken === 'EOL' && this.prevToken === 'WORD' && (tok.type === '=' || tok.type === ':=' || tok.type === '+=')) {
        this.assignVal = true;
      }
      this.prevPrevToken = this.prevToken;
      this.prevToken = tok.type;
      return tok;
    }
  }

  private tok(type: TokenType, text?: string, line?: number): Token {
    return { type, text, file: this.file, line: line ?? this.line };
  }

  private lex1(): Token {
    for (;;) {
      const f = this.stack[this.stack.length - 1];
      if (!f) return { type: 'EOF', file: '<none>', line: 0 };
      const s = f.text;
      if (f.pos >= s.length) {
        // <<EOF>>: end of this file; the parent resumes after its `source` line.
        if (this.prevToken !== 'EOL' && this.prevToken !== 'HELPTEXT') this.warn('no new line at end of file');
        this.assignVal = false;
        this.stack.pop();
        if (this.stack.length === 0) return { type: 'EOF', file: f.name, line: f.line };
        return { type: 'EOL', file: f.name, line: f.line };
      }
      if (this.assignVal) {
        const c = s[f.pos];
        if (c === '\n') {
          this.assignVal = false;
          const t = this.tok('EOL');
          f.pos++;
          f.line++;
          return t;
        }
        if (c === ' ' || c === '\t') {
          f.pos++;
          continue;
        }
        let e = s.indexOf('\n', f.pos);
        if (e < 0) e = s.length;
        const t = this.tok('ASSIGN_VAL', s.slice(f.pos, e));
        f.pos = e;
        return t;
      }
      const c = s[f.pos];
      if (c === '#') {
        let e = s.indexOf('\n', f.pos);
        if (e < 0) e = s.length;
        f.pos = e;
        continue;
      }
      if (c === ' ' || c === '\t') {
        f.pos++;
        continue;
      }
      if (c === '\\' && s[f.pos + 1] === '\n') {
        f.pos += 2;
        f.line++;
        continue;
      }
      if (c === '\n') {
        const t = this.tok('EOL');
        f.pos++;
        f.line++;
        return t;
      }
      if (c === '"' || c === "'") return this.lexString(f, c);
      if (isN(c) || c === '$') {
        let e1 = f.pos;
        while (isN(s[e1])) e1++;
        let e2 = f.pos;
        while (isN(s[e2]) || s[e2] === '$') e2++;
        if (e2 > e1) {
          // ({n}|$)+ with at least one '$': expand one token.
          const line = f.line;
          const r = this.pp.expandOneToken(s, f.pos);
          // Expansion may not cross a newline of the input (the C reads to end of line).
          f.pos = r.end;
          if (r.value.length) return this.tok('WORD', r.value, line);
          continue;
        }
        const w = s.slice(f.pos, e1);
        f.pos = e1;
        if (this.keywords.has(w)) return this.tok(w as TokenType);
        return this.tok('WORD', w);
      }
      const two = s.slice(f.pos, f.pos + 2);
      if (two === '||' || two === '&&' || two === '!=' || two === '<=' || two === '>=' || two === ':=' || two === '+=') {
        f.pos += 2;
        return this.tok(two);
      }
      if (c === '=' || c === '<' || c === '>' || c === '!' || c === '(' || c === ')') {
        f.pos++;
        return this.tok(c);
      }
      this.warn(`ignoring unsupported character '${c}'`);
      f.pos++;
    }
  }

  private lexString(f: FileState, quote: string): Token {
    const s = f.text;
    const line = f.line;
    let out = '';
    f.pos++;
    for (;;) {
      const c = s[f.pos];
      if (c === undefined) return this.tok('WORD_QUOTE', out, line);
      if (c === '$') {
        const r = this.pp.expandDollar(s, f.pos + 1);
        out += r.value;
        f.pos = r.end;
        continue;
      }
      if (c === '\\') {
        const d = s[f.pos + 1];
        if (d !== undefined && d !== '\n') {
          out += d;
          f.pos += 2;
        } else f.pos++;
        continue;
      }
      if (c === '"' || c === "'") {
        f.pos++;
        if (c === quote) return this.tok('WORD_QUOTE', out, line);
        out += c;
        continue;
      }
      if (c === '\n') {
        this.warn('multi-line strings not supported');
        return this.tok('WORD_QUOTE', out, line);
      }
      let e = f.pos;
      while (e < s.length && s[e] !== '$' && s[e] !== '"' && s[e] !== "'" && s[e] !== '\\' && s[e] !== '\n') e++;
      out += s.slice(f.pos, e);
      f.pos = e;
    }
  }

  /**
   * Help text (the HELP start condition), called right after `help` EOL.
   * Indentation of the first non-blank line sets the block; a line indented
   * less, or a non-blank line at column 0, ends it.
   */
  readHelp(): Token {
    const f = this.stack[this.stack.length - 1];
    const s = f.text;
    const line = f.line;
    let text = '';
    let firstTs = 0;
    let lastTs = 0;
    const done = (): Token => {
      this.prevPrevToken = this.prevToken;
      this.prevToken = 'HELPTEXT';
      return { type: 'HELPTEXT', text, file: f.name, line };
    };
    for (;;) {
      if (f.pos >= s.length) return done();
      // Measure [ \t]* at the current position.
      let e = f.pos;
      while (s[e] === ' ' || s[e] === '\t') e++;
      if (s[e] === '\n') {
        // [ \t]*\n, possibly with trailing context /[^ \t\n]
        const after = s[e + 1];
        f.pos = e + 1;
        f.line++;
        if (after !== undefined && after !== ' ' && after !== '\t' && after !== '\n') return done();
        text += '\n';
        continue;
      }
      if (e > f.pos) {
        let ts = 0;
        for (let i = f.pos; i < e; i++) ts = s[i] === '\t' ? (ts & ~7) + 8 : ts + 1;
        lastTs = ts;
        f.pos = e;
        if (firstTs) {
          if (ts < firstTs) return done();
          ts -= firstTs;
          while (ts > 8) {
            text += '        ';
            ts -= 8;
          }
          text += ' '.repeat(ts);
        }
        if (e >= s.length) continue;
      }
      // [^ \t\n].*
      let end = s.indexOf('\n', f.pos);
      if (end < 0) end = s.length;
      let te = end;
      while (te > f.pos && (s[te - 1] === ' ' || s[te - 1] === '\t')) te--;
      text += s.slice(f.pos, te);
      if (!firstTs) firstTs = lastTs;
      f.pos = end;
    }
  }

  syntaxError(msg: string, tok?: Token): never {
    throw new InputError(msg, tok?.file ?? this.file, tok?.line ?? this.line);
  }
}
