/**
 * @cloister/contracts/development: what only a development or test setup needs. A local Hardhat node with the
 * Sapphire precompiles emulated (startLocalChain, sapphireMocks), the public development wallets and a one-call test
 * deployment. Production code imports `@cloister/contracts` only; this entry loads hardhat, solc and
 * @cloister/devstack, which are development dependencies (a test walks the production dependency closure).
 */
export * from './startLocalChain';
export * from './sapphireMocks';
export * from './wallets';
export * from './testDeployment';
