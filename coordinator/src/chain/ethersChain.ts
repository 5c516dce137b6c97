import { connectJsonRpc } from '@cloister/contracts';
import { isTransientFailure } from '@cloister/protocol';
import { getAddress, JsonRpcApiProvider, JsonRpcProvider, NonceManager, Wallet, type Provider, type Signer } from 'ethers';
import {
  AggregatorRegistry__factory,
  loadDeployment,
  ParticipantRegistry__factory,
  wrapForSapphire,
  type Deployment,
  TaskManager__factory,
  type AggregatorRegistry,
  type ParticipantRegistry,
  type TaskManager,
} from '@cloister/contracts';
import type { ContractAddresses, CoordinatorConfig } from '../config';
import { ChainUnavailableError, ConfigInvalidError, isCoordinatorError, OperatorKeyMissingError } from '../errors';
import type { ChainClient, ChainEvent, ChainRound, ChainTask } from './types';

export type ResolvedDeployment = { addresses: ContractAddresses; blockNumber: number };

/** Reads contract addresses from chain.contracts or the deployment file (`contracts/deployments/<network>.json`). */
export function resolveDeployment(config: CoordinatorConfig['chain']): ResolvedDeployment {
  if (config.contracts) return { addresses: config.contracts, blockNumber: config.startBlock ?? 0 };
  let d: Deployment;
  try {
    d = loadDeployment(config.deploymentFile!);
  } catch (cause) {
    throw new ConfigInvalidError(`chain.deploymentFile: ${(cause as Error).message}`, { cause });
  }
  return { addresses: { ...d.contracts }, blockNumber: config.startBlock ?? d.blockNumber };
}

function isUnknownTask(error: unknown): boolean {
  const e = error as { revert?: { name?: string }; data?: string; message?: string };
  return e?.revert?.name === 'TaskManagerUnknownTask' || /TaskManagerUnknownTask/.test(String(e?.message ?? ''));
}

/**
 * One chain read, bounded: it fails with CLOISTER_ERR_CHAIN_UNAVAILABLE (503) after `timeoutMs` or when the node is
 * unreachable, so a paused or dead node is an outage the caller can retry, never a hang or a 500.
 */
