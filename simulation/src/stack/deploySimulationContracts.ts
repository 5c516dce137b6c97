// The Cloister contracts as a simulation deploys them: one governance member (quorum 1), no challenge window, the
// simulation's development app id as the aggregator's ROFL app. Shared by the simulation stack and the fault suite,
// which runs the same chain with its services as separate processes.
import { deployCloister, saveDeployment, type Deployment } from '@cloister/contracts';
import { parseEther, toQuantity, type JsonRpcProvider, type Wallet } from 'ethers';
import type { JsonRpcBatcher } from '../chain/rpc';

/** bytes21 of the development app id: 0x00 ‖ "cloister/simulation!" (not a registered app). */
export const SIMULATION_APP_ID_BYTES21 = '0x00' + Buffer.from('cloister/simulation!', 'utf8').toString('hex');

/**
 * Funds `member` and `operator`, deploys from the node's first account with them in their roles, and saves the
 * deployment to `deploymentFile` (what the coordinator's `chain.deploymentFile` reads).
 */
export async function deploySimulationContracts(options: {
  provider: JsonRpcProvider;
  rpc: JsonRpcBatcher;
  member: Wallet;
  operator: Wallet;
  deploymentFile: string;
}): Promise<Deployment> {
  const { provider, rpc, member, operator } = options;
  await rpc.batch(
    [member.address, operator.address].map((a) => ({ method: 'hardhat_setBalance', params: [a, toQuantity(parseEther('1000000'))] })),
  );
  const deployment = await deployCloister({
    deployer: await provider.getSigner(0),
    members: [member.address],
    quorum: 1,
    votingPeriod: 3600,
    challengeWindow: 0,
    operator: operator.address,
    roflAppId: SIMULATION_APP_ID_BYTES21,
  });
  saveDeployment(options.deploymentFile, deployment);
  return deployment;
}
