export * from './wallets';
export * from './testDeployment';
