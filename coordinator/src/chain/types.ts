import type { TaskParams } from '@cloister/contracts';

/** What the coordinator reads from and sends to the contracts; implemented over @cloister/contracts. */
export type ChainTask = TaskParams & {
  taskId: bigint;
  currentRound: bigint;
  cancelled: boolean;
  currentModelHash: string;
  currentModelUri: string;
};

export type ChainRound = {
  state: number;
  /** Opening number of this round (1 + reopens). */
  attempt: number;
  openedAt: bigint;
  deadline: bigint;
  previousModelHash: string;
  modelHash: string;
  modelUri: string;
  committedCount: number;
  finalizedAt: bigint;
  challengeEndsAt: bigint;
  metricsHash: string;
  /** ROUND_FAILURE_REASON of a failed round (0 otherwise). */
  failureReason: number;
  /** Committed participants whose reward share has been credited (`creditRewards` pages) since acceptance. */
  creditedCount: number;
};

/** A decoded TaskManager event, in chain order. */
export type ChainEvent = {
  name: string;
  args: Record<string, unknown>;
  taskId: bigint;
  round: bigint;
  blockNumber: number;
  transactionHash: string;
  logIndex: number;
};

export interface ChainClient {
  readonly chainId: bigint;
  readonly taskManagerAddress: string;
  /** The operator account's address when an operator key is configured. */
  readonly operatorAddress: string | null;
  blockNumber(): Promise<number>;
  /** Chain time in seconds: max(latest block timestamp + wall time since that block was seen, wall clock). */
  now(): Promise<bigint>;
  taskCount(): Promise<bigint>;
  /** null when the task does not exist. */
  getTask(taskId: bigint): Promise<ChainTask | null>;
  getRound(taskId: bigint, round: bigint): Promise<ChainRound>;
  commitmentOf(taskId: bigint, round: bigint, participant: string): Promise<string>;
  /** Checksummed addresses, in commit order. */
  committedParticipants(taskId: bigint, round: bigint): Promise<string[]>;
  isAdmitted(taskId: bigint, account: string): Promise<boolean>;
  /** Checksummed addresses of every account admitted to the task (one read answers isAdmitted for all of them). */
  admittedParticipants(taskId: bigint): Promise<string[]>;
  aggregatorSigner(): Promise<string>;
  challengeWindow(): Promise<bigint>;
  /** TaskManager events in [fromBlock, toBlock], ordered by block and log index. */
  events(fromBlock: number, toBlock: number): Promise<ChainEvent[]>;
  /** Operator transactions (throw CLOISTER_ERR_OPERATOR_KEY_MISSING without a key); resolve when mined. */
  openRound(taskId: bigint): Promise<string>;
  closeRound(taskId: bigint, round: bigint): Promise<string>;
  acceptRound(taskId: bigint, round: bigint): Promise<string>;
  /** One `creditRewards` page of an accepted round (anyone may send it; the operator does). */
  creditRewards(taskId: bigint, round: bigint, maxAccounts: number): Promise<string>;
  /**
   * Calls `listener` whenever this process learns that the chain moved: an operator transaction of this client was
   * mined, or `sawActivity()` was called (the watcher reads the new blocks at once).
   */
  onMined?(listener: () => void): void;
  /** Someone else's transaction is known to be mined (an upload proves its commit was): tell the `onMined` listeners. */
  sawActivity?(): void;
  close(): Promise<void>;
}

export const ZERO_HASH = `0x${'0'.repeat(64)}`;
