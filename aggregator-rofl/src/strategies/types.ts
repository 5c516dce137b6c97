import { EXCLUSION_REASON } from '@cloister/protocol';
import type { ModelLayout } from '../model/layout';
import type { RoundValidation } from '../evaluation/validationEvaluator';
import type { StateStore } from '../state/stateStore';
import type { FoldTarget } from '../updates/orderedFold';

/** One participant's validated update, as the job loop hands it to a strategy. `update` is only valid during add(). */
export type FitResult = {
  participant: string;
  numExamples: number;
  /** Flat weight delta in model order (see ModelLayout); may be a view into a reused buffer: copy to keep it. */
  update: Float32Array;
  metrics: Record<string, number>;
};

/** Exclusion reason numbers: the protocol's EXCLUSION_REASON (same numbers as the contract's uint8). */
export const REASON = EXCLUSION_REASON;
export type ExclusionReason = (typeof REASON)[keyof typeof REASON];

export type Exclusion = { participant: string; reason: ExclusionReason; detail: string };

/** What a round's aggregation produced before the server update: the combined delta and who it includes. */
export type CombineResult = {
  combined: Float64Array;
  included: string[];
  /** Participants dropped by the strategy itself (Krum's robust filter). */
  excluded: Exclusion[];
  metrics: Record<string, number>;
  /**
   * How the strategy combined each included update, when it is a weighted mean: Σ aᵢΔᵢ / Σ bᵢ (FLTrust's trust and
   * rescaling). Absent: the weighting (examples or uniform) says. Coalition models for the scores are rebuilt with it.
   */
  coefficients?: ReadonlyMap<string, { a: number; b: number }>;
};

/** How updates are weighted when combined: by example count (FedAvg) or equally (central DP, robust rules). */
export type Weighting = 'examples' | 'uniform';

export type RoundConfig = {
  /** Most updates this strategy can take in a round (Infinity for streaming strategies). */
  maxUpdates: number;
  weighting: Weighting;
};

/**
 * A FitAggregator whose add() is a weighted sum Σ wᵢ·Δᵢ into a float64 accumulator can hand that sum to the job: the
 * job folds each accepted update into `target` itself, on the thread that opened it (updates/orderedFold.ts: same
 * order, same bits as add()), and only records it here. A job uses add() or this, never both in one round.
 */
export type LinearFold = {
  target: FoldTarget;
  /** Records an accepted update the caller folds into `target`; returns the weight to fold it with. */
  record(result: Omit<FitResult, 'update'>): number;
};

/** Streaming sink for one round: add each validated update as it arrives, then finish. */
export interface FitAggregator {
  add(result: FitResult): void;
  finish(): CombineResult;
  /** Present when the aggregate is a weighted sum the job may fold on other threads (FedAvg's mean). */
  readonly linear?: LinearFold;
}

export type RoundContext = {
  taskId: bigint;
  round: bigint;
  layout: ModelLayout;
  stateStore: StateStore;
  /** The task's validation set, opened in the TEE (present when the spec carries one): FLTrust's reference update. */
  validation?: RoundValidation;
};

/** The privacy spent so far, reported by a strategy that adds noise (central DP): (ε, δ) after `rounds` rounds. */
export type PrivacyReport = { epsilon: number; delta: number; rounds: number };

export type ServerUpdate = {
  delta: Float32Array;
  metrics: Record<string, number>;
  /** Set by strategies that give a differential-privacy guarantee; the job loop publishes it as the round's `dp`. */
  privacy?: PrivacyReport;
};

/**
 * The strategy interface (Flower's `Strategy`, cut to what a TEE aggregator does): the job loop calls
 * initialize → configureRound → beginAggregation/add…/finish → applyServerUpdate → aggregateEvaluate, and never looks
 * inside the vectors. New global model = previous model + `delta`.
 */
export interface Strategy {
  readonly name: string;
  /** Load any state carried from earlier rounds (server optimizer moments). */
  initialize(context: RoundContext): Promise<void>;
  configureRound(context: RoundContext): RoundConfig;
  beginAggregation(layout: ModelLayout, options?: { weighting?: Weighting }): FitAggregator;
  /** Turns the combined delta into the step applied to the model; persists state for `context.round`. */
  applyServerUpdate(combined: Float64Array, context: RoundContext): Promise<ServerUpdate>;
  /** Example-weighted mean of the participants' reported metrics (Flower's fit/evaluate metrics aggregation). */
  aggregateEvaluate(results: readonly { numExamples: number; metrics: Record<string, number> }[]): Record<string, number>;
}
