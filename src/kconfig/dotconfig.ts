/**
 * `.config` files and fragments: read them exactly as the kernel's
 * `conf_read_simple()` (scripts/kconfig/confdata.c) does, and write lines the
 * way `__print_symbol()` does. Pure: no I/O, no Kconfig tree needed.
 *
 * The reader does not know symbol types, so it keeps each value as text:
 * - `# CONFIG_X is not set`      → value 'n'
 * - `CONFIG_X="a \"b\""`         → value `a "b"` (unescaped, quoted: true)
 * - `CONFIG_X=y`, `=0x10`, `=42` → the text after `=` as is
 * The engine interprets the text per symbol type (as conf_set_sym_val does).
 */
import { InputError } from '../errors.js';

export interface DotConfigEntry {
  /** Symbol name without the CONFIG_ prefix. */
  name: string;
  /**
   * The user value: 'y' | 'm' | 'n' for tristates/bools ('n' for
   * `# CONFIG_X is not set`), the unescaped content for a quoted string,
   * otherwise the text after `=` exactly (hex, int, or anything else).
   */
  value: string;
  /** The text after `=` exactly as written (quotes and escapes kept); 'n' for `is not set`. */
  raw: string;
  /** The value was written as a double-quoted string. */
  quoted: boolean;
  /** Written as `# CONFIG_X is not set`. */
  unset: boolean;
  /** 1-based line number in the file. */
  line: number;
}

export interface DotConfigWarning {
  line: number;
  message: string;
}

export interface DotConfig {
  /** File name (for messages), when read from a file. */
  file?: string;
  /** Every assignment in file order, repeated assignments included. */
  entries: DotConfigEntry[];
  /** Last assignment of each symbol (later lines win, as in conf_read_simple). */
  values: Map<string, DotConfigEntry>;
  /** Things the kernel would warn about (reassignments, bad strings). */
  warnings: DotConfigWarning[];
}

export interface ParseOptions {
  /**
   * true (default): a line that is not a config line (and not blank or a
   * `#` comment) throws InputError `file:line: ...`. false: it becomes a
   * warning, as the C tool's "unexpected data" is.
   */
  strict?: boolean;
}

const NAME_RE = /^[A-Za-z0-9_]+$/;

/**
 * Unescape a `.config` string value the way conf_set_sym_val() does: drop the
 * opening quote, `\c` → `c`, stop at the first unescaped `"`. Returns
 * undefined when there is no closing quote (the kernel's "invalid string found").
 */
export function unescapeStringValue(raw: string): string | undefined {
  if (raw[0] !== '"') return raw;
  let out = '';
  for (let i = 1; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"') return out;
    if (c === '\\') {
      i++;
      if (i >= raw.length) return undefined;
      out += raw[i];
      continue;
    }
    out += c;
  }
  return undefined;
}

