/**
 * JSON report, schema version 1 (docs/report-schema.md). Outside scripts and
 * later ktrim verbs read it: add fields freely, but rename or remove one only
 * with a new schemaVersion.
 */
import type { InitcallComparison, InitcallReport, RankedInitcall } from '../initcall/rank.js';
import { selectRanked, type ViewOptions } from './format.js';
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
 * error-returning initcalls are always kept (appended in rank order).
 */
export function listedInitcalls(report: InitcallReport, options: ViewOptions): RankedInitcall[] {
  const shown = new Set(selectRanked(report.initcalls, options));
  return report.initcalls.filter((r) => shown.has(r) || r.incomplete > 0 || r.errorBoots > 0);
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
    report: {
      ...report,
      initcalls: listedInitcalls(report, options),
      // For --group-by fn the groups would repeat the initcalls one for one.
      groups: report.groupBy === 'fn' ? [] : selectRanked(report.groups, options),
    },
  };
}

export function renderJson(report: InitcallReport, options: JsonOptions = {}): string {
  return JSON.stringify(toJsonReport(report, options), null, 2) + '\n';
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
  return JSON.stringify(toJsonComparison(cmp, options), null, 2) + '\n';
}
