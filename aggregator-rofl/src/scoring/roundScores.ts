// Which score a round gets, by the spec's `scoring.method`: the alignment score (default; needs nothing but the
// sketches), or leave-one-out / GTG-Shapley on the TEE's validation set with coalition models rebuilt from the kept
// updates. Returns the integer scores and an aggregate-only summary for the public metrics document.
import type { ScoringMethod } from '@cloister/protocol';
import { createRng } from '@cloister/model-runtime';
import type { RoundValidation } from '../evaluation/validationEvaluator';
import type { UpdateStore } from './coalitions';
import { gtgShapley, leaveOneOut, scoresFromContributions, type ContributionResult } from './contribution';
import { contributionScores, largestRemainder, SCORE_TOTAL, type ScoreInput } from './scores';
import { sketchOf } from './sketch';

/** GTG-Shapley's default sample budget (utility evaluations per round) when the spec gives none. */
export const DEFAULT_SAMPLE_BUDGET = 100;

export type RoundScoresInput = {
  method: ScoringMethod;
  sampleBudget?: number;
  /** Included participants with their bounded example counts and sketches, in finalize order. */
  included: readonly ScoreInput[];
  combined: Float64Array;
  /** Kept updates with the strategy's coefficients (null when the method needs none). */
  store: UpdateStore | null;
  validation?: RoundValidation;
  /** Seed of GTG-Shapley's permutations (derived from task and round: the same job gives the same scores). */
  seed: number;
};

export type RoundScores = {
  scores: number[];
  /** Participants' contributions (utility units), or alignments for the alignment method: confidential, never published. */
  perParticipant: number[];
  /** Aggregate figures only: safe for the public metrics document. */
  summary: {
    method: ScoringMethod;
    requested: ScoringMethod;
    fallbackReason?: string;
    noPositiveContribution: boolean;
    evaluations?: number;
    permutations?: number;
    roundGain?: number;
    roundTruncated?: boolean;
    publicCopies?: number;
    kept?: string;
    keptBytes?: number;
  };
};

export async function scoreRound(input: RoundScoresInput): Promise<RoundScores> {
  const requested = input.method;
  let fallbackReason: string | undefined;
  if (requested !== 'alignment') {
    if (input.validation === undefined) fallbackReason = 'no validation set';
    else if (input.store === null || input.store.precision === 'none') fallbackReason = 'kept updates exceed the scoring memory budget';
  }
  if (requested === 'alignment' || fallbackReason !== undefined) {
    const { scores, alignments, noPositiveContribution } = contributionScores(input.included, sketchOf(input.combined));
    return {
      scores,
      perParticipant: alignments,
      summary: { method: 'alignment', requested, noPositiveContribution, ...(fallbackReason ? { fallbackReason } : {}) },
    };
  }
  const store = input.store!;
  const validation = input.validation!;
  const participants = input.included.map((u) => u.participant);
  const scratch = new Float32Array(store.modelSize);
  const utility = (coalition: readonly number[]) => validation.utility(store.combine(coalition.map((i) => participants[i]!), scratch));
  const rng = createRng(input.seed);
  const result: ContributionResult =
    requested === 'leave-one-out'
      ? await leaveOneOut(participants.length, utility)
      : await gtgShapley(participants.length, utility, { sampleBudget: input.sampleBudget ?? DEFAULT_SAMPLE_BUDGET, random: () => rng.next() });
  // A copy of the public last step carries no information of the participant's: it earns nothing (see UpdateStore).
  const contributions = result.contributions.map((c, i) => (store.isPublicCopy(participants[i]!) ? Math.min(0, c) : c));
  const scores = scoresFromContributions(contributions, SCORE_TOTAL, largestRemainder, result.significance);
  return {
    scores,
    perParticipant: contributions,
    summary: {
      method: requested,
      requested,
      noPositiveContribution: scores.every((s) => s === 0),
      evaluations: result.evaluations,
      permutations: result.permutations,
      roundGain: result.roundGain,
      roundTruncated: result.roundTruncated,
      publicCopies: store.publicCopyCount(),
      kept: store.precision,
      keptBytes: store.bytes(),
    },
  };
}
