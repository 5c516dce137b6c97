// Reads and writes on chain for a participant: round state, the aggregator's HPKE key (only ever from the chain),
// admission, commitments. Contract reverts become typed client errors.
import type { CloisterContracts } from '@cloister/contracts';
import { ROUND_STATE } from '@cloister/protocol';
import { getBytes, ZeroHash } from 'ethers';
import { AggregatorKeyMissingError, NotAdmittedError, RoundNotOpenError } from '../errors';

export interface ChainRound {
  taskId: bigint;
  round: bigint;
  state: number;
  openedAt: bigint;
  deadline: bigint;
  previousModelHash: string;
  modelHash: string;
  modelUri: string;
}

export async function readRound(contracts: CloisterContracts, taskId: bigint, round: bigint): Promise<ChainRound> {
  const r = await contracts.taskManager.getRound(taskId, round);
  return {
    taskId,
    round,
    state: Number(r.state),
    openedAt: r.openedAt,
    deadline: r.deadline,
    previousModelHash: r.previousModelHash,
    modelHash: r.modelHash,
    modelUri: r.modelUri,
  };
}

/** The round if it is open and its deadline is ahead of the latest block; else RoundNotOpenError. */
export async function requireOpenRound(contracts: CloisterContracts, taskId: bigint, round: bigint): Promise<ChainRound> {
  const r = await readRound(contracts, taskId, round);
  const runner = contracts.taskManager.runner;
  const block = await runner?.provider?.getBlock('latest');
  const now = BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000));
  if (r.state !== ROUND_STATE.Open) {
    const name = Object.entries(ROUND_STATE).find(([, v]) => v === r.state)?.[0] ?? String(r.state);
    throw new RoundNotOpenError(`Round ${round} of task ${taskId} is not open (state ${name}); wait for the next round.`, { details: {
      taskId: String(taskId), round: String(round), state: r.state,
    } });
  }
  if (r.deadline <= now) {
    throw new RoundNotOpenError(`Round ${round} of task ${taskId} passed its deadline; wait for the next round.`, { details: {
      taskId: String(taskId), round: String(round), deadline: String(r.deadline),
    } });
  }
  return r;
}

/** The aggregator's raw X25519 public key from AggregatorRegistry (never from the coordinator). */
export async function readAggregatorKey(contracts: CloisterContracts): Promise<Uint8Array> {
  const key = await contracts.aggregatorRegistry.hpkePublicKey();
  if (key === ZeroHash) {
    throw new AggregatorKeyMissingError('The aggregator has not published its HPKE key on chain yet; retry once it runs.');
  }
  return getBytes(key);
}

export async function requireAdmitted(contracts: CloisterContracts, taskId: bigint, account: string): Promise<void> {
  if (!(await contracts.participants.isAdmitted(taskId, account))) {
    throw new NotAdmittedError(`Account ${account} is not admitted to task ${taskId}; ask governance to admit it.`, { details: {
      taskId: String(taskId), account,
    } });
  }
}

/** Maps a TaskManager custom-error revert to a typed client error, or returns null. */
export function mapCommitRevert(error: unknown, taskId: bigint, round: bigint): Error | null {
  const e = error as { revert?: { name?: string }; shortMessage?: string };
  const name = e?.revert?.name;
  if (name === 'TaskManagerNotAdmitted') {
    return new NotAdmittedError(`The chain refused the commitment: this account is not admitted to task ${taskId}.`, { details: { taskId: String(taskId) } });
  }
  if (name === 'TaskManagerDeadlinePassed' || name === 'TaskManagerRoundNotInState' || name === 'TaskManagerRoundFull') {
    return new RoundNotOpenError(`The chain refused the commitment for round ${round} (${name}); wait for the next round.`, { details: {
      taskId: String(taskId), round: String(round), revert: name,
    } });
  }
  return null;
}
