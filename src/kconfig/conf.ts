/**
 * The non-interactive modes of scripts/kconfig/conf.c, for both dialects
 * (≤ 6.10: conf_set_all_new_symbols over the symbol hash with
 * set_all_choice_values; 6.11+: over the menu tree, random choices by
 * priority list): allnoconfig, allyesconfig, allmodconfig, alldefconfig,
 * randconfig (KCONFIG_SEED, KCONFIG_PROBABILITY, glibc rand()),
 * `defconfig FILE`, olddefconfig, savedefconfig, listnewconfig,
 * KCONFIG_ALLCONFIG, and the `tinyconfig` make target (scripts/kconfig/
 * Makefile: allnoconfig with KCONFIG_ALLCONFIG=kernel/configs/tiny-base.config,
 * then merge_config.sh -m with the tiny.config fragments, then olddefconfig).
 *
 * Pure: files are read by the caller (the command resolves names the way
 * zconf_fopen does); errors carry the text the C tool prints.
 */
import { confRead, confReadSimple, olddefconfig, type ReadInfo } from './confdata.js';
import { parseDotConfig, type DotConfig } from './dotconfig.js';
import type { Tristate } from './expr.js';
import { strtoX } from './libc.js';
import { mergeFragments, type MergeMessage } from './merge.js';
import { GlibcRandom } from './random.js';
import { menuNext, type KconfigTree, type KSymbol, type MenuNode } from './symbol.js';
import { KconfigState, SYMBOL_DEF_USER as DEF_USER, SYMBOL_VALID as VALID } from './value.js';
import { listNewConfig, savedefconfig, writeConfig } from './write.js';
import { KtrimError } from '../errors.js';

export const CONF_MODES = [
  'allnoconfig',
  'allyesconfig',
  'allmodconfig',
  'alldefconfig',
  'randconfig',
  'defconfig',
  'olddefconfig',
  'savedefconfig',
  'listnewconfig',
] as const;
export type ConfMode = (typeof CONF_MODES)[number];

/** Modes that start from nothing (KCONFIG_ALLCONFIG may seed them). */
export const ALL_MODES: readonly ConfMode[] = ['allnoconfig', 'allyesconfig', 'allmodconfig', 'alldefconfig', 'randconfig'];

export interface ConfOptions {
  /** The .config (olddefconfig, savedefconfig, listnewconfig) or the defconfig FILE (defconfig); null: none. */
  input?: DotConfig | null;
  /** KCONFIG_ALLCONFIG's file, already read (all* and randconfig only). */
  allconfig?: DotConfig | null;
  /** randconfig: KCONFIG_SEED as given (parsed like strtol(.., 0)); absent or bad: from the clock, as conf does. */
  seed?: string;
  /** randconfig: KCONFIG_PROBABILITY as given. */
  probability?: string;
  /** For the clock-derived seed (tests pass a fixed one). */
  now?: () => { sec: number; usec: number };
}

export interface ConfResult {
  mode: ConfMode | 'tinyconfig';
  /** The state after the mode ran (written, as conf leaves it). */
  state: KconfigState;
  /** What conf writes: the new .config, the defconfig file (savedefconfig), or what it prints (listnewconfig). */
  text: string;
  /** What conf prints on stdout besides (randconfig: `KCONFIG_SEED=0x…`). */
  stdout: string;
  /** conf_warning()s while reading the input or KCONFIG_ALLCONFIG (`file:line:warning: …`). */
  warnings: string[];
  /** randconfig: the seed used. */
  seed?: number;
  /** tinyconfig: merge_config.sh's messages. */
  merge?: MergeMessage[];
}

/** A failure the C tool reports and exits 1 on; the message is what it prints. */
export class ConfError extends KtrimError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** conf.c's messages, word for word. */
export const confMessages = {
  /** Between two `***` lines in C's output. */
  noDefconfig: (file: string) => `*** Can't find default configuration "${file}"!`,
  noSeedConfig: (file: string) => `*** Can't read seed configuration "${file}"!`,
  noAllconfig: (name: string) => `*** KCONFIG_ALLCONFIG set, but no "${name}" or "all.config" file found`,
  probability: 'KCONFIG_PROBABILITY: Numerical result out of range',
};

