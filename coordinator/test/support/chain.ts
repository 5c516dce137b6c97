import { HDNodeWallet, JsonRpcProvider, Mnemonic, NonceManager, Wallet, ethers, type Signer } from 'ethers';
import {
  authorizeRoflOrigin,
  connectCloister,
  deployCloister,
  jsonRpc,
  startLocalChain,
  type CloisterContracts,
  type Deployment,
  type LocalChain,
} from '@cloister/contracts';

export const APP_ID_BECH32 = 'rofl1qqn9xndja7e2pnxhttktmecvwzz0yqwxsquqyxdf';
export const APP_ID = '0x0026534db2efb2a0ccd75aecbde70c7084f201c680';
const HARDHAT_MNEMONIC = 'test test test test test test test test test test test junk';

/** Hardhat's funded development account `index` (same keys as `hardhat node`). */
export function devWallet(index: number, provider: JsonRpcProvider): Wallet {
  const node = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(HARDHAT_MNEMONIC), `m/44'/60'/0'/0/${index}`);
  return new Wallet(node.privateKey, provider);
}

export type TestChain = {
  chain: LocalChain;
  provider: JsonRpcProvider;
  deployment: Deployment;
  contracts: CloisterContracts;
  deployer: Signer;
  member: Signer;
  operator: Wallet;
  aggregator: Signer;
  aggregatorWallet: Wallet;
  participants: Wallet[];
  outsider: Wallet;
  stop(): Promise<void>;
};

/**
 * A Hardhat node with the Sapphire mocks, Cloister deployed through deployCloister, one governance member
 * (quorum 1), the aggregator account authorized as a ROFL origin and registered as aggregatorSigner().
 */
export async function startTestChain(options: { challengeWindow: number }): Promise<TestChain> {
  const chain = await startLocalChain();
  try {
    const provider = new JsonRpcProvider(chain.rpcUrl, undefined, { pollingInterval: 100 });
    const deployerWallet = devWallet(0, provider);
    const deployer = new NonceManager(deployerWallet);
    const memberWallet = devWallet(1, provider);
    const operator = devWallet(2, provider);
    const aggregatorWallet = devWallet(3, provider);
    const participants = [4, 5, 6, 7].map((i) => devWallet(i, provider));
    const outsider = devWallet(8, provider);
    const deployment = await deployCloister({
      deployer,
      members: [memberWallet.address],
      quorum: 1,
      votingPeriod: 3600,
      challengeWindow: options.challengeWindow,
      operator: operator.address,
      roflAppId: APP_ID_BECH32,
    });
    await authorizeRoflOrigin(jsonRpc(chain.rpcUrl), APP_ID, aggregatorWallet.address);
    const aggregator = new NonceManager(aggregatorWallet);
    const contracts = connectCloister(deployment, deployer);
    await (await contracts.aggregatorRegistry.connect(aggregator).setAggregatorKeys(ethers.id('hpke-public-key'), aggregatorWallet.address)).wait();
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
      participants,
      outsider,
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

/** Governance: propose, vote yes (quorum 1), execute. */
export async function govern(t: TestChain, target: string, data: string, value = 0n): Promise<void> {
  const gov = t.contracts.governance.connect(t.member);
  await (await gov.propose(target, value, data, 'test', { value })).wait();
  const id = await gov.proposalCount();
  await (await gov.vote(id, true)).wait();
  await (await gov.execute(id)).wait();
}

export type TaskOptions = { minParticipants?: number; maxParticipants?: number; roundDuration: number; numRounds?: number };

/** Creates a task through governance and admits `admitted`; returns the new task id. */
export async function createTask(t: TestChain, admitted: Wallet[], o: TaskOptions): Promise<bigint> {
  const tm = t.contracts.taskManager;
  const params = {
    modelSpecHash: ethers.id('spec'),
    initialModelHash: ethers.id('model-0'),
    initialModelUri: 'blobs/model-0',
    dataSchemaHash: ethers.id('schema'),
    minParticipants: o.minParticipants ?? 2,
    maxParticipants: o.maxParticipants ?? 5,
    roundDuration: o.roundDuration,
    numRounds: o.numRounds ?? 2,
    rewardPerRound: 1000n,
  };
  await govern(t, await tm.getAddress(), tm.interface.encodeFunctionData('createTask', [params]), 1000n * BigInt(params.numRounds));
  const taskId = await tm.taskCount();
  const reg = t.contracts.participants;
  await govern(
    t,
    await reg.getAddress(),
    reg.interface.encodeFunctionData('admitMany', [taskId, admitted.map((w) => w.address), admitted.map((_, i) => `site-${i}`), admitted.map(() => '')]),
  );
  return taskId;
}
