import type { Deployment } from './deployment';
import {
  AggregatorRegistry__factory,
  CloisterGovernance__factory,
  InferenceCredit__factory,
  ModelKeyRegistry__factory,
  ParticipantRegistry__factory,
  RewardVault__factory,
  TaskManager__factory,
} from './typechain-types';

/** The TypeChain factory of each of the seven Cloister contracts, by its key in `Deployment.contracts`. */
export const CLOISTER_FACTORIES = {
  governance: CloisterGovernance__factory,
  participants: ParticipantRegistry__factory,
  aggregatorRegistry: AggregatorRegistry__factory,
  taskManager: TaskManager__factory,
  rewardVault: RewardVault__factory,
  modelKeys: ModelKeyRegistry__factory,
  inferenceCredit: InferenceCredit__factory,
} as const satisfies Record<keyof Deployment['contracts'], unknown>;

export type CloisterContractKey = keyof typeof CLOISTER_FACTORIES;