/** Quote and escape a string value as escape_string_value() does: `"` and `\` get a backslash. */
export function escapeStringValue(value: string): string {
  return '"' + value.replace(/["\\]/g, (c) => '\\' + c) + '"';
}

/**
 * Parse `.config` text. Lines follow conf_read_simple(): `CONFIG_X=...`,
 * `# CONFIG_X is not set`, other `#` lines are comments, blank lines are
 * skipped. `source` names the file in messages.
 */
export function parseDotConfig(text: string, source?: string, opts: ParseOptions = {}): DotConfig {
  const strict = opts.strict ?? true;
  const entries: DotConfigEntry[] = [];
  const values = new Map<string, DotConfigEntry>();
  const warnings: DotConfigWarning[] = [];
  const file = source;
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  const bad = (lineNo: number, line: string, why: string) => {
    const shown = line.length > 80 ? line.slice(0, 77) + '...' : line;
    if (strict) throw new InputError(`${why}: ${JSON.stringify(shown)}`, file ?? '<config>', lineNo);
    // The C tool's words (confdata.c), so warnings read the same as conf's.
    warnings.push({ line: lineNo, message: `unexpected data: ${line}` });
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = lines[i];
    if (line.endsWith('\r')) line = line.slice(0, -1);
    let name: string;
    let raw: string;
    let unset = false;
    if (line.startsWith('#')) {
      // Only "# CONFIG_X is not set" matters; every other # line is a comment.
      if (!line.startsWith('# CONFIG_')) continue;
      const rest = line.slice('# CONFIG_'.length);
      const sp = rest.indexOf(' ');
      if (sp < 0) continue;
      if (!rest.slice(sp + 1).startsWith('is not set')) continue;
      name = rest.slice(0, sp);
      raw = 'n';
      unset = true;
      if (!NAME_RE.test(name)) continue; // the kernel would find no such symbol
    } else if (line.startsWith('CONFIG_')) {
      const eq = line.indexOf('=');
      if (eq < 0) {
        // conf_read_simple skips it silently; strict mode names it.
        if (strict) bad(lineNo, line, 'not a config line (no "=")');
        continue;
      }
      name = line.slice('CONFIG_'.length, eq);
      raw = line.slice(eq + 1);
      // Lenient mode keeps a bad name as conf does: no symbol has it, so it reads as unknown.
      if (!NAME_RE.test(name) && strict) {
        bad(lineNo, line, `not a config line (bad symbol name ${JSON.stringify(name)})`);
        continue;
      }
    } else {
      if (line === '' || (strict && line.trim() === '')) continue;
      bad(lineNo, line, 'not a config line');
      continue;
    }

    let value = raw;
    let quoted = false;
    if (!unset && raw.startsWith('"')) {
      const s = unescapeStringValue(raw);
      if (s === undefined) {
        // conf_read_simple warns about the reassignment first, then conf_set_sym_val
        // rejects the value ("invalid string found") and the previous one stays.
        if (values.has(name)) warnings.push({ line: lineNo, message: `override: reassigning to symbol ${name}` });
        warnings.push({ line: lineNo, message: 'invalid string found' });
        continue;
      }
      value = s;
      quoted = true;
    }
    const prev = values.get(name);
    if (prev) warnings.push({ line: lineNo, message: `override: reassigning to symbol ${name}` });
    const entry: DotConfigEntry = { name, value, raw, quoted, unset, line: lineNo };
    entries.push(entry);
    values.set(name, entry);
  }
  return { file, entries, values, warnings };
}

/** Symbol types as Kconfig knows them, for writing values back. */
export type DotConfigType = 'bool' | 'tristate' | 'string' | 'int' | 'hex';

/**
 * One `.config` line as __print_symbol(OUTPUT_N_AS_UNSET) writes it, without
 * the newline. Without a type, a quoted-looking value is written as is and
 * 'n' as `is not set`.
 */
export function formatConfigLine(name: string, value: string, type?: DotConfigType): string {
  if ((type === 'bool' || type === 'tristate' || type === undefined) && value === 'n') {
    return `# CONFIG_${name} is not set`;
  }
  if (type === 'string') return `CONFIG_${name}=${escapeStringValue(value)}`;
  return `CONFIG_${name}=${value}`;
}

/** An entry's line as it reads back: the raw text keeps its quotes and escapes. */
export function formatEntry(e: Pick<DotConfigEntry, 'name' | 'raw' | 'unset'>): string {
  return e.unset || e.raw === 'n' ? `# CONFIG_${e.name} is not set` : `CONFIG_${e.name}=${e.raw}`;
}

/**
 * Write a fragment: the last value of each symbol, in the order given (first
 * appearance), one line each. Ordering in the kernel's menu order needs the
 * Kconfig tree: that is write.ts's job; fragments keep their own order.
 */
export function writeDotConfig(config: DotConfig | Iterable<Pick<DotConfigEntry, 'name' | 'raw' | 'unset'>>, header?: string): string {
  const list = 'values' in config ? [...config.values.values()].sort((a, b) => a.line - b.line) : [...config];
  let out = header ? header.replace(/\n?$/, '\n') : '';
  for (const e of list) out += formatEntry(e) + '\n';
  return out;
}

/** Build a DotConfig from name → raw text pairs (e.g. computed values). */
export function dotConfigFrom(pairs: Iterable<[string, string]>, file?: string): DotConfig {
  const entries: DotConfigEntry[] = [];
  const values = new Map<string, DotConfigEntry>();
  let line = 0;
  for (const [name, raw] of pairs) {
    line++;
    const unset = raw === 'n';
    const quoted = raw.startsWith('"');
    const value = quoted ? (unescapeStringValue(raw) ?? raw.slice(1)) : raw;
    const e: DotConfigEntry = { name, value, raw, quoted, unset, line };
    entries.push(e);
    values.set(name, e);
  }
  return { file, entries, values, warnings: [] };
}
