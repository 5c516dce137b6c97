/**
 * @cloister/contracts: TypeChain (ethers v6) bindings of the Cloister contracts and the helpers other packages
 * use to deploy, connect and sign in to the confidential views. The local development chain, the emulated Sapphire
 * precompiles and the development wallets live behind `@cloister/contracts/development` (src/development/), so
 * production code never loads hardhat, solc or devstack.
 */
export * from './typechain-types';
export * from './constants';
export * from './jsonRpcProvider';
export * from './connectChain';
export * from './errors';
export * from './deployment';
export * from './connection';
export * from './connectCloister';
export * from './deployCloister';
export * from './sapphire';
export * from './siweLogin';
export * from './roflAppId';
export * from './roundPages';
export * from './taskParams';
