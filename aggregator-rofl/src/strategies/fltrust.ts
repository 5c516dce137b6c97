import { TaskSpecInvalidError } from '../errors';
import type { ModelLayout } from '../model/layout';
import { BaseStrategy, checkLength } from './fedavg';
import { dot, foldWeighted, l2Norm, scaled } from './math';
import type { CombineResult, FitAggregator, FitResult, RoundConfig, RoundContext } from './types';

/**
 * FLTrust (Cao, Fang, Liu, Gong, NDSS 2021): the server trains a reference update g₀ on a small clean data set it
 * holds (here the task author's validation set, which only the TEE opens), then each update gᵢ gets trust
 * TSᵢ = ReLU(cos(gᵢ, g₀)) and is rescaled to ‖g₀‖ before the trust-weighted mean: Σ TSᵢ·(‖g₀‖/‖gᵢ‖)·gᵢ / Σ TSᵢ.
 * An update pointing away from g₀ (sign flip) gets no weight, and rescaling removes the advantage of a large norm
 * (scaling attacks). Streaming: one accumulator, each update folded as it arrives (g₀ is trained before the fold).
 * No parameters. Example counts play no part in the weights.
 */
export class FLTrust extends BaseStrategy {
  readonly name = 'fltrust';
  private reference: Float32Array | undefined;

  override async initialize(context: RoundContext): Promise<void> {
    if (context.validation === undefined) {
      throw new TaskSpecInvalidError('fltrust needs a validation set sealed to the TEE (task spec validationSet) to train its reference update');
    }
    this.reference = await context.validation.referenceUpdate();
  }

  override configureRound(): RoundConfig {
    return { maxUpdates: Number.POSITIVE_INFINITY, weighting: 'uniform' };
  }

  beginAggregation(layout: ModelLayout): FitAggregator {
    if (this.reference === undefined) throw new TaskSpecInvalidError('fltrust: initialize() must train the reference update first');
    return new TrustAggregator(layout, this.reference);
  }
}

export class TrustAggregator implements FitAggregator {
  private readonly acc: Float64Array;
  private readonly referenceNorm: number;
  private totalTrust = 0;
  private readonly included: string[] = [];
  private readonly coefficients = new Map<string, { a: number; b: number }>();
  private trusted = 0;

  constructor(
    private readonly layout: ModelLayout,
    private readonly reference: Float32Array,
  ) {
    checkLength(reference, layout);
    this.acc = new Float64Array(layout.size);
    this.referenceNorm = l2Norm(reference);
  }

  add(result: FitResult): void {
    checkLength(result.update, this.layout);
    const norm = l2Norm(result.update);
    const cosine = norm > 0 && this.referenceNorm > 0 ? dot(result.update, this.reference) / (norm * this.referenceNorm) : 0;
    const trust = Math.max(0, cosine);
    const a = trust > 0 ? (trust * this.referenceNorm) / norm : 0;
    if (a > 0) {
      foldWeighted(this.acc, result.update, a);
      this.trusted += 1;
    }
    this.totalTrust += trust;
    this.included.push(result.participant);
    this.coefficients.set(result.participant, { a, b: trust });
  }

  finish(): CombineResult {
    const combined = this.totalTrust > 0 ? scaled(this.acc, 1 / this.totalTrust) : new Float64Array(this.layout.size);
    return {
      combined,
      included: [...this.included],
      excluded: [],
      metrics: { trusted: this.trusted, untrusted: this.included.length - this.trusted, referenceNorm: this.referenceNorm },
      coefficients: this.coefficients,
    };
  }
}
