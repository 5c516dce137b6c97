import { getAddress, isAddress, type Signer } from 'ethers';
import { HARDHAT_CHAIN_ID, SAPPHIRE_PRECOMPILES } from './constants';
import type { Deployment } from './deployment';
import { DeployOptionsInvalidError, SapphireMocksMissingError } from './errors';
import { roflAppIdToBytes21 } from './roflAppId';
import { isSapphireChain } from './sapphire';
import {
  AggregatorRegistry__factory,
  CloisterGovernance__factory,
  InferenceCredit__factory,
  ModelKeyRegistry__factory,
  ParticipantRegistry__factory,
  RewardVault__factory,
  TaskManager__factory,
} from './typechain-types';

export type DeployCloisterOptions = {
  /** Pays for and sends the deployment transactions (wrap it with wrapForSapphire on Sapphire). */
  deployer: Signer;
  /** Founding governance members. */
  members: string[];
  /** Yes votes needed (1..members.length). */
  quorum: number;
  /** Voting period in seconds. */
  votingPeriod: number;
  /** Seconds after finalization during which governance may reject a round. */
  challengeWindow: number;
  /** The coordinator's operator account (opens rounds). */
  operator: string;
  /** The aggregator's ROFL app id (`rofl1…` or bytes21 hex); omitted = unset (governance sets it later). */
  roflAppId?: string;
  /** SIWE domain of RewardVault, ModelKeyRegistry and InferenceCredit tokens; default `localhost`. */
  siweDomain?: string;
  /** Network name written into the Deployment; default derived from the chain id. */
  network?: string;
};

const ZERO_APP_ID = '0x' + '00'.repeat(21);

function networkName(chainId: number): string {
  switch (chainId) {
    case 23294:
      return 'sapphire-mainnet';
    case 23295:
      return 'sapphire-testnet';
    case 23293:
      return 'sapphire-localnet';
    case HARDHAT_CHAIN_ID:
      return 'localhost';
    default:
      return `chain-${chainId}`;
  }
}

function validate(options: DeployCloisterOptions): void {
  const fail = (why: string) =>
    new DeployOptionsInvalidError(`deployCloister: ${why}`);
  if (options.members.length === 0) throw fail('at least one governance member is required');
  for (const m of options.members) if (!isAddress(m)) throw fail(`member ${JSON.stringify(m)} is not an address`);
  if (new Set(options.members.map((m) => getAddress(m))).size !== options.members.length) {
    throw fail('members must be distinct');
  }
  if (!Number.isSafeInteger(options.quorum) || options.quorum < 1 || options.quorum > options.members.length) {
    throw fail(`quorum must be an integer in 1..${options.members.length}`);
  }
  if (!Number.isSafeInteger(options.votingPeriod) || options.votingPeriod < 1) {
    throw fail('votingPeriod must be a positive number of seconds');
  }
  if (!Number.isSafeInteger(options.challengeWindow) || options.challengeWindow < 0) {
    throw fail('challengeWindow must be a non-negative number of seconds');
  }
  if (!isAddress(options.operator)) throw fail('operator must be an address');
}

/**
 * Deploys CloisterGovernance, ParticipantRegistry, AggregatorRegistry, RewardVault, TaskManager, ModelKeyRegistry
 * and InferenceCredit, binds the vault to the task manager, and returns the Deployment (not saved: see saveDeployment). On a development chain
 * the Sapphire precompile mocks must be installed first (installSapphireMocks).
 */
export async function deployCloister(options: DeployCloisterOptions): Promise<Deployment> {
  validate(options);
  const { deployer } = options;
  const provider = deployer.provider;
  if (!provider) {
    throw new DeployOptionsInvalidError('deployCloister: the deployer needs a provider');
  }
  const chainId = Number((await provider.getNetwork()).chainId);
  if (!isSapphireChain(chainId) && (await provider.getCode(SAPPHIRE_PRECOMPILES.randomBytes)) === '0x') {
    throw new SapphireMocksMissingError(`chain ${chainId} has no Sapphire precompiles: call installSapphireMocks(provider) before deployCloister`, { details: { chainId } });
  }
  const appId = options.roflAppId ? roflAppIdToBytes21(options.roflAppId) : ZERO_APP_ID;

  const governance = await new CloisterGovernance__factory(deployer).deploy(
    options.members,
    options.quorum,
    options.votingPeriod,
  );
  const firstReceipt = await governance.deploymentTransaction()?.wait();
  const governanceAddress = await governance.getAddress();

  const participants = await new ParticipantRegistry__factory(deployer).deploy(governanceAddress);
  await participants.waitForDeployment();
  const aggregatorRegistry = await new AggregatorRegistry__factory(deployer).deploy(governanceAddress, appId);
  await aggregatorRegistry.waitForDeployment();
  const rewardVault = await new RewardVault__factory(deployer).deploy(
    governanceAddress,
    options.siweDomain ?? 'localhost',
  );
  await rewardVault.waitForDeployment();
  const taskManager = await new TaskManager__factory(deployer).deploy(
    governanceAddress,
    await participants.getAddress(),
    await aggregatorRegistry.getAddress(),
    await rewardVault.getAddress(),
    options.operator,
    options.challengeWindow,
  );
  await taskManager.waitForDeployment();
  await (await rewardVault.bindTaskManager(await taskManager.getAddress())).wait();
  const siweDomain = options.siweDomain ?? 'localhost';
  const modelKeys = await new ModelKeyRegistry__factory(deployer).deploy(
    governanceAddress,
    await participants.getAddress(),
    await aggregatorRegistry.getAddress(),
    siweDomain,
  );
  await modelKeys.waitForDeployment();
  const inferenceCredit = await new InferenceCredit__factory(deployer).deploy(
    governanceAddress,
    await taskManager.getAddress(),
    await aggregatorRegistry.getAddress(),
    siweDomain,
  );
  await inferenceCredit.waitForDeployment();

  return {
    network: options.network ?? networkName(chainId),
    chainId,
    roflAppId: appId,
    blockNumber: firstReceipt?.blockNumber ?? 0,
    contracts: {
      governance: governanceAddress,
      participants: await participants.getAddress(),
      aggregatorRegistry: await aggregatorRegistry.getAddress(),
      taskManager: await taskManager.getAddress(),
      rewardVault: await rewardVault.getAddress(),
      modelKeys: await modelKeys.getAddress(),
      inferenceCredit: await inferenceCredit.getAddress(),
    },
  };
}
