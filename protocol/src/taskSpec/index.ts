export * from './defaultTraining.js';
export * from './strategyParams.js';
export * from './taskSpec.js';