/** The file conf looks for when KCONFIG_ALLCONFIG is "" or "1". */
export function allconfigDefaultName(mode: ConfMode): string {
  switch (mode) {
    case 'allnoconfig':
      return 'allno.config';
    case 'allyesconfig':
      return 'allyes.config';
    case 'allmodconfig':
      return 'allmod.config';
    case 'alldefconfig':
      return 'alldef.config';
    default:
      return 'allrandom.config';
  }
}

/** set_randconfig_seed: KCONFIG_SEED parsed like strtol(env, &end, 0) into an unsigned int; otherwise the clock. */
export function randconfigSeed(env: string | undefined, now?: () => { sec: number; usec: number }): number {
  if (env) {
    const r = strtoX(env, 0, false);
    if (r.end === env.length) return Number(BigInt.asUintN(32, r.value));
  }
  const t = now
    ? now()
    : { sec: Math.floor(Date.now() / 1000), usec: Math.floor(((performance.timeOrigin + performance.now()) % 1000) * 1000) };
  return Number(BigInt.asUintN(32, BigInt(t.sec + 1) * BigInt(t.usec + 1)));
}

interface Probabilities {
  pby: number;
  pty: number;
  ptm: number;
}

/** KCONFIG_PROBABILITY as conf_set_all_new_symbols reads it (strtol, ':'-separated, at most 3). */
export function parseProbability(env: string | undefined): Probabilities {
  let pby = 50;
  let pty = 33;
  let ptm = 33;
  const p: number[] = [];
  let rest = env ?? '';
  while (rest) {
    const r = strtoX(rest, 10, false);
    const tmp = Number(BigInt.asIntN(32, r.value));
    if (tmp < 0 || tmp > 100) throw new ConfError(confMessages.probability);
    p.push(tmp);
    rest = rest[r.end] === ':' ? rest.slice(r.end + 1) : rest.slice(r.end);
    if (p.length >= 3) break;
  }
  switch (p.length) {
    case 1:
      pby = p[0];
      ptm = Math.trunc(pby / 2);
      pty = pby - ptm;
      break;
    case 2:
      pty = p[0];
      ptm = p[1];
      pby = pty + ptm;
      break;
    case 3:
      [pby, pty, ptm] = p;
      break;
  }
  if (pty + ptm > 100) throw new ConfError(confMessages.probability);
  return { pby, pty, ptm };
}

type DefMode = 'default' | 'yes' | 'mod' | 'no' | 'random';

// ---- the C code's direct manipulations of struct symbol ----------------

const hasValue = (s: KconfigState, sym: KSymbol) => (s.values.flags[sym.id] & DEF_USER) !== 0;
function setUser(s: KconfigState, sym: KSymbol, tri: Tristate, flag: boolean): void {
  s.values.userTri[sym.id] = tri;
  if (flag) s.values.flags[sym.id] |= DEF_USER;
}
function invalidate(s: KconfigState, sym: KSymbol): void {
  s.values.flags[sym.id] &= ~VALID;
  s.invalidateExpressions();
}

/**
 * ≤ 6.10 sym_calc_value with SYMBOL_NEED_SET_CHOICE_VALUES, which
 * conf_set_all_new_symbols puts on unset choices and every choice value: a
 * flagged member computes its choice first (and is then computed afresh), a
 * flagged choice runs set_all_choice_values right after its own value, so
 * members computed later already see the choice as set.
 */
class ConfState extends KconfigState {
  need: Uint8Array | null = null;

  override calc(sym: KSymbol): void {
    const need = this.need;
    if (!need || this.values.flags[sym.id] & VALID) return super.calc(sym);
    if (sym.choice && need[sym.id]) {
      need[sym.id] = 0;
      this.calc(sym.choice);
      // The C code computes the member whatever the choice's computation did to it.
      invalidate(this, sym);
    }
    super.calc(sym);
    if (sym.isChoice && need[sym.id]) {
      need[sym.id] = 0;
      setAllChoiceValues(this, sym);
    }
  }
}

