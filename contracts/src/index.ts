/**
 * @cloister/contracts: TypeChain (ethers v6) bindings of the Cloister contracts and the helpers other packages
 * use to deploy, connect, run a local development chain with emulated Sapphire precompiles, and sign in to the
 * confidential views. Importing this module never loads the Hardhat runtime.
 */
export * from './typechain-types';
export * from './constants';
export * from './jsonRpcProvider';
export * from './errors';
export * from './deployment';
export * from './connection';
export * from './connectCloister';
export * from './deployCloister';
export * from './startLocalChain';
export * from './sapphireMocks';
export * from './sapphire';
export * from './siweLogin';
export * from './roflAppId';
export * from './roundPages';
export * from './development';
