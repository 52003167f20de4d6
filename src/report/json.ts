/**
 * JSON report, schema version 1 (docs/report-schema.md). Outside scripts and
 * later ktrim verbs read it: add fields freely, but rename or remove one only
 * with a new schemaVersion.
 */
import type { InitcallComparison, InitcallReport, RankedInitcall } from '../initcall/rank.js';
import { MAX_LISTED, selectRanked, type ViewOptions } from './format.js';
import { safeJson } from './escape.js';
import { selectCompared } from './compare.js';

export const REPORT_SCHEMA_VERSION = 1;

export type JsonOptions = ViewOptions;

export interface JsonReport {
  schemaVersion: 1;
  kind: 'initcall-report';
  /** Every time in this document is in microseconds; shares are 0..1 ratios. */
  units: { time: 'us'; share: 'ratio' };
  filter: { top: number | null; minUs: number | null };
  /** Distinct initcalls before --top / --min-us. */
  initcallCount: number;
  /**
   * True when initcalls were left out because of the bound on the list's
   * length (MAX_LISTED selected, and as many flagged ones), not because of
   * --top / --min-us.
   */
  truncated: boolean;
  report: InitcallReport;
}

export interface JsonComparison {
  schemaVersion: 1;
  kind: 'initcall-comparison';
  units: { time: 'us'; share: 'ratio' };
  filter: { top: number | null; minUs: number | null };
  comparison: InitcallComparison;
}

/**
 * The listed initcalls: --top/--min-us applied, but never-returned and
 * error-returning initcalls are always kept (appended in rank order), up to
 * MAX_LISTED of them: a log of 100,000 failing calls still gives a bounded
 * document.
 */
export function listedInitcalls(report: InitcallReport, options: ViewOptions): RankedInitcall[] {
  const shown = new Set(selectRanked(report.initcalls, options));
  let flagged = 0;
  return report.initcalls.filter((r) => shown.has(r) || ((r.incomplete > 0 || r.errorBoots > 0) && flagged++ < MAX_LISTED));
}

/** Whether the MAX_LISTED bound (not the filter) dropped initcalls or groups. */
function isTruncated(report: InitcallReport, options: ViewOptions): boolean {
  const wanted = (n: number) => Math.min(options.top ?? Infinity, n);
  const count = (items: readonly { stats: { median: number } | null }[]) =>
    items.filter((r) => options.minUs === undefined || (r.stats !== null && r.stats.median >= options.minUs)).length;
  return (
    wanted(count(report.initcalls)) > MAX_LISTED ||
    report.initcalls.filter((r) => r.incomplete > 0 || r.errorBoots > 0).length > MAX_LISTED ||
    (report.groupBy !== 'fn' && wanted(count(report.groups)) > MAX_LISTED)
  );
}

function filterOf(options: ViewOptions) {
  return { top: options.top ?? null, minUs: options.minUs ?? null };
}

export function toJsonReport(report: InitcallReport, options: JsonOptions = {}): JsonReport {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind: 'initcall-report',
    units: { time: 'us', share: 'ratio' },
    filter: filterOf(options),
    initcallCount: report.initcalls.length,
    truncated: isTruncated(report, options),
    report: {
      ...report,
      initcalls: listedInitcalls(report, options),
      // For --group-by fn the groups would repeat the initcalls one for one.
      groups: report.groupBy === 'fn' ? [] : selectRanked(report.groups, options),
    },
  };
}

export function renderJson(report: InitcallReport, options: JsonOptions = {}): string {
  return safeJson(toJsonReport(report, options), 2) + '\n';
}

export function toJsonComparison(cmp: InitcallComparison, options: JsonOptions = {}): JsonComparison {
  const rows = selectCompared(cmp.initcalls, options);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind: 'initcall-comparison',
    units: { time: 'us', share: 'ratio' },
    filter: filterOf(options),
    comparison: {
      ...cmp,
      before: toJsonReport(cmp.before, options).report,
      after: toJsonReport(cmp.after, options).report,
      initcalls: rows,
    },
  };
}

export function renderJsonComparison(cmp: InitcallComparison, options: JsonOptions = {}): string {
  return safeJson(toJsonComparison(cmp, options), 2) + '\n';
}
