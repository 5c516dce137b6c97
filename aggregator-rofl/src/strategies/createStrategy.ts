import {
  STRATEGIES,
  STRATEGY_PARAMS_SCHEMAS,
  validate,
  type StrategyChoice,
  type StrategyName,
  type StrategyParams,
} from '@cloister/protocol';
import { StrategyParamsError, StrategyUnknownError } from '../errors';
import { FedAvg } from './fedavg';
import { FedAdagrad, FedAdam, FedAvgM, FedYogi } from './fedopt';
import { FLTrust } from './fltrust';
import { FedMedian, FedTrimmedMean, Krum } from './robust';
import type { Strategy } from './types';

// The names a task spec may use, and each one's parameters, are defined once, in protocol's task spec schemas.
export const STRATEGY_NAMES = STRATEGIES;
export type { StrategyName, StrategyParams };

/**
 * Builds a strategy from its name and its own typed parameters (the task spec's `aggregation.strategy` and
 * `aggregation.params`). The parameters are checked against the strategy's schema again here (a spec is validated
 * before the vote; this guards callers that build one by hand): an unknown or unused parameter is an error.
 */
export function createStrategy<N extends StrategyName>(name: N, params?: StrategyParams<N>): Strategy;
export function createStrategy(name: StrategyName, params: Record<string, unknown> = {}): Strategy {
  if (!(STRATEGIES as readonly string[]).includes(name)) {
    throw new StrategyUnknownError(`unknown aggregation strategy "${name}"`, { details: { known: [...STRATEGY_NAMES] } });
  }
  try {
    validate(STRATEGY_PARAMS_SCHEMAS[name], params, `${name} parameters`);
  } catch (cause) {
    throw new StrategyParamsError(`invalid ${name} parameters: ${(cause as Error).message}`, {
      details: { strategy: name },
      cause,
    });
  }
  return build(name, params as StrategyParams);
}

/** How each strategy is made from its own typed parameters. */
const BUILDERS: { [N in StrategyName]: (params: StrategyParams<N>) => Strategy } = {
  fedavg: (params) => new FedAvg(params),
  fedavgm: (params) => new FedAvgM(params),
  fedadam: (params) => new FedAdam(params),
  fedyogi: (params) => new FedYogi(params),
  fedadagrad: (params) => new FedAdagrad(params),
  median: (params) => new FedMedian(params),
  'trimmed-mean': (params) => new FedTrimmedMean(params),
  krum: (params) => new Krum({ ...params, multi: false }),
  'multi-krum': (params) => new Krum({ ...params, multi: true }),
  fltrust: () => new FLTrust(),
};

function build<N extends StrategyName>(name: N, params: StrategyParams<N>): Strategy {
  return BUILDERS[name](params);
}

/** The strategy of a task spec's `aggregation` section (strategy name and its parameters, already typed together). */
export function strategyOf(choice: StrategyChoice): Strategy {
  return createStrategy(choice.strategy, choice.params as StrategyParams);
}
