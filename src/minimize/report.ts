/**
 * minimize's human reports: report.md (kept changes with the ms each saved,
 * rejected ones and why, before/after on the search metric and the host
 * clock, memory, what the run spent) and report.html (the same plus the
 * before/after boot timelines, drawn by src/boot/analyze's timelineSvg from
 * the kept host-clock boot logs).
 */
import { readFile } from 'node:fs/promises';
import { analyzeBoots, parseTimestampedConsole, timelineSvg } from '../boot/analyze.js';
import type { Summary } from '../boot/boot.js';
import { escapeHtml } from '../report/escape.js';
import type { MinimizeResult } from './run.js';

const f1 = (x: number | undefined | null) => (x === undefined || x === null || !Number.isFinite(x) ? '?' : x.toFixed(1));

function meanSd(s: Summary | null | undefined, unit = 'ms'): string {
  if (!s) return 'n/a';
  return `${f1(s.mean)}${s.sd !== null ? ` ± ${f1(s.sd)}` : ''} ${unit} (n=${s.n})`;
}

function delta(a: Summary | null | undefined, b: Summary | null | undefined, unit = 'ms'): string {
  if (!a || !b) return 'n/a';
  const d = a.mean - b.mean;
  const pct = a.mean ? (d / a.mean) * 100 : 0;
  return `${d >= 0 ? '−' : '+'}${f1(Math.abs(d))} ${unit} (${f1(Math.abs(pct))} % ${d >= 0 ? 'less' : 'more'})`;
}

/** What a candidate recompiles alone on the start build (src/build/rebuild-cost.ts), or '—' when unknown. */
function recompiles(r: MinimizeResult, id: string): string {
  const c = r.candidates.find((x) => x.id === id);
  const rebuild = c && 'rebuild' in c ? c.rebuild : undefined;
  return rebuild ? `${rebuild.objects} of ${rebuild.of} objects` : '—';
}

/** The rows every report shows: figure, before, after, change. */
export function summaryRows(r: MinimizeResult): [string, string, string, string][] {
  const rows: [string, string, string, string][] = [];
  const m = r.metric;
  rows.push([
    `${m} metric at /init (search)`,
    meanSd(r.before.metric.summary),
    meanSd(r.after.metric.summary),
    delta(r.before.metric.summary, r.after.metric.summary),
  ]);
  const host = (k: keyof MinimizeResult['before']['host'], label: string, unit = 'ms') =>
    rows.push([label, meanSd(r.before.host[k], unit), meanSd(r.after.host[k], unit), delta(r.before.host[k], r.after.host[k], unit)]);
  host('initMs', 'host clock: qemu start → /init');
  host('markerMs', 'host clock: qemu start → end marker');
  host('guestUsedMb', 'guest memory used (free -m)', 'MiB');
  host('qemuPeakRssMb', 'qemu peak RSS', 'MiB');
  return rows;
}

