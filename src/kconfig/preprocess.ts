/**
 * The Kconfig preprocessor (scripts/kconfig/preprocess.c): `$(...)`
 * references to variables, user functions with `$(1)`..., built-in
 * functions (shell, info, warning-if, error-if, filename, lineno) and the
 * environment. Variables are `=` (recursive), `:=` (simple) and `+=`.
 *
 * I/O stays outside: `$(shell,...)` goes through a ShellRunner, `info` and
 * warnings through callbacks.
 */
import { InputError } from '../errors.js';

export type VariableFlavor = 'recursive' | 'simple' | 'append';

export interface ShellRunner {
  /** Run a command synchronously, return stdout as Kconfig's do_shell() sees it. */
  run(cmd: string): string;
}

export interface PreprocessorHooks {
  /** Environment variables (make's exports). */
  env: Record<string, string | undefined>;
  shell: ShellRunner;
  /** Current file and line, for $(filename), $(lineno) and messages. */
  where(): { file: string; line: number };
  /** `$(info,...)` output (C: stdout). */
  info?(text: string): void;
  /** `$(warning-if,...)` output (C: stderr, `file:line: msg`). */
  warn?(text: string): void;
}

interface Variable {
  name: string;
  value: string;
  flavor: 'recursive' | 'simple';
  expCount: number;
}

/** do_shell's post-processing: at most 4095 bytes, trailing newlines off, newlines → spaces. */
export function shellOutputToValue(stdout: string): string {
  let buf = Buffer.from(stdout, 'utf8');
  if (buf.length >= 4096) buf = buf.subarray(0, 4095);
  let n = buf.length;
  while (n > 0 && buf[n - 1] === 0x0a) n--;
  return buf.subarray(0, n).toString('utf8').replace(/\n/g, ' ');
}

const isTokenChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_-]/.test(c);

export class Preprocessor {
  private readonly vars = new Map<string, Variable>();
  /** Environment variables actually referenced (env_list). */
  readonly usedEnv = new Map<string, string>();

  constructor(private readonly hooks: PreprocessorHooks) {}

