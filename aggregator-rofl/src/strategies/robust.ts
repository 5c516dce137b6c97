import { StrategyParamsError, TooManyUpdatesError } from '../errors';
import type { ModelLayout } from '../model/layout';
import { BaseStrategy, checkLength } from './fedavg';
import { coordinateMedian, krumScores, lowestIndices, trimmedMean, weightedMean } from './math';
import { REASON, type CombineResult, type FitAggregator, type FitResult, type RoundConfig, type Weighting } from './types';

/** Default bound on updates held at once by the strategies that need them all (median, trimmed mean, Krum). */
export const DEFAULT_MAX_UPDATES_IN_MEMORY = 256;

export type RobustOptions = { maxUpdates?: number };

type Held = { participant: string; numExamples: number; update: Float32Array };

/**
 * Keeps a copy of every update (these rules are not decomposable into a running sum). Memory is
 * count × model size, so the count is bounded by `maxUpdates` and exceeding it is an error, not a slowdown.
 */
class HoldingAggregator implements FitAggregator {
  private readonly held: Held[] = [];
  constructor(
    private readonly layout: ModelLayout,
    private readonly maxUpdates: number,
    private readonly combine: (held: Held[]) => CombineResult,
  ) {}
  add(result: FitResult): void {
    checkLength(result.update, this.layout);
    if (this.held.length >= this.maxUpdates) {
      throw new TooManyUpdatesError(`this strategy holds at most ${this.maxUpdates} updates in memory`, {
        details: { maxUpdates: this.maxUpdates },
      });
    }
    this.held.push({ participant: result.participant, numExamples: result.numExamples, update: result.update.slice() });
  }
  finish(): CombineResult {
    if (this.held.length === 0) {
      return { combined: new Float64Array(this.layout.size), included: [], excluded: [], metrics: {} };
    }
    return this.combine(this.held);
  }
}

abstract class HoldingStrategy extends BaseStrategy {
  protected readonly maxUpdates: number;
  constructor(options: RobustOptions = {}) {
    super();
    this.maxUpdates = options.maxUpdates ?? DEFAULT_MAX_UPDATES_IN_MEMORY;
    if (!(this.maxUpdates >= 1)) throw new StrategyParamsError('maxUpdates must be at least 1');
  }
  override configureRound(): RoundConfig {
    return { maxUpdates: this.maxUpdates, weighting: 'uniform' };
  }
  protected abstract combine(held: Held[], weighting: Weighting): CombineResult;
  beginAggregation(layout: ModelLayout, options: { weighting?: Weighting } = {}): FitAggregator {
    return new HoldingAggregator(layout, this.maxUpdates, (held) => this.combine(held, options.weighting ?? 'examples'));
  }
}

/** Coordinate-wise median (Yin et al. 2018; Flower's FedMedian). Unweighted. */
export class FedMedian extends HoldingStrategy {
  readonly name = 'median';
  protected combine(held: Held[]): CombineResult {
    return {
      combined: coordinateMedian(held.map((h) => h.update)),
      included: held.map((h) => h.participant),
      excluded: [],
      metrics: {},
    };
  }
}

/** Coordinate-wise trimmed mean (Yin et al. 2018; Flower's FedTrimmedAvg), trimming ⌊beta·n⌋ from each end. */
export class FedTrimmedMean extends HoldingStrategy {
  readonly name = 'trimmed-mean';
  private readonly beta: number;
  constructor(options: RobustOptions & { beta?: number } = {}) {
    super(options);
    this.beta = options.beta ?? 0.2;
    if (!(this.beta >= 0 && this.beta < 0.5)) throw new StrategyParamsError('trimmed-mean beta must be in [0, 0.5)');
  }
  protected combine(held: Held[]): CombineResult {
    return {
      combined: trimmedMean(
        held.map((h) => h.update),
        this.beta,
      ),
      included: held.map((h) => h.participant),
      excluded: [],
      metrics: { trimmedPerSide: Math.floor(this.beta * held.length) },
    };
  }
}

export type KrumOptions = RobustOptions & { numMalicious?: number; numToKeep?: number };

/**
 * Krum / Multi-Krum (Blanchard et al. 2017; Flower's Krum). Scores each update by the summed squared distance to its
 * n − f − 2 nearest neighbours; Krum keeps the best one, Multi-Krum the best m and averages them by examples.
 * The others are excluded with reason RobustFilter.
 */
export class Krum extends HoldingStrategy {
  readonly name: string;
  private readonly numMalicious: number;
  private readonly numToKeep: number | undefined;
  constructor(options: KrumOptions & { multi?: boolean } = {}) {
    super(options);
    this.name = options.multi === true ? 'multi-krum' : 'krum';
    this.numMalicious = options.numMalicious ?? 0;
    this.numToKeep = options.multi === true ? options.numToKeep : 1;
    if (!(Number.isInteger(this.numMalicious) && this.numMalicious >= 0)) {
      throw new StrategyParamsError('numMalicious must be a non-negative integer');
    }
    if (this.numToKeep !== undefined && !(Number.isInteger(this.numToKeep) && this.numToKeep >= 1)) {
      throw new StrategyParamsError('numToKeep must be a positive integer');
    }
  }
  protected combine(held: Held[], weighting: Weighting): CombineResult {
    const vectors = held.map((h) => h.update);
    const scores = krumScores(vectors, this.numMalicious);
    // Multi-Krum default m = n − f (El Mhamdi et al. 2018).
    const keep = Math.min(held.length, Math.max(1, this.numToKeep ?? held.length - this.numMalicious));
    const chosen = lowestIndices(scores, keep).sort((a, b) => a - b);
    const chosenSet = new Set(chosen);
    const weights = chosen.map((i) => (weighting === 'examples' ? held[i]!.numExamples : 1));
    return {
      combined: weightedMean(
        chosen.map((i) => vectors[i]!),
        weights,
      ),
      included: chosen.map((i) => held[i]!.participant),
      excluded: held
        .filter((_, i) => !chosenSet.has(i))
        .map((h) => ({ participant: h.participant, reason: REASON.RobustFilter, detail: `${this.name} score not among the best ${keep}` })),
      metrics: { kept: keep },
    };
  }
}
