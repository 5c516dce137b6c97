import { StateCorruptError } from '../errors';
import type { ModelLayout } from '../model/layout';
import { decodeState, encodeState } from '../state/stateStore';
import { FedAvg, type FedAvgOptions } from './fedavg';
import { adaptiveStep, l2Norm, momentumStep, toFloat32, type AdaptiveKind, type AdaptiveParams } from './math';
import type { RoundContext, ServerUpdate } from './types';

/** Key of the state saved after `round` (a retried round reloads round − 1 and recomputes: idempotent). */
export function stateKey(taskId: bigint, strategy: string, round: bigint): string {
  return `task-${taskId}.${strategy}.round-${round}`;
}

type Loaded = { vectors: Record<string, Float64Array>; steps: number } | null;

/** FedAvg's combine, followed by a server optimizer with state persisted per round in the StateStore. */
abstract class ServerOptimizer extends FedAvg {
  protected loaded: Loaded = null;

  override async initialize(context: RoundContext): Promise<void> {
    this.loaded = null;
    if (context.round <= 1n) return;
    const bytes = await context.stateStore.get(stateKey(context.taskId, this.name, context.round - 1n));
    if (bytes === null) return; // no earlier state (fresh instance storage): start from zero, as round 1 does
    let record;
    try {
      record = decodeState(bytes);
    } catch (error) {
      throw new StateCorruptError(`cannot read ${this.name} state for round ${context.round - 1n}`, { cause: error });
    }
    for (const v of Object.values(record.vectors)) {
      if (v.length !== context.layout.size) {
        throw new StateCorruptError(`${this.name} state has ${v.length} values, the model has ${context.layout.size}`);
      }
    }
    this.loaded = { vectors: record.vectors, steps: Number(record.meta.steps ?? 0) };
  }

  protected vector(name: string, layout: ModelLayout): Float64Array {
    return this.loaded?.vectors[name]?.slice() ?? new Float64Array(layout.size);
  }

  protected async save(context: RoundContext, vectors: Record<string, Float64Array>, steps: number): Promise<void> {
    await context.stateStore.put(
      stateKey(context.taskId, this.name, context.round),
      encodeState({ meta: { steps, round: context.round.toString() }, vectors }),
    );
  }
}

export type FedAvgMOptions = FedAvgOptions & { serverLearningRate?: number; serverMomentum?: number };

/** FedAvgM (Hsu et al. 2019; Flower's FedAvgM): v ← μ·v + Δ̄, step = η·v. */
export class FedAvgM extends ServerOptimizer {
  override readonly name: string = 'fedavgm';
  constructor(private readonly params: FedAvgMOptions = {}) {
    super(params);
  }
  override async applyServerUpdate(combined: Float64Array, context: RoundContext): Promise<ServerUpdate> {
    const lr = this.params.serverLearningRate ?? 1;
    const mu = this.params.serverMomentum ?? 0;
    const velocity = this.vector('velocity', context.layout);
    const first = this.loaded === null;
    const step = momentumStep(velocity, combined, mu, lr, first);
    await this.save(context, { velocity }, (this.loaded?.steps ?? 0) + 1);
    return { delta: toFloat32(step), metrics: { serverMomentumNorm: l2Norm(velocity) } };
  }
}

export type FedOptOptions = FedAvgOptions & Partial<AdaptiveParams>;

/** Flower's defaults per optimizer. */
const DEFAULTS: Record<AdaptiveKind, AdaptiveParams> = {
  adam: { eta: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-9 },
  yogi: { eta: 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-3 },
  adagrad: { eta: 0.1, beta1: 0, beta2: 0, tau: 1e-9 },
};

abstract class AdaptiveStrategy extends ServerOptimizer {
  protected abstract readonly kind: AdaptiveKind;
  constructor(private readonly params: FedOptOptions = {}) {
    super(params);
  }
  get adaptiveParams(): AdaptiveParams {
    const d = DEFAULTS[this.kind];
    return {
      eta: this.params.eta ?? d.eta,
      beta1: this.params.beta1 ?? d.beta1,
      beta2: this.params.beta2 ?? d.beta2,
      tau: this.params.tau ?? d.tau,
    };
  }
  override async applyServerUpdate(combined: Float64Array, context: RoundContext): Promise<ServerUpdate> {
    const m = this.vector('m', context.layout);
    const v = this.vector('v', context.layout);
    const steps = (this.loaded?.steps ?? 0) + 1;
    const step = adaptiveStep(this.kind, m, v, combined, this.adaptiveParams, steps);
    await this.save(context, { m, v }, steps);
    return { delta: toFloat32(step), metrics: { serverSteps: steps } };
  }
}

/** FedAdam (Reddi et al. 2021). */
export class FedAdam extends AdaptiveStrategy {
  override readonly name: string = 'fedadam';
  protected readonly kind = 'adam' as const;
}
/** FedYogi (Reddi et al. 2021). */
export class FedYogi extends AdaptiveStrategy {
  override readonly name: string = 'fedyogi';
  protected readonly kind = 'yogi' as const;
}
/** FedAdagrad (Reddi et al. 2021). */
export class FedAdagrad extends AdaptiveStrategy {
  override readonly name: string = 'fedadagrad';
  protected readonly kind = 'adagrad' as const;
}
