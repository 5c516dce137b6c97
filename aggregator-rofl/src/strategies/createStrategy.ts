import { STRATEGIES, type StrategyName } from '@cloister/protocol';
import { StrategyParamsError, StrategyUnknownError } from '../errors';
import { FedAvg } from './fedavg';
import { FedAdagrad, FedAdam, FedAvgM, FedYogi } from './fedopt';
import { FLTrust } from './fltrust';
import { FedMedian, FedTrimmedMean, Krum } from './robust';
import type { Strategy } from './types';

// The names a task spec may use are defined once, in protocol's schema constants.
export const STRATEGY_NAMES = STRATEGIES;
export type { StrategyName };

const NUMERIC_PARAMS = new Set([
  'serverLearningRate',
  'serverMomentum',
  'eta',
  'beta1',
  'beta2',
  'tau',
  'beta',
  'numMalicious',
  'numToKeep',
  'maxUpdates',
]);

/** Builds a strategy from the task spec's `aggregation.strategy` and `aggregation.params`. */
export function createStrategy(name: string, params: Record<string, unknown> = {}): Strategy {
  const p: Record<string, number> = {};
  let accumulator: 'float64' | 'float32' | undefined;
  for (const [k, v] of Object.entries(params)) {
    if (k === 'accumulator') {
      if (v !== 'float64' && v !== 'float32') throw new StrategyParamsError('accumulator must be float64 or float32');
      accumulator = v;
    } else if (NUMERIC_PARAMS.has(k)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new StrategyParamsError(`${k} must be a finite number`);
      p[k] = v;
    } else {
      throw new StrategyParamsError(`unknown strategy parameter ${k}`, { details: { strategy: name, parameter: k } });
    }
  }
  const common = accumulator === undefined ? {} : { accumulator };
  switch (name) {
    case 'fedavg':
      return new FedAvg(common);
    case 'fedavgm':
      return new FedAvgM({ ...common, ...p });
    case 'fedadam':
      return new FedAdam({ ...common, ...p });
    case 'fedyogi':
      return new FedYogi({ ...common, ...p });
    case 'fedadagrad':
      return new FedAdagrad({ ...common, ...p });
    case 'median':
      return new FedMedian(p);
    case 'trimmed-mean':
      return new FedTrimmedMean(p);
    case 'krum':
      return new Krum({ ...p, multi: false });
    case 'multi-krum':
      return new Krum({ ...p, multi: true });
    case 'fltrust':
      return new FLTrust();
    default:
      throw new StrategyUnknownError(`unknown aggregation strategy "${name}"`, {
        details: { known: [...STRATEGY_NAMES] },
      });
  }
}
