import { sketchCosine } from './sketch';

export const SCORE_TOTAL = 1_000_000;

export type ScoreInput = { participant: string; numExamples: number; sketch: Float64Array };

/**
 * Integers ≥ 0 summing exactly to `total`, proportional to `weights`, by the largest-remainder (Hamilton) method;
 * ties go to the earlier entry. All-zero weights give [] if empty, else an equal split.
 */
export function largestRemainder(weights: readonly number[], total = SCORE_TOTAL): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((a, b) => a + b, 0);
  const w = sum > 0 ? weights : weights.map(() => 1);
  const s = sum > 0 ? sum : weights.length;
  const quotas = w.map((x) => (x / s) * total);
  const out = quotas.map((q) => Math.floor(q));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = quotas.map((q, i) => [q - Math.floor(q), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let j = 0; left > 0; j = (j + 1) % order.length, left -= 1) out[order[j]![1]]! += 1;
  return out;
}

/**
 * Default contribution score: numExamples × max(0, cos(Δᵢ, aggregate)), the example count (held to its declared bound
 * by the job) discounted by how well the update points the way the round went (an update against the aggregate earns
 * nothing). If no included update has a positive alignment every score is 0 and the round reward goes to governance
 * (an equal or example-count split would pay updates that did not help). Excluded participants get no score.
 */
export function contributionScores(included: readonly ScoreInput[], aggregateSketch: Float64Array): {
  scores: number[];
  alignments: number[];
  noPositiveContribution: boolean;
} {
  const alignments = included.map((u) => sketchCosine(u.sketch, aggregateSketch));
  const raw = included.map((u, i) => u.numExamples * Math.max(0, alignments[i]!));
  const noPositiveContribution = raw.every((r) => r <= 0);
  return { scores: noPositiveContribution ? raw.map(() => 0) : largestRemainder(raw), alignments, noPositiveContribution };
}
