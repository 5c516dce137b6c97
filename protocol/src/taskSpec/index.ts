export * from './strategyParams.js';
export * from './taskSpec.js';
