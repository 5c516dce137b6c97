import { getAddress, isAddress, type BaseContract, type Signer } from 'ethers';
import { CLOISTER_FACTORIES as factories } from './cloisterFactories';
import { HARDHAT_CHAIN_ID, SAPPHIRE_PRECOMPILES } from './constants';
import type { Deployment } from './deployment';
import { DeployOptionsInvalidError, SapphireMocksMissingError } from './errors';
import { roflAppIdToBytes21 } from './roflAppId';
import { isSapphireChain } from './sapphire';

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
  const siweDomain = options.siweDomain ?? 'localhost';
  const governance = await new factories.governance(deployer).deploy(options.members, options.quorum, options.votingPeriod);
  const firstReceipt = await governance.deploymentTransaction()?.wait();
  const governanceAddress = await governance.getAddress();
  const participants = await mined(new factories.participants(deployer).deploy(governanceAddress));
  const participantsAddress = await participants.getAddress();
  const aggregatorRegistry = await mined(new factories.aggregatorRegistry(deployer).deploy(governanceAddress, appId));
  const registryAddress = await aggregatorRegistry.getAddress();
  const rewardVault = await mined(new factories.rewardVault(deployer).deploy(governanceAddress, siweDomain));
  const vaultAddress = await rewardVault.getAddress();
  const taskManager = await mined(
    new factories.taskManager(deployer).deploy(
      governanceAddress,
      participantsAddress,
      registryAddress,
      vaultAddress,
      options.operator,
      options.challengeWindow,
    ),
  );
  const taskManagerAddress = await taskManager.getAddress();
  await (await rewardVault.bindTaskManager(taskManagerAddress)).wait();
  const modelKeys = await mined(
    new factories.modelKeys(deployer).deploy(governanceAddress, participantsAddress, registryAddress, siweDomain),
  );
  const inferenceCredit = await mined(
    new factories.inferenceCredit(deployer).deploy(governanceAddress, taskManagerAddress, registryAddress, siweDomain),
  );

  return {
    network: options.network ?? networkName(chainId),
    chainId,
    roflAppId: appId,
    blockNumber: firstReceipt?.blockNumber ?? 0,
    contracts: {
      governance: governanceAddress,
      participants: participantsAddress,
      aggregatorRegistry: registryAddress,
      taskManager: taskManagerAddress,
      rewardVault: vaultAddress,
      modelKeys: await modelKeys.getAddress(),
      inferenceCredit: await inferenceCredit.getAddress(),
    },
  };
}

/** Waits until a contract's deployment transaction is mined (the next deployment may depend on it). */
async function mined<C extends BaseContract>(deploying: Promise<C>): Promise<C> {
  const contract = await deploying;
  await contract.waitForDeployment();
  return contract;
}
