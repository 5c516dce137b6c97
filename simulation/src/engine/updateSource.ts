// Where participants' updates come from: a seeded synthetic vector (benchmarks) or real local training (tfjs on a
// partition of a data set). The round loop only sees this interface.
import type { NamedTensor, TrainingTaskSpec, UpdatePayload } from '@cloister/protocol';
import { syntheticModel, syntheticUpdate, type SyntheticRecipe } from '../participants/syntheticUpdate';

export interface UpdateSource {
  /** Short description for logs and reports. */
  readonly label: string;
  /** Whether `update` needs the round's global model (downloaded once per round and hash-checked). */
  readonly needsGlobalModel: boolean;
  /** The task spec and the initial global model. */
  task(): Promise<{ spec: TrainingTaskSpec; initialModel: NamedTensor[] }>;
  /** Participant `participant`'s update for `round` (1-based), from the round's global model when needed. */
  update(participant: number, round: number, globalModel: NamedTensor[] | null): Promise<UpdatePayload>;
  /**
   * When set, the round loop asks for this instead of `update`: what the seal worker generates itself, where it seals
   * it (the participant's own machine, in a real federation), so no update is built or copied on the thread that
   * also runs the coordinator and the aggregator. Same payload as `update` gives.
   */
  recipe?(participant: number, round: number): SyntheticRecipe;
  /** Releases what the source holds (tfjs tensors). */
  close?(): Promise<void>;
}

/** A minimal valid training TaskSpec for a model that is only a vector (no tfjs topology is ever built from it). */
export function syntheticSpec(params: number): TrainingTaskSpec {
  return {
    version: 2,
    kind: 'training',
    name: `synthetic-${params}`,
    model: { topology: { synthetic: { parameters: params, note: 'benchmark vector, no layers' } } },
    training: {
      optimizer: 'sgd',
      learningRate: 0.01,
      loss: 'meanSquaredError',
      metrics: [],
      localEpochs: 1,
      batchSize: 32,
      fedProxMu: 0,
      clipNorm: null,
      noiseMultiplier: null,
    },
    data: { features: ['x'], scaling: { mean: [0], std: [1] } },
    aggregation: { strategy: 'fedavg', params: {}, updateNormBound: 1e6, dp: null },
  };
}

/** Seeded synthetic updates of `params` float32 values (deterministic per participant and round). */
export function syntheticSource(options: { params: number; seed: number }): UpdateSource {
  return {
    label: `synthetic P=${options.params}`,
    needsGlobalModel: false,
    async task() {
      return { spec: syntheticSpec(options.params), initialModel: syntheticModel(options.params) };
    },
    async update(participant, round) {
      return syntheticUpdate({ params: options.params, seed: options.seed, participant, round });
    },
    recipe(participant, round) {
      return { params: options.params, seed: options.seed, participant, round };
    },
  };
}