  private error(msg: string): never {
    const w = this.hooks.where();
    // One line: an unterminated $( quotes the rest of the file otherwise.
    const line = msg.replace(/\r?\n[^]*?(?=': missing '\)'$|$)/, '…');
    throw new InputError(line.length > 300 ? `${line.slice(0, 299)}…` : line, w.file, w.line);
  }

  /** variable_add */
  addVariable(name: string, value: string, flavor: VariableFlavor): void {
    let v = this.vars.get(name);
    let append = false;
    let fl: 'recursive' | 'simple';
    if (v) {
      if (flavor === 'append') {
        fl = v.flavor;
        append = true;
      } else fl = flavor;
    } else {
      fl = flavor === 'append' ? 'recursive' : flavor;
      v = { name, value: '', flavor: fl, expCount: 0 };
      this.vars.set(name, v);
    }
    v.flavor = fl;
    const newValue = fl === 'simple' ? this.expandString(value) : value;
    v.value = append ? v.value + ' ' + newValue : newValue;
  }

  private variableExpand(name: string, args: string[]): string | null {
    const v = this.vars.get(name);
    if (!v) return null;
    if (args.length === 0 && v.expCount) this.error(`Recursive variable '${name}' references itself (eventually)`);
    if (v.expCount > 1000) this.error('Too deep recursive expansion');
    v.expCount++;
    try {
      return v.flavor === 'recursive' ? this.expandStringWithArgs(v.value, args) : v.value;
    } finally {
      v.expCount--;
    }
  }

  private functionExpand(name: string, args: string[]): string | null {
    const table: Record<string, [number, number, (a: string[]) => string]> = {
      'error-if': [
        2,
        2,
        (a) => {
          if (a[0] === 'y') this.error(a[1]);
          return '';
        },
      ],
      filename: [0, 0, () => this.hooks.where().file],
      info: [
        1,
        1,
        (a) => {
          this.hooks.info?.(a[0]);
          return '';
        },
      ],
      lineno: [0, 0, () => String(this.hooks.where().line)],
      shell: [1, 1, (a) => this.hooks.shell.run(a[0])],
      'warning-if': [
        2,
        2,
        (a) => {
          if (a[0] === 'y') {
            const w = this.hooks.where();
            this.hooks.warn?.(`${w.file}:${w.line}: ${a[1]}`);
          }
          return '';
        },
      ],
    };
    const f = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
    if (!f) return null;
    if (args.length < f[0]) this.error(`too few function arguments passed to '${name}'`);
    if (args.length > f[1]) this.error(`too many function arguments passed to '${name}'`);
    return f[2](args);
  }

  private envExpand(name: string): string | null {
    if (!name) return null;
    const used = this.usedEnv.get(name);
    if (used !== undefined) return used;
    const value = this.hooks.env[name];
    if (value === undefined) return null;
    this.usedEnv.set(name, value);
    return value;
  }

  private evalClause(str: string, args: string[]): string {
    // $(1), $(2): arguments of a user-function call.
    if (/^\d+$/.test(str)) {
      const n = parseInt(str, 10);
      if (n > 0 && n <= args.length) return args[n - 1];
    }
    const parts: string[] = [];
    let nest = 0;
    let prev = 0;
    for (let i = 0; i < str.length; i++) {
      const c = str[i];
      if (nest === 0 && c === ',') {
        parts.push(str.slice(prev, i));
        if (parts.length >= 16) this.error('too many function arguments');
        prev = i + 1;
      } else if (c === '(') nest++;
      else if (c === ')') nest--;
    }
    parts.push(str.slice(prev));
    const name = this.expandStringWithArgs(parts[0], args);
    const newArgs = parts.slice(1).map((p) => this.expandStringWithArgs(p, args));
    let res = this.variableExpand(name, newArgs);
    if (res !== null) return res;
    res = this.functionExpand(name, newArgs);
    if (res !== null) return res;
    if (newArgs.length === 0) {
      res = this.envExpand(name);
      if (res !== null) return res;
    }
    return '';
  }

  /** expand_dollar_with_args: `s[pos]` is the character after `$`. */
  expandDollar(s: string, pos: number, args: string[] = []): { value: string; end: number } {
    if (s[pos] !== '(') return { value: '$', end: pos };
    const start = pos + 1;
    let q = start;
    let nest = 0;
    for (; q < s.length; q++) {
      if (s[q] === '(') nest++;
      else if (s[q] === ')') {
        if (nest-- === 0) break;
      }
    }
    if (q >= s.length) this.error(`unterminated reference to '${s.slice(start)}': missing ')'`);
    return { value: this.evalClause(s.slice(start, q), args), end: q + 1 };
  }

  private expandUntil(s: string, pos: number, isEnd: (c: string | undefined) => boolean, args: string[]): { value: string; end: number } {
    let out = '';
    let p = pos;
    let inStart = pos;
    for (;;) {
      if (s[p] === '$') {
        out += s.slice(inStart, p);
        const r = this.expandDollar(s, p + 1, args);
        out += r.value;
        p = r.end;
        inStart = p;
        continue;
      }
      if (isEnd(s[p])) break;
      p++;
    }
    out += s.slice(inStart, p);
    return { value: out, end: p };
  }

  expandStringWithArgs(s: string, args: string[]): string {
    return this.expandUntil(s, 0, (c) => c === undefined, args).value;
  }

  expandString(s: string): string {
    return this.expandStringWithArgs(s, []);
  }

  /** expand_one_token: expand from `pos` until a non-token character. */
  expandOneToken(s: string, pos: number): { value: string; end: number } {
    return this.expandUntil(s, pos, (c) => !isTokenChar(c), []);
  }
}
