export * from './types';
export * from './math';
export { BaseStrategy, FedAvg, MeanAggregator, weightedMetrics } from './fedavg';
export { FedAvgM, FedAdam, FedYogi, FedAdagrad, stateKey } from './fedopt';
export { FLTrust, TrustAggregator } from './fltrust';
export { FedMedian, FedTrimmedMean, Krum, DEFAULT_MAX_UPDATES_IN_MEMORY } from './robust';
export { createStrategy, strategyOf, STRATEGY_NAMES, type StrategyName, type StrategyParams } from './createStrategy';
