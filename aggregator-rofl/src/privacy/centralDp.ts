import { DpUnsupportedError, StrategyParamsError, StateCorruptError } from '../errors';
import type { ModelLayout } from '../model/layout';
import {
  FedAvg,
  clipFactor,
  l2Norm,
  type CombineResult,
  type FitAggregator,
  type FitResult,
  type RoundConfig,
  type RoundContext,
  type ServerUpdate,
  type Strategy,
} from '../strategies';
import { addDiscreteGaussianNoise, cryptoRandomSource, type RandomSource } from '@cloister/protocol';
import { RdpAccountant, type AccountantState } from './rdp';

export type CentralDpOptions = {
  /** C: each update is scaled to L2 norm ≤ C. */
  clipNorm: number;
  /** z: noise standard deviation relative to the sensitivity of the sum (C). */
  noiseMultiplier: number;
  /** δ at which ε is reported. */
  delta: number;
  /** Probability that a participant takes part in a round (1 = every admitted participant, the default here). */
  samplingRate?: number;
  /**
   * Where the noise's randomness comes from: node:crypto (the default, and the only choice for a real aggregator);
   * simulations and tests pass protocol's simulationOnlySeededRandomSource.
   */
  random?: RandomSource;
};

export function accountantKey(taskId: bigint, round: bigint): string {
  return `task-${taskId}.dp-accountant.round-${round}`;
}

/**
 * Central DP with fixed clipping (DP-FedAvg, McMahan et al. 2018; Flower's DifferentialPrivacyServerSideFixedClipping),
 * wrapping a mean-based strategy:
 *   1. every update Δᵢ is clipped to ‖Δᵢ‖ ≤ C;
 *   2. the inner strategy averages them with UNIFORM weights: mean = Σ Δᵢ / n;
 *   3. Gaussian noise N(0, σ²) with σ = z·C / n is added to every coordinate of the mean: the discrete Gaussian of
 *      Canonne–Kamath–Steinke on the grid g of protocol's addDiscreteGaussianNoise (σ/g ≥ 2^10, the mean snapped to
 *      the grid first), drawn from node:crypto;
 *   4. the inner strategy's server optimizer (if any) runs on the noised mean, so its state never sees raw data.
 * Uniform weighting and the count n (not Σ examples) are deliberate: example counts are self-reported by participants,
 * and an example-weighted mean has sensitivity C·max(wᵢ)/Σwᵢ, which one participant could inflate by over-reporting.
 * With uniform weights one participant moves the sum by at most C, so z is exactly the noise multiplier of a Gaussian
 * mechanism with sensitivity 1 in units of C (the add/remove-one-participant relation at fixed n).
 * Median, trimmed mean and Krum are refused: clipping does not bound their sensitivity in this way.
 */
export class CentralDp implements Strategy {
  readonly name: string;
  private accountant = new RdpAccountant();
  private readonly random: RandomSource;

  constructor(
    private readonly inner: Strategy,
    private readonly options: CentralDpOptions,
  ) {
    if (!(inner instanceof FedAvg)) {
      throw new DpUnsupportedError(`central DP needs a mean-based strategy, not ${inner.name}`, {
        details: { strategy: inner.name, supported: ['fedavg', 'fedavgm', 'fedadam', 'fedyogi', 'fedadagrad'] },
      });
    }
    const { clipNorm, noiseMultiplier, delta } = options;
    const q = options.samplingRate ?? 1;
    if (!(clipNorm > 0 && Number.isFinite(clipNorm))) throw new StrategyParamsError('dp.clipNorm must be > 0');
    if (!(noiseMultiplier >= 0 && Number.isFinite(noiseMultiplier))) throw new StrategyParamsError('dp.noiseMultiplier must be ≥ 0');
    if (!(delta > 0 && delta < 1)) throw new StrategyParamsError('dp.delta must be in (0, 1)');
    if (!(q > 0 && q <= 1)) throw new StrategyParamsError('dp.samplingRate must be in (0, 1]');
    this.name = `dp(${inner.name})`;
    this.random = options.random ?? cryptoRandomSource();
  }

  async initialize(context: RoundContext): Promise<void> {
    await this.inner.initialize(context);
    this.accountant = new RdpAccountant();
    if (context.round <= 1n) return;
    const bytes = await context.stateStore.get(accountantKey(context.taskId, context.round - 1n));
    if (bytes === null) return;
    try {
      const state = JSON.parse(Buffer.from(bytes).toString('utf8')) as AccountantState;
      state.rdp = state.rdp.map((r) => (r === null ? Number.POSITIVE_INFINITY : r));
      this.accountant = new RdpAccountant(state);
    } catch (error) {
      throw new StateCorruptError('cannot read the DP accountant state', { cause: error });
    }
  }

  configureRound(context: RoundContext): RoundConfig {
    return { ...this.inner.configureRound(context), weighting: 'uniform' };
  }

  beginAggregation(layout: ModelLayout): FitAggregator {
    const inner = this.inner.beginAggregation(layout, { weighting: 'uniform' });
    const { clipNorm, noiseMultiplier } = this.options;
    const scratch = new Float32Array(layout.size);
    let clipped = 0;
    const random = this.random;
    return {
      add(result: FitResult): void {
        const factor = clipFactor(l2Norm(result.update), clipNorm);
        if (factor < 1) {
          clipped += 1;
          for (let i = 0; i < scratch.length; i += 1) scratch[i] = result.update[i]! * factor;
          inner.add({ ...result, update: scratch });
        } else {
          inner.add(result);
        }
      },
      finish(): CombineResult {
        const out = inner.finish();
        const n = out.included.length;
        let sigma = n > 0 ? (noiseMultiplier * clipNorm) / n : 0;
        let granularity = 0;
        if (sigma > 0) {
          // One participant moves the uniform mean by at most C/n: the sensitivity the grid is sized against.
          const noise = addDiscreteGaussianNoise(out.combined, { sigma, sensitivity: clipNorm / n }, random);
          sigma = noise.sigma;
          granularity = noise.granularity;
        }
        return { ...out, metrics: { ...out.metrics, dpClipped: clipped, dpNoiseStd: sigma, dpNoiseGranularity: granularity } };
      },
    };
  }

  async applyServerUpdate(combined: Float64Array, context: RoundContext): Promise<ServerUpdate> {
    const result = await this.inner.applyServerUpdate(combined, context);
    this.accountant.compose(this.options.noiseMultiplier, this.options.samplingRate ?? 1);
    await context.stateStore.put(
      accountantKey(context.taskId, context.round),
      Buffer.from(JSON.stringify(this.accountant.toJSON())),
    );
    const { epsilon, order } = this.accountant.epsilon(this.options.delta);
    return {
      delta: result.delta,
      privacy: { epsilon, delta: this.options.delta, rounds: this.accountant.rounds },
      metrics: {
        ...result.metrics,
        dpEpsilon: epsilon,
        dpDelta: this.options.delta,
        dpOrder: order,
        dpRounds: this.accountant.rounds,
        dpClipNorm: this.options.clipNorm,
        dpNoiseMultiplier: this.options.noiseMultiplier,
      },
    };
  }

  aggregateEvaluate(results: readonly { numExamples: number; metrics: Record<string, number> }[]): Record<string, number> {
    return this.inner.aggregateEvaluate(results);
  }
}
