import { LayoutMismatchError } from '../errors';
import type { ModelLayout } from '../model/layout';
import { createFoldTarget } from '../updates/orderedFold';
import { foldWeighted, scaled, toFloat32, type Accumulator } from './math';
import type {
  CombineResult,
  FitAggregator,
  FitResult,
  LinearFold,
  RoundConfig,
  RoundContext,
  ServerUpdate,
  Strategy,
  Weighting,
} from './types';

export type FedAvgOptions = { accumulator?: 'float64' | 'float32' };

/** Defaults shared by every strategy: no state, identity server update, example-weighted metrics. */
export abstract class BaseStrategy implements Strategy {
  abstract readonly name: string;
  async initialize(_context: RoundContext): Promise<void> {}
  configureRound(_context: RoundContext): RoundConfig {
    return { maxUpdates: Number.POSITIVE_INFINITY, weighting: 'examples' };
  }
  abstract beginAggregation(layout: ModelLayout, options?: { weighting?: Weighting }): FitAggregator;
  async applyServerUpdate(combined: Float64Array, _context: RoundContext): Promise<ServerUpdate> {
    return { delta: toFloat32(combined), metrics: {} };
  }
  aggregateEvaluate(results: readonly { numExamples: number; metrics: Record<string, number> }[]): Record<string, number> {
    return weightedMetrics(results);
  }
}

/** Example-weighted mean of each metric over the results that report it (Flower's weighted_average). */
export function weightedMetrics(
  results: readonly { numExamples: number; metrics: Record<string, number> }[],
): Record<string, number> {
  const sums = new Map<string, { total: number; weight: number }>();
  for (const r of results) {
    for (const [k, v] of Object.entries(r.metrics)) {
      if (!Number.isFinite(v)) continue;
      const s = sums.get(k) ?? { total: 0, weight: 0 };
      s.total += v * r.numExamples;
      s.weight += r.numExamples;
      sums.set(k, s);
    }
  }
  const out: Record<string, number> = {};
  for (const k of [...sums.keys()].sort()) {
    const s = sums.get(k)!;
    if (s.weight > 0) out[k] = s.total / s.weight;
  }
  return out;
}

export function checkLength(update: Float32Array, layout: ModelLayout): void {
  if (update.length !== layout.size) {
    throw new LayoutMismatchError(`update has ${update.length} values, the model has ${layout.size}`, {
      details: { expected: layout.size, actual: update.length },
    });
  }
}

/**
 * Streaming weighted mean: Σ wᵢ·Δᵢ folded into one preallocated accumulator, divided by Σ wᵢ at the end.
 * Memory is one model-sized accumulator whatever the number of participants. A float64 accumulator lies in shared
 * memory and is offered as `linear`, so the job can fold on its opener threads.
 */
export class MeanAggregator implements FitAggregator {
  private readonly acc: Accumulator;
  private totalWeight = 0;
  private readonly included: string[] = [];
  readonly linear?: LinearFold;

  constructor(
    private readonly layout: ModelLayout,
    private readonly weighting: Weighting,
    accumulator: 'float64' | 'float32' = 'float64',
  ) {
    if (accumulator === 'float32') {
      this.acc = new Float32Array(layout.size);
    } else {
      const target = createFoldTarget(layout.size);
      this.acc = target.accumulator;
      this.linear = { target, record: (result) => this.record(result) };
    }
  }

  add(result: FitResult): void {
    checkLength(result.update, this.layout);
    foldWeighted(this.acc, result.update, this.record(result));
  }

  private record(result: Omit<FitResult, 'update'>): number {
    const weight = this.weighting === 'examples' ? result.numExamples : 1;
    this.totalWeight += weight;
    this.included.push(result.participant);
    return weight;
  }

  finish(): CombineResult {
    const combined = this.totalWeight > 0 ? scaled(this.acc, 1 / this.totalWeight) : new Float64Array(this.layout.size);
    return { combined, included: [...this.included], excluded: [], metrics: { totalWeight: this.totalWeight } };
  }
}

/** FedAvg (McMahan et al. 2017): the example-weighted mean of the deltas is the step. */
export class FedAvg extends BaseStrategy {
  readonly name: string = 'fedavg';
  constructor(protected readonly options: FedAvgOptions = {}) {
    super();
  }
  beginAggregation(layout: ModelLayout, options: { weighting?: Weighting } = {}): FitAggregator {
    return new MeanAggregator(layout, options.weighting ?? 'examples', this.options.accumulator);
  }
}