async function rpc<T>(what: string, call: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ChainUnavailableError(`chain RPC did not answer ${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([call(), timeout]);
  } catch (error) {
    // protocol's transientCode: the node did not answer (socket or ethers network codes), not that the call was wrong.
    if (isTransientFailure(error)) {
      throw new ChainUnavailableError(`chain RPC failed during ${what}: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** ChainClient over ethers v6 and the TypeChain bindings of @cloister/contracts. */
export class EthersChainClient implements ChainClient {
  readonly taskManagerAddress: string;
  readonly operatorAddress: string | null;
  private readonly taskManager: TaskManager;
  private readonly participants: ParticipantRegistry;
  private readonly aggregatorRegistry: AggregatorRegistry;
  private readonly operator: Signer | null;
  private txQueue: Promise<unknown> = Promise.resolve();
  private readonly minedListeners: (() => void)[] = [];
  private latestSeen: { number: number; atMs: number } | null = null;

  private constructor(
    readonly provider: Provider,
    readonly chainId: bigint,
    addresses: ContractAddresses,
    operatorKey: string | undefined,
    private readonly ownsProvider: boolean,
    private readonly timeoutMs: number,
  ) {
    this.taskManagerAddress = getAddress(addresses.taskManager);
    this.taskManager = TaskManager__factory.connect(this.taskManagerAddress, provider);
    this.participants = ParticipantRegistry__factory.connect(getAddress(addresses.participants), provider);
    this.aggregatorRegistry = AggregatorRegistry__factory.connect(getAddress(addresses.aggregatorRegistry), provider);
    if (operatorKey) {
      // On Sapphire chain ids the signer encrypts calldata; elsewhere wrapForSapphire returns it unchanged.
      const wallet = wrapForSapphire(new Wallet(operatorKey, provider), chainId);
      this.operator = new NonceManager(wallet);
      this.operatorAddress = wallet.address;
    } else {
      this.operator = null;
      this.operatorAddress = null;
    }
  }

  static async connect(options: { rpcUrl?: string; provider?: Provider; addresses: ContractAddresses; operatorPrivateKey?: string; rpcTimeoutMs?: number }): Promise<EthersChainClient> {
    const ownsProvider = !options.provider;
    const timeoutMs = options.rpcTimeoutMs ?? 5000;
    if (!options.provider && !options.rpcUrl) throw new ConfigInvalidError('the chain needs an RPC URL or a provider');
    const provider = options.provider ?? connectJsonRpc(options.rpcUrl!, { requestTimeoutMs: timeoutMs });
    // At start a node may drop a reused keep-alive socket ("socket hang up") or still be starting: a few attempts.
    let network: Awaited<ReturnType<Provider['getNetwork']>> | undefined;
    for (let attempt = 1; network === undefined; attempt++) {
      try {
        network = await rpc('getNetwork', () => provider.getNetwork(), timeoutMs);
      } catch (error) {
        if (attempt >= 3 || !isCoordinatorError(error) || error.code !== 'CLOISTER_ERR_CHAIN_UNAVAILABLE') throw error;
      }
    }
    return new EthersChainClient(provider, network.chainId, options.addresses, options.operatorPrivateKey, ownsProvider, timeoutMs);
  }

  private read<T>(what: string, call: () => Promise<T>): Promise<T> {
    return rpc(what, call, this.timeoutMs);
  }

  blockNumber(): Promise<number> {
    return this.read('getBlockNumber', () => this.provider.getBlockNumber());
  }

  /**
   * The chain's clock: the latest block's timestamp plus the wall time elapsed since this client first saw that
   * block (an idle chain keeps its clock running: Hardhat stamps the next block at wall time + its offset), and never
   * less than the wall clock. A chain that runs ahead of the wall clock (automined bursts, evm_increaseTime) is
   * followed, not ignored.
   */
  async now(): Promise<bigint> {
    const block = await this.read('getBlock', () => this.latestBlock());
    const wallMs = Date.now();
    const wall = BigInt(Math.floor(wallMs / 1000));
    if (!block) return wall;
    if (this.latestSeen?.number !== block.number) this.latestSeen = { number: block.number, atMs: wallMs };
    const chain = BigInt(block.timestamp) + BigInt(Math.floor((wallMs - this.latestSeen.atMs) / 1000));
    return chain > wall ? chain : wall;
  }

  /**
   * The latest block's number and timestamp, fresh: ethers shares identical getBlock('latest') requests for 250 ms,
   * so a reconcile right after a new block could be handed the block before it (and schedule by a stale clock).
   */
  private async latestBlock(): Promise<{ number: number; timestamp: number } | null> {
    if (!(this.provider instanceof JsonRpcApiProvider)) return this.provider.getBlock('latest');
    const raw = (await this.provider.send('eth_getBlockByNumber', ['latest', false])) as { number?: string; timestamp?: string } | null;
    if (!raw?.number || !raw.timestamp) return null;
    return { number: Number(BigInt(raw.number)), timestamp: Number(BigInt(raw.timestamp)) };
  }

  taskCount(): Promise<bigint> {
    return this.read('taskCount', () => this.taskManager.taskCount());
  }

  async getTask(taskId: bigint): Promise<ChainTask | null> {
    if (taskId === 0n) return null;
    let t: Awaited<ReturnType<TaskManager['getTask']>>;
    try {
      t = await this.read('getTask', () => this.taskManager.getTask(taskId));
    } catch (error) {
      if (isUnknownTask(error)) return null;
      throw error;
    }
    return {
      taskId,
      modelSpecHash: t.params.modelSpecHash,
      initialModelHash: t.params.initialModelHash,
      initialModelUri: t.params.initialModelUri,
      dataSchemaHash: t.params.dataSchemaHash,
      minParticipants: Number(t.params.minParticipants),
      maxParticipants: Number(t.params.maxParticipants),
      roundDuration: Number(t.params.roundDuration),
      numRounds: Number(t.params.numRounds),
      rewardPerRound: t.params.rewardPerRound,
      currentRound: t.currentRound,
      cancelled: t.cancelled,
      currentModelHash: t.currentModelHash,
      currentModelUri: t.currentModelUri,
    };
  }

  async getRound(taskId: bigint, round: bigint): Promise<ChainRound> {
    const r = await this.read('getRound', () => this.taskManager.getRound(taskId, round));
    return {
      state: Number(r.state),
      attempt: Number(r.attempt),
      openedAt: r.openedAt,
      deadline: r.deadline,
      previousModelHash: r.previousModelHash,
      modelHash: r.modelHash,
      modelUri: r.modelUri,
      committedCount: Number(r.committedCount),
      finalizedAt: r.finalizedAt,
      challengeEndsAt: r.challengeEndsAt,
      metricsHash: r.metricsHash,
      failureReason: Number(r.failureReason),
      creditedCount: Number(r.creditedCount),
    };
  }

  commitmentOf(taskId: bigint, round: bigint, participant: string): Promise<string> {
    return this.read('commitmentOf', () => this.taskManager.commitmentOf(taskId, round, participant));
  }

  async committedParticipants(taskId: bigint, round: bigint): Promise<string[]> {
    // ethers' ABI decoder returns checksummed addresses already (a second getAddress would hash each one again).
    return [...(await this.read('committedParticipants', () => this.taskManager.committedParticipants(taskId, round)))];
  }

  isAdmitted(taskId: bigint, account: string): Promise<boolean> {
    return this.read('isAdmitted', () => this.participants.isAdmitted(taskId, account));
  }

  async admittedParticipants(taskId: bigint): Promise<string[]> {
    // Checksummed by ethers' ABI decoder already, as in committedParticipants.
    return [...(await this.read('participantsOf', () => this.participants.participantsOf(taskId)))];
  }

  aggregatorSigner(): Promise<string> {
    return this.read('aggregatorSigner', () => this.aggregatorRegistry.aggregatorSigner());
  }

  challengeWindow(): Promise<bigint> {
    return this.read('challengeWindow', () => this.taskManager.challengeWindow());
  }

  async events(fromBlock: number, toBlock: number): Promise<ChainEvent[]> {
    const logs = await this.read('getLogs', () => this.provider.getLogs({ address: this.taskManagerAddress, fromBlock, toBlock }));
    const out: ChainEvent[] = [];
    for (const log of logs) {
      const parsed = this.taskManager.interface.parseLog({ topics: [...log.topics], data: log.data });
      if (!parsed) continue;
      const args: Record<string, unknown> = {};
      parsed.fragment.inputs.forEach((input, i) => {
        args[input.name] = parsed.args[i];
      });
      if (args.taskId === undefined) continue;
      out.push({
        name: parsed.name,
        args,
        taskId: BigInt(args.taskId as bigint),
        round: args.round === undefined ? 0n : BigInt(args.round as bigint),
        blockNumber: log.blockNumber,
        transactionHash: log.transactionHash,
        logIndex: log.index,
      });
    }
    return out.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  }

  /** Operator transactions go out one at a time (one nonce sequence) and resolve once mined. */
  private send(what: string, build: (tm: TaskManager) => Promise<{ hash: string; wait(): Promise<unknown> }>): Promise<string> {
    const operator = this.operator;
    if (!operator) return Promise.reject(new OperatorKeyMissingError(`${what} needs chain.operatorPrivateKey`));
    const run = async () => {
      try {
        const tx = await build(this.taskManager.connect(operator));
        await tx.wait();
        this.sawActivity();
        return tx.hash;
      } catch (error) {
        (operator as NonceManager).reset();
        throw error;
      }
    };
    const next = this.txQueue.then(run, run);
    this.txQueue = next.catch(() => undefined);
    return next;
  }

  onMined(listener: () => void): void {
    this.minedListeners.push(listener);
  }

  sawActivity(): void {
    for (const listener of this.minedListeners) listener();
  }

  openRound(taskId: bigint): Promise<string> {
    return this.send('openRound', (tm) => tm.openRound(taskId));
  }

  closeRound(taskId: bigint, round: bigint): Promise<string> {
    return this.send('closeRound', (tm) => tm.closeRound(taskId, round));
  }

  acceptRound(taskId: bigint, round: bigint): Promise<string> {
    return this.send('acceptRound', (tm) => tm.acceptRound(taskId, round));
  }

  creditRewards(taskId: bigint, round: bigint, maxAccounts: number): Promise<string> {
    return this.send('creditRewards', (tm) => tm.creditRewards(taskId, round, maxAccounts));
  }

  async close(): Promise<void> {
    if (this.ownsProvider) (this.provider as JsonRpcProvider).destroy();
  }
}

/** Connects to the chain named by the configuration. */
export async function createChainClient(config: CoordinatorConfig): Promise<{ client: EthersChainClient; deployment: ResolvedDeployment }> {
  const deployment = resolveDeployment(config.chain);
  const client = await EthersChainClient.connect({ rpcUrl: config.chain.rpcUrl, addresses: deployment.addresses, operatorPrivateKey: config.chain.operatorPrivateKey, rpcTimeoutMs: config.chain.rpcTimeoutMs });
  return { client, deployment };
}
