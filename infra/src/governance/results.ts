// A task's results as governance sees them: rounds, model hashes and every participant's confidential outcome
// (score, reward), read through RewardVault.scoreOfParticipant with a SiweAuth token of a member.
import type { Signer } from 'ethers';
import { siweLogin, type CloisterContracts } from '@cloister/contracts';

export const ROUND_STATE_NAMES = ['None', 'Open', 'Closed', 'Failed', 'Finalized', 'Accepted', 'Rejected'] as const;

export type ParticipantOutcome = { participant: string; committed: boolean; included: boolean; reason: number; score: number; reward: bigint };

export type RoundResult = {
  round: number;
  state: string;
  modelHash: string;
  modelUri: string;
  committedCount: number;
  includedCount: number;
  metricsHash: string;
  /** ROUND_FAILURE_REASON of a failed round (0 otherwise). */
  failureReason: number;
  outcomes: ParticipantOutcome[];
};

export type TaskResults = {
  taskId: bigint;
  numRounds: number;
  currentRound: number;
  acceptedRounds: number;
  cancelled: boolean;
  rewardPerRound: bigint;
  escrowLeft: bigint;
  currentModelHash: string;
  participants: string[];
  rounds: RoundResult[];
};

/** Reads a task's rounds and, with a member's token, each participant's outcome per round. */
export async function readTaskResults(contracts: CloisterContracts, member: Signer, taskId: bigint, token?: string): Promise<TaskResults> {
  const auth = token ?? (await siweLogin(member, contracts.rewardVault));
  const [task, participants, escrowLeft] = await Promise.all([
    contracts.taskManager.getTask(taskId),
    contracts.participants.participantsOf(taskId),
    contracts.rewardVault.escrowOf(taskId),
  ]);
  const rounds: RoundResult[] = [];
  for (let r = 1n; r <= task.currentRound; r++) {
    const round = await contracts.taskManager.getRound(taskId, r);
    const outcomes: ParticipantOutcome[] = [];
    for (const participant of participants) {
      const o = await contracts.rewardVault.scoreOfParticipant(auth, taskId, r, participant);
      outcomes.push({ participant, committed: o.committed, included: o.included, reason: Number(o.reason), score: Number(o.score), reward: o.reward });
    }
    rounds.push({
      round: Number(r),
      state: ROUND_STATE_NAMES[Number(round.state)] ?? String(round.state),
      modelHash: round.modelHash,
      modelUri: round.modelUri,
      committedCount: Number(round.committedCount),
      includedCount: Number(round.includedCount),
      metricsHash: round.metricsHash,
      failureReason: Number(round.failureReason),
      outcomes,
    });
  }
  return {
    taskId,
    numRounds: Number(task.params.numRounds),
    currentRound: Number(task.currentRound),
    acceptedRounds: Number(task.acceptedRounds),
    cancelled: task.cancelled,
    rewardPerRound: task.params.rewardPerRound,
    escrowLeft,
    currentModelHash: task.currentModelHash,
    participants: [...participants],
    rounds,
  };
}
