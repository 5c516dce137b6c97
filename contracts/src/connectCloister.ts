import type { ContractRunner } from 'ethers';
import type { Deployment } from './deployment';
import {
  AggregatorRegistry__factory,
  CloisterGovernance__factory,
  InferenceCredit__factory,
  ModelKeyRegistry__factory,
  ParticipantRegistry__factory,
  RewardVault__factory,
  TaskManager__factory,
  type AggregatorRegistry,
  type CloisterGovernance,
  type InferenceCredit,
  type ModelKeyRegistry,
  type ParticipantRegistry,
  type RewardVault,
  type TaskManager,
} from './typechain-types';

/** Typed instances of the seven Cloister contracts. */
export type CloisterContracts = {
  governance: CloisterGovernance;
  participants: ParticipantRegistry;
  aggregatorRegistry: AggregatorRegistry;
  taskManager: TaskManager;
  rewardVault: RewardVault;
  modelKeys: ModelKeyRegistry;
  inferenceCredit: InferenceCredit;
};

/**
 * Connects the typed bindings of a deployment to a runner (a provider for reads, a signer for transactions;
 * on Sapphire pass a signer wrapped with wrapForSapphire).
 */
export function connectCloister(deployment: Deployment, runner: ContractRunner | null): CloisterContracts {
  const c = deployment.contracts;
  return {
    governance: CloisterGovernance__factory.connect(c.governance, runner),
    participants: ParticipantRegistry__factory.connect(c.participants, runner),
    aggregatorRegistry: AggregatorRegistry__factory.connect(c.aggregatorRegistry, runner),
    taskManager: TaskManager__factory.connect(c.taskManager, runner),
    rewardVault: RewardVault__factory.connect(c.rewardVault, runner),
    modelKeys: ModelKeyRegistry__factory.connect(c.modelKeys, runner),
    inferenceCredit: InferenceCredit__factory.connect(c.inferenceCredit, runner),
  };
}
