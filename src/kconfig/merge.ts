/**
 * Config fragments merged with the semantics of the kernel's
 * `scripts/kconfig/merge_config.sh`: fragments apply in order, a later value
 * wins, a changed value prints a "redefined" warning (an error with
 * `strict`), `builtin` (-y) keeps y over a fragment's m; after olddefconfig,
 * every requested value that did not make it into the final .config is
 * reported ("Value requested for CONFIG_X not in final .config"), by the one
 * rule requestDrift() that `ktrim build` uses too.
 * Pure: fragments come in as parsed DotConfigs.
 */
import { InputError } from '../errors.js';
import type { DiffEntry } from './diffconfig.js';
import { formatEntry, type DotConfig, type DotConfigEntry } from './dotconfig.js';

export interface MergeOptions {
  /** -y: make builtin have precedence over modules (a fragment's m does not demote y). */
  builtin?: boolean;
  /** -s: fail if a fragment redefines any value. */
  strict?: boolean;
  /** -r: also list redundant entries (same value set again). */
  warnRedundant?: boolean;
}

export type MergeMessageKind = 'redefined' | 'redundant' | 'builtin-kept';

export interface MergeMessage {
  kind: MergeMessageKind;
  /** Symbol name without CONFIG_. */
  name: string;
  /** The fragment that set it again. */
  fragment: string;
  /** Line text before and in the fragment, as merge_config.sh prints them. */
  previous: string;
  next: string;
}

export interface MergeResult {
  /** The merged lines in merge_config.sh's order: surviving base lines, then each fragment's. */
  entries: DotConfigEntry[];
  /** Last value of each symbol. */
  values: Map<string, DotConfigEntry>;
  messages: MergeMessage[];
  /** The merged file as text (what `merge_config.sh -m` writes). */
  text: string;
}

/** Name for messages: the DotConfig's file, or `fragment N`. */
function nameOf(c: DotConfig, i: number): string {
  return c.file ?? `fragment ${i + 1}`;
}

/** Merge a base config and fragments in order. Throws InputError in strict mode on a redefinition. */
export function mergeFragments(base: DotConfig, fragments: DotConfig[], opts: MergeOptions = {}): MergeResult {
  let current: DotConfigEntry[] = [...base.entries];
  const messages: MergeMessage[] = [];
  let violated: MergeMessage | undefined;
  fragments.forEach((frag, i) => {
    const fragName = nameOf(frag, i);
    let fragEntries = [...frag.entries];
    // merge_config.sh walks the fragment's symbols in file order, once per line.
    for (const fe of frag.entries) {
      const prev = current.filter((e) => e.name === fe.name);
      if (prev.length === 0) continue;
      const prevText = prev.map(formatEntry).join(' ');
      const newText = frag.entries
        .filter((e) => e.name === fe.name)
        .map(formatEntry)
        .join(' ');
      const prevLast = prev[prev.length - 1];
      let keepPrevious = false;
      if (opts.builtin && fe.raw === 'm' && !fe.unset && prevLast.raw === 'y' && !prevLast.unset) {
        messages.push({ kind: 'builtin-kept', name: fe.name, fragment: fragName, previous: prevText, next: newText });
        keepPrevious = true;
      } else if (prevText !== newText) {
        const m: MergeMessage = { kind: 'redefined', name: fe.name, fragment: fragName, previous: prevText, next: newText };
        messages.push(m);
        violated ??= opts.strict ? m : undefined;
      } else if (opts.warnRedundant) {
        messages.push({ kind: 'redundant', name: fe.name, fragment: fragName, previous: prevText, next: newText });
      }
      if (keepPrevious) fragEntries = fragEntries.filter((e) => e.name !== fe.name);
      else current = current.filter((e) => e.name !== fe.name);
    }
    current = current.concat(fragEntries);
  });
  if (violated) {
    throw new InputError(
      `CONFIG_${violated.name} is redefined (${violated.previous} -> ${violated.next}) and strict mode was asked for`,
      violated.fragment,
    );
  }
  const values = new Map<string, DotConfigEntry>();
  for (const e of current) values.set(e.name, e);
  const text = current.map((e) => formatEntry(e) + '\n').join('');
  return { entries: current, values, messages, text };
}

/** A merge message as merge_config.sh prints it (several lines, ending with a blank line where it does). */
export function formatMergeMessage(m: MergeMessage): string {
  // The script echoes unquoted: the shell collapses runs of blanks.
  const words = (s: string) => s.split(/\s+/).filter(Boolean).join(' ');
  switch (m.kind) {
    case 'redefined':
      return `Value of CONFIG_${m.name} is redefined by fragment ${m.fragment}:\nPrevious value: ${words(m.previous)}\nNew value: ${words(m.next)}\n\n`;
    case 'redundant':
      return `Value of CONFIG_${m.name} is redundant by fragment ${m.fragment}:\n`;
    case 'builtin-kept':
      return `Previous value: ${words(m.previous)}\nNew value: ${words(m.next)}\n-y passed, will not demote y to m\n\n`;
  }
}

export interface MissingRequest {
  name: string;
  /** The requested line, e.g. `CONFIG_X=y`. */
  requested: string;
  /** The line in the final .config, or '' when the symbol is not written at all. */
  actual: string;
}

const rawValue = (e: DotConfigEntry | undefined): string | undefined => (e === undefined ? undefined : e.unset ? 'n' : e.raw);

/**
 * The one rule for "did a requested value stick" (build drift, `--fragment`
 * warnings): the final value must equal the requested one, where a symbol
 * the final .config does not write at all counts as n (that is how conf
 * reads it back). So a requested `n` whose symbol vanished (its dependencies
 * now hide it) is kept; merge_config.sh compares lines as text and would
 * report it too. Entries in diffconfig form (requested → final), vanished
 * symbols first, each group by name.
 */
export function requestDrift(requested: Pick<DotConfig, 'values'>, final: Pick<DotConfig, 'values'>): DiffEntry[] {
  const removed: DiffEntry[] = [];
  const changed: DiffEntry[] = [];
  const names = [...requested.values.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const want = rawValue(requested.values.get(name))!;
    const got = rawValue(final.values.get(name));
    if (got === undefined) {
      if (want !== 'n') removed.push({ op: '-', name, before: want });
    } else if (got !== want) {
      changed.push({ op: '->', name, before: want, after: got });
    }
  }
  return [...removed, ...changed];
}

/**
 * The final check of merge_config.sh, judged by requestDrift: each requested
 * symbol that did not keep its value, with its requested and final lines as
 * the script prints them, in the order the fragments gave them.
 */
export function checkRequested(requested: Pick<MergeResult, 'values'> | DotConfig, final: DotConfig): MissingRequest[] {
  const drifted = new Set(requestDrift(requested, final).map((d) => d.name));
  const out: MissingRequest[] = [];
  for (const [name, e] of requested.values) {
    if (!drifted.has(name)) continue;
    const got = final.values.get(name);
    out.push({ name, requested: formatEntry(e), actual: got ? formatEntry(got) : '' });
  }
  return out;
}

export function formatMissingRequest(m: MissingRequest): string {
  return `Value requested for CONFIG_${m.name} not in final .config\nRequested value:  ${m.requested}\nActual value:     ${m.actual}\n\n`;
}
