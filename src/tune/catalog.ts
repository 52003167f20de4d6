/**
 * The knob catalog (configs/knobs.json): what `ktrim tune` can change beside
 * the Kconfig symbols, what each saves and risks, which clock can see its
 * effect, and what it requires of the kernel config and the host. Kernel
 * command-line knobs name a parameter of configs/catalog/cmdline-hints.json
 * and take its saves/risks from there (one list for propose and tune).
 * `parseKnobCatalog` is pure; `readKnobCatalog` reads the files.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { defaultCatalogDir, HINTS_FILE, parseCmdlineHints, type CmdlineHint } from '../propose/catalog.js';

export const KNOB_KINDS = ['cmdline', 'firmware', 'machine', 'loader', 'smp', 'memory'] as const;
export type KnobKind = (typeof KNOB_KINDS)[number];
export type KnobClock = 'host' | 'guest';

/** What a knob changes in the boot set-up. */
export interface KnobSetting {
  /** A kernel parameter appended to the command line. */
  append?: string;
  /** qemu -bios. */
  bios?: string;
  /** qemu -machine. */
  machine?: string;
  /** pvh: boot the ELF vmlinux beside the bzImage at its PVH entry. */
  loader?: 'pvh';
  smp?: number;
  memoryMb?: number;
}

export interface KnobRequirements {
  /** Symbols (no CONFIG_ prefix) that must be y; `!X`: X must not be y. Checked against the kernel's .config. */
  config?: string[];
  /** The machine type (pc when none is set) must be one of these. */
  machine?: string[];
  /** Host files the knob uses (firmware images). */
  files?: string[];
  accel?: 'kvm';
}

export interface Knob {
  id: string;
  kind: KnobKind;
  set: KnobSetting;
  /** Which clock sees the effect: host for what acts before the kernel's clock starts. */
  clock: KnobClock;
  saves: string;
  risks: string;
  requires: KnobRequirements;
  /** What would satisfy `requires.config` (shown when the knob is skipped). */
  enable?: string;
  /** Where it was defined, for messages. */
  file: string;
  line: number;
}

export interface KnobCatalog {
  file: string;
  knobs: Knob[];
}

/** configs/knobs.json at the package root. */
export function defaultKnobsFile(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'configs', 'knobs.json');
}

const SYMBOL_RE = /^!?[A-Z0-9_]+$/;
const ID_RE = /^[A-Za-z0-9_.:=,/-]+$/;

