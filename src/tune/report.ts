/**
 * Printers for a TuneResult: the text table (stdout), tune.md and tune.json
 * (--out). Pure.
 */
import { metricSpec } from '../boot/metric.js';
import type { KnobDecision, KnobResult, TuneResult } from './tune.js';

const DECISION_TEXT: Record<KnobDecision, string> = {
  kept: 'kept',
  'broke-boot': 'rejected: broke the boot',
  'no-saving': 'rejected: no significant saving',
  skipped: 'skipped',
};

function f1(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(1);
}

/** `152.3 ms [120.1, 184.5]` (the saving and its one-sided bounds), `0.2 ms` for a deterministic metric. */
export function formatSaving(k: Pick<KnobResult, 'savingMs' | 'ci'>): string {
  if (k.savingMs === undefined) return '-';
  return `${f1(k.savingMs)} ms${k.ci ? ` [${f1(k.ci[0])}, ${f1(k.ci[1])}]` : ''}`;
}

function boots(k: KnobResult): string {
  if (k.runs) return `${k.runs.baseline}+${k.runs.trial}`;
  if (k.trialMs || k.baselineMs) return `${k.baselineMs?.length ?? 0}+${(k.trialMs?.length ?? 0) + (k.decision === 'broke-boot' ? 1 : 0)}`;
  return '-';
}

function clockNote(r: TuneResult): string {
  return (
    `host-clock knobs (firmware, machine, loader, vCPUs, memory) on ${r.hostMetric} (${metricSpec(r.hostMetric).describe}): they act before the kernel's clock starts; ` +
    `command-line knobs on ${r.metric} (${metricSpec(r.metric).describe})`
  );
}

/** `152.3 ms on host, 20.0 ms on icount`, or undefined when nothing was kept. */
function keptTotals(r: TuneResult): string | undefined {
  const parts = Object.entries(r.keptSavingMs).map(([m, v]) => `${f1(v)} ms on ${m}`);
  return parts.length ? parts.join(', ') : undefined;
}

export function formatTuneText(r: TuneResult): string {
  const rows = [['knob', 'metric', 'decision', 'saving [one-sided 95 % bounds]', 'boots']];
  for (const k of r.knobs) rows.push([k.id, k.metric ?? '-', DECISION_TEXT[k.decision], formatSaving(k), boots(k)]);
  const w = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const out = [
    `tune of ${r.kernel} (${r.accel}; keep at ≥ ${r.minSavingMs} ms saving, ≤ ${r.maxRuns} boots per side; ${r.boots} boots` +
      `${r.replayed ? `, ${r.replayed} decisions replayed from the journal` : ''})`,
    r.configChecked
      ? 'config requirements checked against the kernel config'
      : 'config requirements NOT checked (no kernel config): a knob may break the boot',
    '',
    ...rows.map((row) =>
      row
        .map((c, i) => c.padEnd(w[i]))
        .join('  ')
        .trimEnd(),
    ),
    '',
  ];
  for (const k of r.knobs) {
    out.push(`${k.id} (${k.change}): ${k.why}${k.enable ? `; would be enabled by ${k.enable}` : ''}${k.note ? `; ${k.note}` : ''}`);
  }
  for (const f of r.flakes) out.push(`flake (failed once, booted on the retry): ${f}`);
  const totals = keptTotals(r);
  if (totals) out.push('', `kept knobs save about ${totals} (the sum of their savings, each measured on top of the ones before)`);
  out.push(
    '',
    'recommended kernel command line:',
    `  ${r.recommended.kernelCmdline}`,
    'recommended qemu command line (INITRD: your initramfs):',
    `  ${r.recommended.qemuCommand}`,
    '',
    `saving: baseline − trial, one per knob on top of the knobs kept before it; ${clockNote(r)}`,
  );
  return out.join('\n') + '\n';
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function formatTuneMarkdown(r: TuneResult): string {
  const out = [
    `# ktrim tune: ${r.kernel}`,
    '',
    `Accelerator ${r.accel}; a knob is kept when it saves at least ${r.minSavingMs} ms, significantly ` +
      `(sequential test, at most ${r.maxRuns} boots per side); ${r.boots} boots.` +
      (r.configChecked
        ? ' Config requirements checked against the kernel config.'
        : ' Config requirements not checked (no kernel config).'),
    '',
    `Clocks: ${clockNote(r)}.`,
    '',
    '## Recommended',
    '',
    ...(keptTotals(r)
      ? [`The kept knobs save about ${keptTotals(r)} (the sum of their savings, each measured on top of the ones before).`, '']
      : []),
    'Kernel command line:',
    '',
    '```',
    r.recommended.kernelCmdline,
    '```',
    '',
    'qemu command line (INITRD: your initramfs):',
    '',
    '```',
    r.recommended.qemuCommand,
    '```',
    '',
    '## Knobs',
    '',
    '| knob | change | metric | decision | saving [one-sided 95 % bounds] | boots | why |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const k of r.knobs) {
    const why = `${k.why}${k.enable ? `; would be enabled by ${k.enable}` : ''}${k.note ? `; ${k.note}` : ''}`;
    out.push(
      `| ${mdCell(k.id)} | \`${mdCell(k.change)}\` | ${k.metric ?? '-'} | ${DECISION_TEXT[k.decision]} | ${formatSaving(k)} | ${boots(k)} | ${mdCell(why)} |`,
    );
  }
  if (r.flakes.length) {
    out.push('', 'Boots that failed once and booted on the retry (a busy host, not the knob):', '');
    for (const f of r.flakes) out.push(`- ${mdCell(f)}`);
  }
  out.push('', '## What each knob saves and risks', '');
  for (const k of r.knobs) out.push(`- **${k.id}** (${DECISION_TEXT[k.decision]}). Saves: ${k.saves} Risks: ${k.risks}`);
  return out.join('\n') + '\n';
}

/** tune.json: the result as is (boot values included). */
export function tuneJson(r: TuneResult): string {
  return JSON.stringify(r, null, 2) + '\n';
}
