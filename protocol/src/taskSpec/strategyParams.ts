// One parameter schema per aggregation strategy. A task spec names a strategy and its parameters; a parameter the
// strategy does not take (a typo, or one that belongs to another strategy) is refused when the spec is validated, so a
// governance vote can never approve a parameter that would be silently dropped.
import { Type, type Static, type TObject } from '@sinclair/typebox';
import type { StrategyName } from '../schemas/constants.js';

const Accumulator = Type.Union([Type.Literal('float64'), Type.Literal('float32')], {
  description: 'precision of the running sum (float64 by default)',
});
const MaxUpdates = Type.Integer({
  minimum: 1,
  description: 'most updates held in memory at once (these rules need every update; 256 by default)',
});
const strict = { additionalProperties: false } as const;

export const FedAvgParamsSchema = Type.Object({ accumulator: Type.Optional(Accumulator) }, strict);
export const FedAvgMParamsSchema = Type.Object(
  {
    accumulator: Type.Optional(Accumulator),
    serverLearningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'η (1 by default)' })),
    serverMomentum: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'μ (0 by default)' })),
  },
  strict,
);
const adaptive = {
  accumulator: Type.Optional(Accumulator),
  eta: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'server learning rate η' })),
  tau: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'adaptivity τ' })),
};
const moments = {
  beta1: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'first-moment decay β₁' })),
  beta2: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'second-moment decay β₂' })),
};
export const FedAdamParamsSchema = Type.Object({ ...adaptive, ...moments }, strict);
export const FedYogiParamsSchema = Type.Object({ ...adaptive, ...moments }, strict);
/** FedAdagrad takes no β (Flower's FedAdagrad fixes β₁ = β₂ = 0). */
export const FedAdagradParamsSchema = Type.Object(adaptive, strict);
export const MedianParamsSchema = Type.Object({ maxUpdates: Type.Optional(MaxUpdates) }, strict);
export const TrimmedMeanParamsSchema = Type.Object(
  {
    maxUpdates: Type.Optional(MaxUpdates),
    beta: Type.Optional(
      Type.Number({ minimum: 0, exclusiveMaximum: 0.5, description: 'share trimmed from each end (0.2 by default)' }),
    ),
  },
  strict,
);
const numMalicious = Type.Integer({ minimum: 0, description: 'f, the number of Byzantine participants tolerated' });
export const KrumParamsSchema = Type.Object(
  { maxUpdates: Type.Optional(MaxUpdates), numMalicious: Type.Optional(numMalicious) },
  strict,
);
export const MultiKrumParamsSchema = Type.Object(
  {
    maxUpdates: Type.Optional(MaxUpdates),
    numMalicious: Type.Optional(numMalicious),
    numToKeep: Type.Optional(Type.Integer({ minimum: 1, description: 'm, updates averaged (n − f by default)' })),
  },
  strict,
);

/** FLTrust takes no parameters: its reference update is trained with the task's training settings. */
export const FLTrustParamsSchema = Type.Object({}, strict);

/** The parameter schema of each strategy, by name. */
export const STRATEGY_PARAMS_SCHEMAS = {
  fedavg: FedAvgParamsSchema,
  fedavgm: FedAvgMParamsSchema,
  fedadam: FedAdamParamsSchema,
  fedyogi: FedYogiParamsSchema,
  fedadagrad: FedAdagradParamsSchema,
  median: MedianParamsSchema,
  'trimmed-mean': TrimmedMeanParamsSchema,
  krum: KrumParamsSchema,
  'multi-krum': MultiKrumParamsSchema,
  fltrust: FLTrustParamsSchema,
} as const satisfies Record<StrategyName, TObject>;

/** The parameters strategy `N` takes. */
export type StrategyParams<N extends StrategyName = StrategyName> = Static<(typeof STRATEGY_PARAMS_SCHEMAS)[N]>;

/** Strategies whose combine is a mean of the updates: the only ones central DP can wrap (clipping bounds a mean). */
export const MEAN_STRATEGIES = ['fedavg', 'fedavgm', 'fedadam', 'fedyogi', 'fedadagrad'] as const satisfies readonly StrategyName[];

/** A strategy and its typed parameters (discriminated by `strategy`). */
export type StrategyChoice = { [N in StrategyName]: { strategy: N; params: StrategyParams<N> } }[StrategyName];