/** ≤ 6.10 set_all_choice_values: unset members become n, the choice counts as set. */
function setAllChoiceValues(s: KconfigState, csym: KSymbol): void {
  for (const m of csym.choiceMembers) if (!hasValue(s, m)) s.values.userTri[m.id] = 0;
  s.values.flags[csym.id] |= DEF_USER;
  invalidate(s, csym);
  if (s instanceof ConfState && s.need) s.need[csym.id] = 0;
}

/** ≤ 6.10 randomize_choice_values: one member y at random, the others n. */
function randomizeChoiceV61(s: KconfigState, csym: KSymbol, rnd: GlibcRandom): boolean {
  if (s.values.tri[csym.id] !== 2) return false;
  const members = csym.choiceMembers;
  const def = rnd.rand() % members.length;
  members.forEach((m, i) => {
    if (i === def) {
      s.values.userTri[m.id] = 2;
      s.values.userChoice[csym.id] = m;
    } else s.values.userTri[m.id] = 0;
    s.values.flags[m.id] |= DEF_USER;
    s.values.flags[m.id] &= ~VALID;
  });
  s.values.flags[csym.id] |= DEF_USER;
  invalidate(s, csym);
  return true;
}

/** 6.11+ randomize_choice_values: every unset member y, in a random priority order behind KCONFIG_ALLCONFIG's. */
function randomizeChoiceV611(s: KconfigState, choice: MenuNode, rnd: GlibcRandom): void {
  const csym = choice.sym!;
  let cnt = 0;
  for (let m = menuNext(choice, choice); m; m = menuNext(m, choice)) if (m.sym && !hasValue(s, m.sym)) cnt++;
  while (cnt > 0) {
    let x = rnd.rand() % cnt;
    for (let m = menuNext(choice, choice); m; m = menuNext(m, choice)) {
      const sym = m.sym;
      if (sym && !hasValue(s, sym)) x--;
      if (x < 0 && sym) {
        setUser(s, sym, 2, true);
        // list_move_tail(&sym->choice_link, &choice->choice_members)
        const order = s.choicePriority(csym).filter((o) => o !== sym);
        order.push(sym);
        s.values.choiceOrder.set(csym.id, order);
        break;
      }
    }
    cnt--;
  }
}

function modeTri(mode: DefMode, sym: KSymbol, p: Probabilities, rnd: GlibcRandom | undefined): Tristate | null {
  switch (mode) {
    case 'yes':
      return 2;
    case 'mod':
      return 1;
    case 'no':
      return 0;
    case 'random': {
      const cnt = rnd!.rand() % 100;
      if (sym.type === 'tristate') return cnt < p.pty ? 2 : cnt < p.pty + p.ptm ? 1 : 0;
      return cnt < p.pby ? 2 : 0;
    }
    default:
      return null;
  }
}

/** ≤ 6.10 conf_set_all_new_symbols: returns has_changed (randconfig repeats until false). */
function setAllNewSymbolsV61(s: KconfigState, mode: DefMode, p: Probabilities, rnd?: GlibcRandom): boolean {
  const tree = s.tree;
  let changed = false;
  for (const sym of tree.hashOrder) {
    if (sym.isConst || hasValue(s, sym) || s.values.flags[sym.id] & VALID) continue;
    if (sym.type !== 'bool' && sym.type !== 'tristate') continue;
    changed = true;
    const tri = modeTri(mode, sym, p, rnd);
    if (tri === null) continue;
    setUser(s, sym, tri, !(sym.isChoice && mode === 'random'));
  }
  s.clearAllValid();
  if (mode !== 'random' && s instanceof ConfState) {
    const need = (s.need ??= new Uint8Array(tree.symbols.length));
    for (const csym of tree.hashOrder) if ((csym.isChoice && !hasValue(s, csym)) || csym.choice) need[csym.id] = 1;
  }
  for (const csym of tree.hashOrder) {
    if (hasValue(s, csym) || !csym.isChoice) continue;
    s.calc(csym);
    if (mode === 'random') changed = randomizeChoiceV61(s, csym, rnd!) || changed;
    else {
      setAllChoiceValues(s, csym);
      changed = true;
    }
  }
  return changed;
}