export function renderMinimizeMarkdown(r: MinimizeResult): string {
  const out: string[] = [];
  out.push(`# ktrim minimize`, '');
  out.push(
    `- source: \`${r.source}\``,
    `- start config: \`${r.config}\``,
    `- metric: ${r.metric}; a change is kept when it saves ≥ ${r.minSavingMs} ms`,
  );
  if (r.stopped) out.push(`- **stopped early: ${r.stopped}** (the outputs hold what was decided)`);
  if (r.resumed) out.push('- resumed from the journal');
  out.push('', '## Before and after', '', '| figure | before | after | change |', '|---|---|---|---|');
  for (const row of summaryRows(r)) out.push(`| ${row.join(' | ')} |`);
  const kept = r.decisions.filter((d) => d.decision === 'kept');
  out.push('', `## Kept changes (${kept.length})`, '');
  if (!kept.length) out.push('None: no candidate saved time measurably.');
  else {
    out.push('| change | saved (ms) | 90 % interval | expected (propose) | how decided | recompiles |', '|---|---|---|---|---|---|');
    for (const d of kept) {
      const group = d.group && d.group.length > 1 ? ` (as a group of ${d.group.length})` : '';
      out.push(
        `| \`${d.id}\` | ${f1(d.savingMs)}${group} | ${d.ci ? `[${f1(d.ci[0])}, ${f1(d.ci[1])}]` : 'deterministic'} | ${d.expectedMs !== undefined ? f1(d.expectedMs) : '—'} | ${d.why} | ${recompiles(r, d.id)} |`,
      );
    }
  }
  const others = r.decisions.filter((d) => d.decision !== 'kept');
  out.push('', `## Rejected, skipped or untried (${others.length})`, '');
  if (others.length) {
    out.push('| change | decision | why | recompiles |', '|---|---|---|---|');
    for (const d of others) out.push(`| \`${d.id}\` | ${d.decision} | ${d.why.replace(/\|/g, '\\|')} | ${recompiles(r, d.id)} |`);
  }
  if (r.disagreements.length) {
    out.push('', '## Kconfig engine vs make olddefconfig', '');
    for (const d of r.disagreements) out.push(`- ${d.configHash}: ${d.symbols.join(', ')}`);
  }
  if (r.tune) {
    const kept = r.tune.knobs.filter((k) => k.decision === 'kept');
    out.push('', `## Tuning (--tune): ${kept.length} knob(s) kept, details in tune.md`, '');
    for (const k of kept) out.push(`- \`${k.change}\`: ${f1(k.savingMs)} ms (${k.why})`);
    out.push('', '```', r.tune.recommended.qemuCommand, '```');
  }
  out.push('', '## Spent', '');
  const s = r.spent;
  out.push(
    `${s.builds} build(s) (${f1(s.buildSeconds)} s of make), ${s.boots} boot(s), ${s.evaluations} evaluation(s) this run` +
      (s.fromJournal ? ` + ${s.fromJournal} answered from the journal` : '') +
      `, ${f1(s.wallSeconds)} s wall time.`,
  );
  out.push('', '## Changes (diffconfig, start → trimmed)', '', '```', r.diffconfig.trimEnd() || '(none)', '```', '');
  return out.join('\n');
}

async function timeline(logs: string[]): Promise<string> {
  if (!logs.length) return '<p>No host-clock boot logs kept.</p>';
  try {
    const boots = await Promise.all(logs.map(async (l) => parseTimestampedConsole(await readFile(l, 'utf8'), l)));
    return timelineSvg(analyzeBoots(boots));
  } catch (err) {
    return `<p>Timeline unavailable: ${escapeHtml((err as Error).message)}</p>`;
  }
}

export async function renderMinimizeHtml(r: MinimizeResult): Promise<string> {
  const e = escapeHtml;
  const rows = summaryRows(r)
    .map((row) => `<tr>${row.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`)
    .join('\n');
  const decisions = r.decisions
    .map(
      (d) =>
        `<tr class="${d.decision}"><td><code>${e(d.id)}</code></td><td>${d.decision}</td><td>${d.savingMs !== undefined ? f1(d.savingMs) : ''}</td>` +
        `<td>${d.expectedMs !== undefined ? f1(d.expectedMs) : ''}</td><td>${e(d.why)}</td><td>${e(recompiles(r, d.id))}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>ktrim minimize</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
tr.kept{background:#e6f4ea}tr.rejected{background:#fde8e8}tr.skipped,tr.untried{color:#777}</style></head>
<body>
<h1>ktrim minimize</h1>
<p>source <code>${e(r.source)}</code>, start config <code>${e(r.config)}</code>, metric ${e(r.metric)}, minimum saving ${r.minSavingMs} ms${r.stopped ? `; <b>stopped early: ${e(r.stopped)}</b>` : ''}</p>
<h2>Before and after</h2>
<table><tr><th>figure</th><th>before</th><th>after</th><th>change</th></tr>
${rows}
</table>
<h2>Boot timeline before</h2>
${await timeline(r.before.logs)}
<h2>Boot timeline after</h2>
${await timeline(r.after.logs)}
<h2>Decisions</h2>
<table><tr><th>change</th><th>decision</th><th>saved (ms)</th><th>expected (ms)</th><th>why</th><th>recompiles</th></tr>
${decisions}
</table>
<h2>Changes (diffconfig)</h2>
<pre>${e(r.diffconfig, 1e7) || '(none)'}</pre>
<p>${r.spent.builds} build(s), ${r.spent.boots} boot(s), ${f1(r.spent.wallSeconds)} s wall time.</p>
</body></html>
`;
}
