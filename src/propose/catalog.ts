/**
 * The catalog (configs/catalog/): known removals for a VM appliance as
 * merge_config.sh fragments, one file per item, plus command-line hints.
 * `parseCatalog*` are pure; `readCatalog` reads a directory.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { parseDotConfig } from '../kconfig/dotconfig.js';

export interface CatalogEntry {
  /** The file's base name without `.config` (e.g. `rtc_drv_cmos`). */
  name: string;
  file: string;
  /** Symbols the fragment sets, with their values ('n' for `is not set`). */
  /** value: unescaped; raw: as the fragment writes it (a string quoted), what the Kconfig engine takes. */
  settings: { name: string; value: string; raw: string; line: number }[];
  /** The fragment's leading comment, `# ` stripped: what it removes and why it costs time. */
  description: string;
}

export interface CmdlineHint {
  param: string;
  saves: string;
  risks: string;
  source?: string;
}

export interface Catalog {
  dir: string;
  entries: CatalogEntry[];
  hints: CmdlineHint[];
}

export const HINTS_FILE = 'cmdline-hints.json';

/** The catalog shipped with ktrim (configs/catalog at the package root). */
export function defaultCatalogDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'configs', 'catalog');
}

/** One fragment: its settings (strict: a typo in a line is an error naming file and line) and its comment. */
export function parseCatalogFragment(text: string, file: string): CatalogEntry {
  const cfg = parseDotConfig(text, file, { strict: true });
  if (cfg.entries.length === 0) throw new InputError('catalog fragment sets no CONFIG_ symbol', file);
  const description: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#') || /^# CONFIG_\w+ is not set/.test(line)) break;
    description.push(line.replace(/^# ?/, ''));
  }
  const base = file.replace(/^.*\//, '').replace(/\.config$/, '');
  return {
    name: base,
    file,
    settings: cfg.entries.map((e) => ({ name: e.name, value: e.unset ? 'n' : e.value, raw: e.unset ? 'n' : e.raw, line: e.line })),
    description: description.join('\n'),
  };
}

/** The hints file: `{ hints: [{ param, saves, risks, source? }] }`. */
export function parseCmdlineHints(text: string, file: string): CmdlineHint[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not JSON: ${(e as Error).message}`, file);
  }
  const hints = (data as { hints?: unknown }).hints;
  if (!Array.isArray(hints)) throw new InputError('no "hints" array', file);
  return hints.map((h: Record<string, unknown>, i) => {
    for (const k of ['param', 'saves', 'risks']) {
      if (typeof h?.[k] !== 'string' || !h[k]) throw new InputError(`hint ${i + 1}: "${k}" missing`, file);
    }
    return {
      param: h.param as string,
      saves: h.saves as string,
      risks: h.risks as string,
      source: typeof h.source === 'string' ? h.source : undefined,
    };
  });
}

/** Read every `*.config` fragment and the hints file (if any) of a catalog directory. */
export function readCatalog(dir: string = defaultCatalogDir()): Catalog {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new InputError('catalog directory not found', dir);
  }
  const entries = names
    .filter((n) => n.endsWith('.config'))
    .sort()
    .map((n) => parseCatalogFragment(readFileSync(join(dir, n), 'utf8'), join(dir, n)));
  const hints = names.includes(HINTS_FILE) ? parseCmdlineHints(readFileSync(join(dir, HINTS_FILE), 'utf8'), join(dir, HINTS_FILE)) : [];
  return { dir, entries, hints };
}

/** Catalog entries that turn off any of `symbols` (names without CONFIG_). */
export function catalogEntriesFor(catalog: Catalog, symbols: Iterable<string>): CatalogEntry[] {
  const want = new Set(symbols);
  return catalog.entries.filter((e) => e.settings.some((s) => s.value === 'n' && want.has(s.name)));
}
