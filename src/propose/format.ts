/** Printers for `ktrim propose`: text, markdown, JSON. Pure. */
import type { Candidate, InitcallCost, ProposeResult } from './propose.js';

const f1 = (x: number) => x.toFixed(1);
const pm = (median: number, sd: number | null) => (sd === null ? `${f1(median)} ms` : `${f1(median)} ± ${f1(sd)} ms`);
const where = (i: InitcallCost) => (i.file ? ` (${i.file})` : '');

function offCount(c: Candidate): number {
  return c.blastRadius.filter((d) => (d.op === '->' && d.after === 'n') || (d.op === '-' && d.before !== 'n')).length;
}

function head(r: ProposeResult): string {
  const k = r.kernels.length ? r.kernels.join(', ') : 'unknown kernel';
  return `${r.boots} boot(s) of ${k}; ${r.considered} initcall(s) with a median ≥ ${r.minMs} ms considered`;
}

export function formatProposeText(r: ProposeResult, opts: { blastLines?: number } = {}): string {
  const out: string[] = [head(r), ''];
  const blastLines = opts.blastLines ?? 8;
  if (r.candidates.length) {
    out.push('Candidate removals (saving: median over the boots of the per-boot sum ± sd):');
    r.candidates.forEach((c, i) => {
      const cat = c.catalog.length ? `  [catalog: ${c.catalog.join(', ')}]` : '';
      out.push(
        `${String(i + 1).padStart(3)}. ${pm(c.saving.medianMs, c.saving.sdMs).padEnd(18)} ${c.id}${cat}  confidence ${c.confidence}`,
      );
      if (c.risky.length) out.push(`       RISKY: turns off ${c.risky.join(', ')} (needed to boot to a shell)`);
      for (const why of c.confidenceWhy) if (!why.startsWith('turns off')) out.push(`       note: ${why}`);
      for (const ic of c.initcalls) out.push(`       - ${ic.key} ${pm(ic.medianMs, ic.sdMs)}${where(ic)}`);
      out.push(`       blast radius: ${c.blastRadius.length} symbol(s) change, ${offCount(c)} go off`);
      const lines = c.diffconfig.split('\n').filter(Boolean);
      for (const l of lines.slice(0, blastLines)) out.push(`         ${l}`);
      if (lines.length > blastLines) out.push(`         … ${lines.length - blastLines} more (--format json has them all)`);
    });
  } else out.push('No candidate removals.');
  if (r.fixed.length) {
    out.push('', 'Costs that cannot be disabled:');
    for (const x of r.fixed) out.push(`  ${x.key} ${pm(x.medianMs, x.sdMs)}${where(x)}: ${x.because}: ${x.reason}`);
  }
  if (r.notBuilt.length) {
    out.push('', 'Attributed to files this config does not build (does the config belong to the logged kernel?):');
    for (const x of r.notBuilt) out.push(`  ${x.key} ${pm(x.medianMs, x.sdMs)}${where(x)}: ${x.reason}`);
  }
  if (r.unresolved.length) {
    out.push('', 'Unresolved (no source file found; not guessed):');
    for (const x of r.unresolved) out.push(`  ${x.key} ${pm(x.medianMs, x.sdMs)}: ${x.reason}`);
  }
  return out.join('\n') + '\n';
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|');

export function formatProposeMarkdown(r: ProposeResult): string {
  const out: string[] = [`**ktrim propose**: ${head(r)}`, ''];
  if (r.candidates.length) {
    out.push('| # | saving | set | initcalls | blast radius | catalog | confidence |', '|---:|---:|---|---|---:|---|---|');
    r.candidates.forEach((c, i) => {
      const ics = c.initcalls.map((x) => `\`${x.key}\` ${f1(x.medianMs)} ms`).join(', ');
      const conf = c.confidence + (c.risky.length ? ` (risky: ${c.risky.join(', ')})` : '');
      out.push(
        `| ${i + 1} | ${pm(c.saving.medianMs, c.saving.sdMs)} | \`${c.id}\` | ${mdCell(ics)} | ${c.blastRadius.length} | ${c.catalog.join(', ')} | ${conf} |`,
      );
    });
  } else out.push('No candidate removals.');
  if (r.fixed.length) {
    out.push('', '**Cannot be disabled**', '', '| initcall | time | file | why |', '|---|---:|---|---|');
    for (const x of r.fixed)
      out.push(`| \`${x.key}\` | ${pm(x.medianMs, x.sdMs)} | ${x.file ?? ''} | ${mdCell(`${x.because}: ${x.reason}`)} |`);
  }
  if (r.unresolved.length || r.notBuilt.length) {
    out.push('', '**Unresolved**', '', '| initcall | time | why |', '|---|---:|---|');
    for (const x of [...r.notBuilt, ...r.unresolved]) out.push(`| \`${x.key}\` | ${pm(x.medianMs, x.sdMs)} | ${mdCell(x.reason)} |`);
  }
  return out.join('\n') + '\n';
}

export function formatProposeJson(r: ProposeResult): string {
  return JSON.stringify(r, null, 2) + '\n';
}