/** 6.11+ conf_set_all_new_symbols: over the menu tree. */
function setAllNewSymbolsV611(s: KconfigState, mode: DefMode, p: Probabilities, rnd?: GlibcRandom): void {
  const root = s.tree.root;
  for (let menu = menuNext(root, root); menu; menu = menuNext(menu, root)) {
    const sym = menu.sym;
    if (!sym || !menu.prompt || hasValue(s, sym) || (sym.type !== 'bool' && sym.type !== 'tristate') || sym.choice) continue;
    if (sym.isChoice) {
      if (mode === 'random') randomizeChoiceV611(s, menu, rnd!);
      continue;
    }
    const tri = modeTri(mode, sym, p, rnd);
    if (tri === null) continue;
    setUser(s, sym, tri, true);
  }
  s.clearAllValid();
}

function setAllNewSymbols(s: KconfigState, mode: DefMode, p: Probabilities = parseProbability(undefined), rnd?: GlibcRandom): void {
  if (s.tree.dialect === 'v6.11') setAllNewSymbolsV611(s, mode, p, rnd);
  else if (mode === 'random') while (setAllNewSymbolsV61(s, mode, p, rnd));
  else setAllNewSymbolsV61(s, mode, p, rnd);
}

const DEF_MODE: Partial<Record<ConfMode, DefMode>> = {
  allnoconfig: 'no',
  allyesconfig: 'yes',
  allmodconfig: 'mod',
  alldefconfig: 'default',
  randconfig: 'random',
  defconfig: 'default',
};

/** Run one mode of conf on a parsed tree: what `conf --<mode>` computes and writes. */
export function runConfMode(tree: KconfigTree, mode: ConfMode, opts: ConfOptions = {}): ConfResult {
  const state = new ConfState(tree);
  const info: ReadInfo = { changed: false, unknown: [], warnings: [] };
  state.read = info;
  let stdout = '';
  let seed: number | undefined;
  let rnd: GlibcRandom | undefined;
  if (mode === 'randconfig') {
    // Seeded (and printed) while conf parses its options, before anything else.
    seed = randconfigSeed(opts.seed, opts.now);
    stdout += `KCONFIG_SEED=0x${seed.toString(16).toUpperCase()}\n`;
    rnd = new GlibcRandom(seed);
  }
  switch (mode) {
    case 'defconfig':
      if (!opts.input) throw new ConfError(confMessages.noDefconfig('(none)'));
      confRead(state, opts.input);
      break;
    case 'olddefconfig':
    case 'savedefconfig':
    case 'listnewconfig':
      confRead(state, opts.input ?? null);
      break;
    default:
      if (opts.allconfig) confReadSimple(state, opts.allconfig, info);
  }
  const warnings = [...state.read.warnings];
  const def = DEF_MODE[mode];
  if (def) setAllNewSymbols(state, def, def === 'random' ? parseProbability(opts.probability) : undefined, rnd);
  let text: string;
  if (mode === 'savedefconfig') text = savedefconfig(state);
  else if (mode === 'listnewconfig') text = listNewConfig(state);
  else text = writeConfig(state);
  return { mode, state, text, stdout, warnings, seed };
}

/**
 * `make tinyconfig`: allnoconfig seeded with tiny-base.config, then
 * `merge_config.sh -m .config` with the tiny.config fragments
 * (kernel/configs/, then arch/$SRCARCH/configs/ where it exists), then olddefconfig.
 */
export function tinyconfig(tree: KconfigTree, tinyBase: DotConfig, fragments: DotConfig[]): ConfResult {
  const first = runConfMode(tree, 'allnoconfig', { allconfig: tinyBase });
  const base = parseDotConfig(first.text, '.config', { strict: false });
  const merged = mergeFragments(base, fragments);
  const config = parseDotConfig(merged.text, '.config', { strict: false });
  const state = olddefconfig(tree, config);
  return {
    mode: 'tinyconfig',
    state,
    text: writeConfig(state),
    stdout: '',
    warnings: [...first.warnings, ...state.read.warnings],
    merge: merged.messages,
  };
}
