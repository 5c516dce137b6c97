import { ethers, type Wallet } from 'ethers';
import { startTestDeployment, type TestDeployment } from '@cloister/contracts/development';

export { createTestTask as createTask, governAlone as govern } from '@cloister/contracts/development';

export type TestChain = TestDeployment & { participants: Wallet[]; outsider: Wallet };

/**
 * contracts' startTestDeployment (Hardhat node with the Sapphire mocks, one governance member, the aggregator
 * authorized as a ROFL origin and registered as aggregatorSigner() with a placeholder HPKE key), with four
 * participant accounts and an outsider.
 */
export async function startTestChain(options: { challengeWindow: number }): Promise<TestChain> {
  const t = await startTestDeployment({ challengeWindow: options.challengeWindow, aggregatorPublicKey: ethers.id('hpke-public-key') });
  return { ...t, participants: [4, 5, 6, 7].map((i) => t.wallet(i)), outsider: t.wallet(8) };
}
