// @cloister/model-runtime: the task's tfjs model, local training and evaluation. One place for the participant node
// (training its update) and the aggregator in the TEE (FLTrust's reference update, coalition evaluations on the
// validation set, inference).
export * from './errors';
export { silentLogger, type Logger } from './logger';
export { initBackend, type BackendInfo, type BackendPreference, type InitBackendOptions } from './backend';
export {
  registerWasmGradientKernels,
  conv2dBackpropFilterViaConv,
  conv2dBackpropInputViaConv,
  WASM_GRADIENT_KERNELS,
} from './wasmKernels';
export { mnistCnnModel, mnistCnnTopology } from './mnistCnn';
export { buildModel, setModelWeights, readModelWeights, weightSpecs, assertWeightsMatch } from './model';
export { trainLocal, evaluateModel, type TrainLocalOptions, type TrainLocalResult, type TrainProgress, type EvaluationResult } from './train';
export { computeDeltas, l2Norm, clipInPlace, addDiscreteGaussianNoiseInPlace } from './update';
export { createOptimizer, lossFunction, metricFunction, LOSS_NAMES, type LossFn, type MetricFn } from './losses';
export { createRng, permutation, type Rng } from './rng';
export type { NamedTensor, TrainingSettings, Examples, LocalDataset, OptimizerName, LossName, MetricName } from './types';
export type { LayersModel } from '@tensorflow/tfjs';
