// solidity-coverage: measure our contracts only (mocks and interfaces are test scaffolding).
module.exports = {
  skipFiles: ['mocks/', 'interfaces/'],
  configureYulOptimizer: true,
  istanbulReporter: ['text', 'json-summary', 'lcov'],
};
