/**
 * The requested configuration: a full .config, or a fragment on a base, read
 * and checked before any make runs. Its normalized form (last value of each
 * symbol, sorted, comments dropped) is what the cache key hashes, so a
 * reordered or re-commented file hits the same build. After olddefconfig,
 * drift() lists the requested symbols that did not keep their value.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { InputError } from '../errors.js';
import { formatEntry, parseDotConfig, type DotConfig } from '../kconfig/dotconfig.js';
import { formatDiffconfig, valueChanges } from '../kconfig/diffconfig.js';
import { requestDrift } from '../kconfig/merge.js';
import { BASE_TARGETS, type BaseTarget } from './types.js';

export interface ConfigRequest {
  /** The file the user named. */
  file: string;
  requested: DotConfig;
  /** A make target (tinyconfig, ...) or a parsed base .config file; undefined: `file` is a full config. */
  base?: { target: BaseTarget } | { file: string; config: DotConfig };
}

/** Read a config file: InputError `file:line:` for anything that is not a config. */
export function readConfigFile(file: string, what = 'config'): DotConfig {
  if (!existsSync(file)) throw new InputError(`${what} file not found`, file);
  if (!statSync(file).isFile()) throw new InputError(`${what} is not a file`, file);
  const buf = readFileSync(file);
  if (buf.includes(0)) throw new InputError(`not a ${what} file (binary data)`, file);
  const config = parseDotConfig(buf.toString('utf8'), file);
  if (config.values.size === 0) throw new InputError(`no CONFIG_ lines: not a ${what} file`, file);
  return config;
}

export function readConfigRequest(file: string, base?: string): ConfigRequest {
  const requested = readConfigFile(file);
  if (base === undefined) return { file, requested };
  if ((BASE_TARGETS as readonly string[]).includes(base)) return { file, requested, base: { target: base as BaseTarget } };
  if (!existsSync(base)) {
    throw new InputError(`--base ${base}: neither a make target (${BASE_TARGETS.join(', ')}) nor a file`);
  }
  return { file, requested, base: { file: base, config: readConfigFile(base, 'base config') } };
}

/** Last value of each symbol, sorted by name, one .config line each. */
export function normalizedText(c: DotConfig): string {
  return [...c.values.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(formatEntry)
    .join('\n');
}

/** Base config with the fragment's values on top: what `merge_config.sh -m base fragment` writes. */
export function mergeOnBase(base: DotConfig, fragment: DotConfig): string {
  const lines: string[] = [];
  for (const e of base.values.values()) if (!fragment.values.has(e.name)) lines.push(formatEntry(e));
  for (const e of fragment.values.values()) lines.push(formatEntry(e));
  return lines.join('\n') + '\n';
}

export interface KeyParts {
  arch: string;
  target: string;
  /** The compiler without ccache/distcc wrappers (they do not change the output). */
  compiler: string;
  makeVars: string[];
}

/** 16 hex digits of a hash of everything that decides the build's output, except the source (keyed separately). */
export function configKey(req: ConfigRequest, parts: KeyParts): string {
  const base =
    req.base === undefined ? 'full' : 'target' in req.base ? `target:${req.base.target}` : `file:${normalizedText(req.base.config)}`;
  const material = JSON.stringify({
    v: 1,
    arch: parts.arch,
    target: parts.target,
    compiler: parts.compiler,
    makeVars: [...parts.makeVars].sort(),
    base,
    requested: normalizedText(req.requested),
  });
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}

/**
 * Requested symbols whose final value differs, as diffconfig entries
 * (requested → final): ` SYM y -> n` changed, `-SYM y` gone from the final
 * .config. The same rule as `kconfig olddefconfig --fragment` (merge.ts
 * requestDrift): a requested `n` that is absent is no drift, absent means n.
 */
export const configDrift = requestDrift;

export { formatDiffconfig };

/** Symbols that differ between two configs (absent counts as n): the distance for nearest-build reuse. */
export function configDistance(a: DotConfig, b: DotConfig): number {
  return valueChanges(a, b).length;
}
