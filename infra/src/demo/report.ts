// The demo's report: report.json (everything measured) and report.html (tables + an accuracy-per-round chart as
// inline SVG; no script, no CDN).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type RoundRecord = {
  round: number;
  participants: string[];
  excluded: { participant: string; reason: number }[];
  perSite: { name: string; accuracy: number; count: number }[];
  meanPerSite: number;
  pooled: number;
  aggregationSeconds: number | null;
  roundSeconds: number;
  modelHash: string;
  finalizeTx: string;
};

export type Payout = { name: string; address: string; scores: number[]; claimedWei: string; expectedWei: string };

export type DemoReport = {
  dataset: string;
  startedAt: string;
  totalSeconds: number;
  setupSeconds: number;
  strategy: string;
  task: { taskId: string; numRounds: number; rewardPerRoundWei: string; escrowWei: string; specHash: string; training: Record<string, unknown> };
  rounds: RoundRecord[];
  payouts: Payout[];
  modelAccess?: 'public' | 'consortium';
  /** The paid confidential inference at the end and the revenue split. */
  inference?: import('./paidInference').PaidInferenceRecord | null;
  /** Reference figures printed next to ours (FLamby for heart-disease). */
  references: { label: string; meanPerSite?: number; pooled: number }[];
  final: { meanPerSite: number; pooled: number };
  environment: { node: string; platform: string; cpus: number; tfBackend: string };
};

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–');

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** An SVG line chart of accuracy per round: pooled, mean per site, each site (thin), reference lines (dashed). */
export function accuracyChartSvg(report: Pick<DemoReport, 'rounds' | 'references'>, width = 720, height = 360): string {
  const m = { left: 50, right: 170, top: 20, bottom: 40 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const rounds = report.rounds;
  const all = rounds.flatMap((r) => [r.pooled, r.meanPerSite, ...r.perSite.map((s) => s.accuracy)]).concat(report.references.flatMap((x) => [x.pooled, x.meanPerSite ?? x.pooled]));
  const finite = all.filter(Number.isFinite);
  const lo = Math.max(0, Math.floor((Math.min(...finite, 1) - 0.05) * 10) / 10);
  const hi = 1;
  const x = (round: number) => m.left + (rounds.length <= 1 ? w / 2 : ((round - rounds[0]!.round) / (rounds[rounds.length - 1]!.round - rounds[0]!.round)) * w);
  const y = (v: number) => m.top + h - ((v - lo) / (hi - lo)) * h;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${w}" height="${h}" fill="#fafafa" stroke="#ccc"/>`);
  for (let t = Math.ceil(lo * 10); t <= 10; t++) {
    const v = t / 10;
    parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  for (const r of rounds) parts.push(`<text x="${x(r.round).toFixed(1)}" y="${m.top + h + 16}" text-anchor="middle">${r.round}</text>`);
  parts.push(`<text x="${m.left + w / 2}" y="${height - 6}" text-anchor="middle">round</text>`);
  parts.push(`<text x="14" y="${m.top + h / 2}" text-anchor="middle" transform="rotate(-90 14 ${m.top + h / 2})">accuracy</text>`);
  const legend: { label: string; color: string; dash?: string; width: number }[] = [];
  const line = (values: number[], color: string, strokeWidth: number, label: string, dash?: string) => {
    const pts = rounds.map((r, i) => `${x(r.round).toFixed(1)},${y(values[i]!).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="${strokeWidth}"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${pts}"/>`);
    rounds.forEach((r, i) => parts.push(`<circle cx="${x(r.round).toFixed(1)}" cy="${y(values[i]!).toFixed(1)}" r="${strokeWidth + 1}" fill="${color}"><title>${escape(label)} round ${r.round}: ${pct(values[i]!)}</title></circle>`));
    legend.push({ label, color, dash, width: strokeWidth });
  };
  const siteNames = rounds[0]?.perSite.map((s) => s.name) ?? [];
  siteNames.forEach((name, i) => line(rounds.map((r) => r.perSite[i]?.accuracy ?? NaN), PALETTE[(i + 2) % PALETTE.length]!, 1, name));
  if (siteNames.length > 1) line(rounds.map((r) => r.meanPerSite), '#444', 2, 'mean per site');
  line(rounds.map((r) => r.pooled), '#000', 3, 'pooled test');
  report.references.forEach((ref, i) => {
    const color = i === 0 ? '#b22222' : '#228b22';
    parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${y(ref.pooled).toFixed(1)}" y2="${y(ref.pooled).toFixed(1)}" stroke="${color}" stroke-dasharray="6 4"/>`);
    legend.push({ label: `${ref.label} (pooled)`, color, dash: '6 4', width: 1 });
  });
  legend.forEach((l, i) => {
    const ly = m.top + 10 + i * 18;
    parts.push(`<line x1="${m.left + w + 12}" x2="${m.left + w + 36}" y1="${ly}" y2="${ly}" stroke="${l.color}" stroke-width="${l.width}"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`);
    parts.push(`<text x="${m.left + w + 42}" y="${ly + 4}">${escape(l.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function reportHtml(report: DemoReport): string {
  const siteNames = report.rounds[0]?.perSite.map((s) => s.name) ?? [];
  const rows = report.rounds
    .map(
      (r) =>
        `<tr><td>${r.round}</td><td>${r.participants.length}</td>${r.perSite.map((s) => `<td>${pct(s.accuracy)}</td>`).join('')}` +
        `<td>${pct(r.meanPerSite)}</td><td><b>${pct(r.pooled)}</b></td><td>${r.aggregationSeconds?.toFixed(2) ?? '–'}</td><td>${r.roundSeconds.toFixed(1)}</td>` +
        `<td><code>${escape(r.modelHash.slice(0, 14))}…</code></td></tr>`,
    )
    .join('\n');
  const refs = report.references
    .map((ref) => `<tr><td>${escape(ref.label)}</td><td>${ref.meanPerSite === undefined ? '–' : pct(ref.meanPerSite)}</td><td>${pct(ref.pooled)}</td></tr>`)
    .join('\n');
  const payouts = report.payouts
    .map((p) => `<tr><td>${escape(p.name)}</td><td><code>${escape(p.address)}</code></td><td>${p.scores.join(', ')}</td><td>${escape(p.claimedWei)}</td><td>${escape(p.expectedWei)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cloister demo: ${escape(report.dataset)}</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}th{background:#f3f3f3}code{font-size:90%}</style></head>
<body>
<h1>Cloister federation: ${escape(report.dataset)}</h1>
<p>Started ${escape(report.startedAt)}; ${report.rounds.length} rounds; strategy <b>${escape(report.strategy)}</b>; total ${report.totalSeconds.toFixed(1)} s
(setup ${report.setupSeconds.toFixed(1)} s) on ${report.environment.cpus} CPUs, Node ${escape(report.environment.node)}, tfjs backend ${escape(report.environment.tfBackend)}.</p>
<h2>Accuracy per round</h2>
${accuracyChartSvg(report)}
<table><tr><th>round</th><th>participants</th>${siteNames.map((n) => `<th>${escape(n)}</th>`).join('')}<th>mean per site</th><th>pooled</th><th>aggregation s</th><th>round s</th><th>model sha256</th></tr>
${rows}
</table>
<h2>Final model vs references</h2>
<table><tr><th></th><th>mean per site</th><th>pooled</th></tr>
<tr><td><b>Cloister (this run)</b></td><td><b>${pct(report.final.meanPerSite)}</b></td><td><b>${pct(report.final.pooled)}</b></td></tr>
${refs}
</table>
<h2>Payouts</h2>
<p>Task ${escape(report.task.taskId)}: reward ${escape(report.task.rewardPerRoundWei)} wei per round, escrow ${escape(report.task.escrowWei)} wei. Scores are per round (of 1,000,000).</p>
<table><tr><th>participant</th><th>address</th><th>scores</th><th>claimed (wei)</th><th>escrow split (wei)</th></tr>
${payouts}
</table>
</body></html>
`;
}

/** Writes report.json and report.html under `<dir>/<timestamp>/`; returns that folder. */
export async function writeReport(dir: string, report: DemoReport): Promise<string> {
  const folder = join(dir, report.startedAt.replace(/[:.]/g, '-'));
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  await writeFile(join(folder, 'report.html'), reportHtml(report));
  return folder;
}
