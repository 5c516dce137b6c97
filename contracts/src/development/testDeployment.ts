// A local chain with Cloister deployed for integration tests of the other packages: a Hardhat node with the Sapphire
// mocks, deployCloister with one governance member (quorum 1), the aggregator account authorized as an instance of
// EXAMPLE_ROFL_APP_ID and, when a key is given, registered as aggregatorSigner(). Development accounts (indices):
// 0 deployer, 1 governance member, 2 operator, 3 aggregator; tests take their participants from 4 on.
import { connectJsonRpc } from '../jsonRpcProvider';
import { id, NonceManager, JsonRpcProvider, type BytesLike, type Signer, type Wallet } from 'ethers';
import { connectCloister, type CloisterContracts } from '../connectCloister';
import { deployCloister } from '../deployCloister';
import type { Deployment } from '../deployment';
import { startLocalChain, jsonRpc, type LocalChain } from './startLocalChain';
import { authorizeRoflOrigin } from './sapphireMocks';
import type { TaskManager } from '../typechain-types';
import { developmentWallet, EXAMPLE_ROFL_APP_ID, EXAMPLE_ROFL_APP_ID_BYTES21 } from './wallets';

export type TestDeployment = {
  chain: LocalChain;
  provider: JsonRpcProvider;
  deployment: Deployment;
  /** The contracts connected to the deployer. */
  contracts: CloisterContracts;
  deployer: Signer;
  /** The only governance member (quorum 1). */
  member: Signer;
  operator: Wallet;
  /** The aggregator (authorized as a ROFL origin of EXAMPLE_ROFL_APP_ID). */
  aggregator: Signer;
  aggregatorWallet: Wallet;
  /** Development account `index`, connected to the provider. */
  wallet(index: number): Wallet;
  stop(): Promise<void>;
};

export type TestDeploymentOptions = {
  /** Challenge window of finalized rounds in seconds (default 600). */
  challengeWindow?: number;
  /** When given, the aggregator registers this HPKE public key and itself as aggregatorSigner(). */
  aggregatorPublicKey?: BytesLike;
};

/** Starts the local chain and deploys; see the file comment. A failed start stops the chain. */
export async function startTestDeployment(options: TestDeploymentOptions = {}): Promise<TestDeployment> {
  const chain = await startLocalChain();
  try {
    const provider = connectJsonRpc(chain.rpcUrl, { pollingInterval: 100 });
    const wallet = (index: number) => developmentWallet(index, provider);
    const deployer = new NonceManager(wallet(0));
    const memberWallet = wallet(1);
    const operator = wallet(2);
    const aggregatorWallet = wallet(3);
    const deployment = await deployCloister({
      deployer,
      members: [memberWallet.address],
      quorum: 1,
      votingPeriod: 3600,
      challengeWindow: options.challengeWindow ?? 600,
      operator: operator.address,
      roflAppId: EXAMPLE_ROFL_APP_ID,
    });
    await authorizeRoflOrigin(jsonRpc(chain.rpcUrl), EXAMPLE_ROFL_APP_ID_BYTES21, aggregatorWallet.address);
    const aggregator = new NonceManager(aggregatorWallet);
    const contracts = connectCloister(deployment, deployer);
    if (options.aggregatorPublicKey !== undefined) {
      const registry = contracts.aggregatorRegistry.connect(aggregator);
      await (await registry.setAggregatorKeys(options.aggregatorPublicKey, aggregatorWallet.address)).wait();
    }
    return {
      chain,
      provider,
      deployment,
      contracts,
      deployer,
      member: new NonceManager(memberWallet),
      operator,
      aggregator,
      aggregatorWallet,
      wallet,
      async stop() {
        provider.destroy();
        await chain.stop();
      },
    };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}

/** Governance with the single member: propose `target.call{value}(data)`, vote yes (quorum 1), execute. */
export async function governAlone(t: TestDeployment, target: string, data: string, value = 0n): Promise<void> {
  const gov = t.contracts.governance.connect(t.member);
  await (await gov.propose(target, value, data, 'test', { value })).wait();
  const id = await gov.proposalCount();
  await (await gov.vote(id, true)).wait();
  await (await gov.execute(id)).wait();
}

export type TestTaskOptions = Partial<TaskManager.TaskParamsStruct> & { roundDuration: number };

/**
 * Creates a task through governance (funded with rewardPerRound × numRounds) and admits `admitted` as site-0, site-1, …;
 * returns the new task id. Defaults: spec/model-0/schema hashes, 2..5 participants, 2 rounds, reward 1000 wei.
 */
export async function createTestTask(t: TestDeployment, admitted: { address: string }[], o: TestTaskOptions): Promise<bigint> {
  const tm = t.contracts.taskManager;
  const params: TaskManager.TaskParamsStruct = {
    modelSpecHash: id('spec'),
    initialModelHash: id('model-0'),
    initialModelUri: 'blobs/model-0',
    dataSchemaHash: id('schema'),
    minParticipants: 2,
    maxParticipants: 5,
    numRounds: 2,
    rewardPerRound: 1000n,
    ...o,
  };
  const funding = BigInt(params.rewardPerRound) * BigInt(params.numRounds);
  await governAlone(t, await tm.getAddress(), tm.interface.encodeFunctionData('createTask', [params]), funding);
  const taskId = await tm.taskCount();
  const reg = t.contracts.participants;
  const addresses = admitted.map((w) => w.address);
  const admit = reg.interface.encodeFunctionData('admitMany', [taskId, addresses, addresses.map((_, i) => `site-${i}`), addresses.map(() => '')]);
  await governAlone(t, await reg.getAddress(), admit);
  return taskId;
}
