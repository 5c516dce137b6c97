export { sfc32Words, mulberry32 } from './seededGenerators.js';
export { cryptoRandomSource, simulationOnlySeededRandomSource, type RandomSource } from './randomSource.js';
export {
  addDiscreteGaussianNoise,
  bernoulliExp,
  bernoulliExpBig,
  noiseGranularity,
  NOISE_GRID,
  sampleDiscreteGaussian,
  sampleDiscreteLaplace,
  type DiscreteNoise,
} from './discreteGaussian.js';
