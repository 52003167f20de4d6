// Types for fuzz.mjs (plain JavaScript, shared with bench/fuzz.bench.mjs).
import type fc from 'fast-check';

export interface Seed {
  name: string;
  bytes: Buffer;
}
export interface Seeds {
  logs: Seed[];
  configs: Seed[];
  trees: { name: string; dir: string }[];
}
/** A case description drawn by fast-check (see caseArbitrary). */
export type FuzzCase = { verb: 'report' | 'compare' | 'diff' | 'olddefconfig'; [k: string]: unknown };
export interface CliResult {
  code: number;
  stdoutBytes: number;
  stderr: string;
  timedOut: boolean;
}

export const ROOT: string;
export const REPORT_FORMATS: string[];
export function loadSeeds(): Seeds;
export function opArbitrary(fcModule: typeof fc, big?: number): fc.Arbitrary<Record<string, unknown>>;
export function caseArbitrary(fcModule: typeof fc, seeds: Seeds, big?: number): fc.Arbitrary<FuzzCase>;
export function applyOp(buf: Buffer, op: Record<string, unknown>): Buffer;
export function describeCase(c: FuzzCase): string;
export function runInProcess(
  api: Record<string, unknown>,
  seeds: Seeds,
  c: FuzzCase,
  dir: string,
): Promise<{ outcome: 'ok' | 'input-error'; detail?: string }>;
export function cliArgs(seeds: Seeds, c: FuzzCase, dir: string): string[];
export function runCli(args: string[], timeoutMs?: number): Promise<CliResult>;
export function cliViolation(c: FuzzCase, r: CliResult, dir: string): string | undefined;
export function keepFailure(seeds: Seeds, c: FuzzCase, dir: string): string;
