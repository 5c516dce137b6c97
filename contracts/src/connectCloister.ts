import type { ContractRunner } from 'ethers';
import type { Deployment } from './deployment';
import { CLOISTER_FACTORIES, type CloisterContractKey } from './cloisterFactories';

/** Typed instances of the seven Cloister contracts. */
export type CloisterContracts = {
  [K in CloisterContractKey]: ReturnType<(typeof CLOISTER_FACTORIES)[K]['connect']>;
};

/**
 * Connects the typed bindings of a deployment to a runner (a provider for reads, a signer for transactions;
 * on Sapphire pass a signer wrapped with wrapForSapphire).
 */
export function connectCloister(deployment: Deployment, runner: ContractRunner | null): CloisterContracts {
  const keys = Object.keys(CLOISTER_FACTORIES) as CloisterContractKey[];
  return Object.fromEntries(
    keys.map((key) => [key, CLOISTER_FACTORIES[key].connect(deployment.contracts[key], runner)]),
  ) as CloisterContracts;
}