/** 1-based line of the nth (0-based) `"id": "<id>"` in the text (for messages), else 1. */
function lineOfId(text: string, id: unknown, nth = 0): number {
  if (typeof id !== 'string') return 1;
  const re = new RegExp(`"id"\\s*:\\s*${JSON.stringify(id).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'g');
  const hits = [...text.matchAll(re)];
  const hit = hits[Math.min(nth, hits.length - 1)];
  return hit?.index === undefined ? 1 : text.slice(0, hit.index).split('\n').length;
}

function strings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0);
}

/**
 * Parse and validate a knobs file. Command-line knobs without their own
 * saves/risks take them from `hints` (by `param`). Errors name file and line.
 */
export function parseKnobCatalog(text: string, file: string, hints: readonly CmdlineHint[] = []): KnobCatalog {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    throw new InputError(`not JSON: ${(e as Error).message}`, file, line);
  }
  const raw = (data as { knobs?: unknown })?.knobs;
  if (!Array.isArray(raw)) throw new InputError('no "knobs" array', file, 1);
  const seen = new Set<string>();
  const knobs = raw.map((k: Record<string, unknown>, i): Knob => {
    const line = lineOfId(text, k?.id, raw.slice(0, i).filter((x: { id?: unknown }) => x?.id === k?.id).length);
    const bad = (msg: string): never => {
      throw new InputError(`knob ${typeof k?.id === 'string' ? JSON.stringify(k.id) : i + 1}: ${msg}`, file, line);
    };
    if (!k || typeof k !== 'object') bad('not an object');
    if (typeof k.id !== 'string' || !ID_RE.test(k.id)) bad('"id" missing or not a plain name');
    const id = k.id as string;
    if (seen.has(id)) bad('duplicate id');
    seen.add(id);
    if (!KNOB_KINDS.includes(k.kind as KnobKind)) bad(`"kind" must be one of ${KNOB_KINDS.join(', ')}`);
    const kind = k.kind as KnobKind;
    if (k.clock !== 'host' && k.clock !== 'guest') bad('"clock" must be "host" or "guest"');
    const set = settingOf(kind, k, bad);
    let saves = k.saves;
    let risks = k.risks;
    if (kind === 'cmdline' && (saves === undefined || risks === undefined)) {
      const hint = hints.find((h) => h.param === set.append);
      if (!hint) bad(`no saves/risks, and ${JSON.stringify(set.append)} is not in ${HINTS_FILE}`);
      saves ??= hint!.saves;
      risks ??= hint!.risks;
    }
    if (typeof saves !== 'string' || !saves) bad('"saves" missing');
    if (typeof risks !== 'string' || !risks) bad('"risks" missing');
    const req = (k.requires ?? {}) as Record<string, unknown>;
    if (typeof req !== 'object' || Array.isArray(req)) bad('"requires" must be an object');
    for (const key of Object.keys(req)) if (!['config', 'machine', 'files', 'accel'].includes(key)) bad(`unknown requirement "${key}"`);
    if (req.config !== undefined && !(strings(req.config) && req.config.every((s) => SYMBOL_RE.test(s) && !/^!?CONFIG_/.test(s)))) {
      bad('requires.config must list symbol names without CONFIG_ (e.g. "PVH", "!CRYPTO_MANAGER_DISABLE_TESTS")');
    }
    if (req.machine !== undefined && !strings(req.machine)) bad('requires.machine must list machine types');
    if (req.files !== undefined && !(strings(req.files) && req.files.every((f) => f.startsWith('/')))) {
      bad('requires.files must list absolute paths');
    }
    if (req.accel !== undefined && req.accel !== 'kvm') bad('requires.accel can only be "kvm"');
    if (k.enable !== undefined && typeof k.enable !== 'string') bad('"enable" must be a string');
    return {
      id,
      kind,
      set,
      clock: k.clock as KnobClock,
      saves: saves as string,
      risks: risks as string,
      requires: {
        ...(req.config ? { config: req.config as string[] } : {}),
        ...(req.machine ? { machine: req.machine as string[] } : {}),
        ...(req.files ? { files: req.files as string[] } : {}),
        ...(req.accel ? { accel: 'kvm' as const } : {}),
      },
      ...(typeof k.enable === 'string' ? { enable: k.enable } : {}),
      file,
      line,
    };
  });
  return { file, knobs };
}

function settingOf(kind: KnobKind, k: Record<string, unknown>, bad: (msg: string) => never): KnobSetting {
  if (kind === 'cmdline') {
    const param = k.param;
    if (typeof param !== 'string' || !param || /\s/.test(param)) bad('a cmdline knob needs "param": one kernel parameter');
    return { append: param as string };
  }
  const set = k.set as Record<string, unknown> | undefined;
  if (!set || typeof set !== 'object') bad('"set" missing');
  const want: Record<Exclude<KnobKind, 'cmdline'>, string> = {
    firmware: 'bios',
    machine: 'machine',
    loader: 'loader',
    smp: 'smp',
    memory: 'memoryMb',
  };
  const key = want[kind as Exclude<KnobKind, 'cmdline'>];
  const keys = Object.keys(set!);
  if (keys.length !== 1 || keys[0] !== key) bad(`a ${kind} knob sets exactly "${key}"`);
  const v = set![key];
  if (kind === 'firmware' && !(typeof v === 'string' && v.startsWith('/'))) bad('set.bios must be an absolute path');
  if (kind === 'machine' && !(typeof v === 'string' && /^[a-z0-9][a-z0-9,=._-]*$/.test(v)))
    bad('set.machine must be a qemu -machine value');
  if (kind === 'loader' && v !== 'pvh') bad('set.loader can only be "pvh"');
  if ((kind === 'smp' || kind === 'memory') && !(typeof v === 'number' && Number.isInteger(v) && v > 0)) {
    bad(`set.${key} must be a positive integer`);
  }
  return { [key]: v } as KnobSetting;
}

/** The machine type of a -machine value (`microvm,pit=off` → microvm; none → pc). */
export function machineType(machine: string | undefined): string {
  return machine ? machine.split(',')[0] : 'pc';
}

/** Read a knobs file (default configs/knobs.json) with the command-line hints of configs/catalog. */
export function readKnobCatalog(file: string = defaultKnobsFile(), hintsFile: string = join(defaultCatalogDir(), HINTS_FILE)): KnobCatalog {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read the knobs file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, file);
  }
  const hints = parseCmdlineHints(readFileSync(hintsFile, 'utf8'), hintsFile);
  return parseKnobCatalog(text, file, hints);
}

/** Every CONFIG_ symbol the catalog's requirements name (for the check against a kernel tree). */
export function requiredSymbols(catalog: KnobCatalog): { knob: string; symbol: string }[] {
  return catalog.knobs.flatMap((k) => (k.requires.config ?? []).map((s) => ({ knob: k.id, symbol: s.replace(/^!/, '') })));
}
