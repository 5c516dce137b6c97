// @cloister/development-appd, DEVELOPMENT ONLY: an emulation of the ROFL app daemon for machines without a TEE.
// Production packages never depend on it (infra/src/conventions/productionDependencies.test.ts).
export * from './errors';
export { startDevelopmentAppd, deriveDevelopmentKey, type DevelopmentAppd, type DevelopmentAppdOptions } from './developmentAppd';
