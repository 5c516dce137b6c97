// Shared jest settings: @swc/jest compiles TypeScript without type checking (tsc does that in `typecheck`),
// and workspace imports resolve to the sibling package's sources so tests never need a prior build.
const path = require('node:path');

/** @param {string} packageDir */
module.exports = function jestPreset(packageDir) {
  return {
    rootDir: packageDir,
    testEnvironment: 'node',
    roots: ['<rootDir>/src', '<rootDir>/test'].filter((p) =>
      require('node:fs').existsSync(p.replace('<rootDir>', packageDir)),
    ),
    transform: {
      '^.+\\.(t|j)sx?$': [
        require.resolve('@swc/jest'),
        { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
      ],
    },
    moduleNameMapper: {
      // NodeNext makes relative imports end in .js; the sources are .ts.
      '^(\\.{1,2}/.*)\\.js$': '$1',
      // Subpath entries: the development entries of contracts (local chain, Sapphire mocks, development wallets) and of
      // coordinator (its configuration on a local test deployment).
      '^@cloister/contracts/development$': path.join(__dirname, 'contracts/src/development/index.ts'),
      '^@cloister/coordinator/development$': path.join(__dirname, 'coordinator/src/development/index.ts'),
      '^@cloister/(protocol|devstack|contracts|coordinator|aggregator-rofl|development-appd|client|infra|simulation|cli|model-runtime)$': path.join(__dirname, '$1/src/index.ts'),
    },
    testMatch: ['**/?(*.)test.ts'],
    // Tests run in a random order within each file, every run, and print the seed (rerun one order with
    // `npx jest --seed=<seed>`): no test may depend on another having run before it (integration tests that build on
    // a round share it through devstack's step(), which runs it for whichever test asks first).
    randomize: true,
    showSeed: true,
    // A connection or child process left behind by a failed stop must not turn a finished run into a hang until CI's
    // time limit: jest exits once the tests are done and prints "Force exiting Jest" when something was left open,
    // which a reviewer sees in the log (each package's services are still stopped in afterAll and asserted there).
    forceExit: true,
    // jest's 5 s default is a timing assertion in disguise: crypto and worker-thread tests took longer than that on a
    // loaded 2-core machine while passing. A bound remains (a hung test still fails), long enough not to measure speed.
    testTimeout: 60_000,
  };
};
