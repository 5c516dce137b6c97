// `claim` and `scores`: confidential reads through a SiweAuth token (Sapphire never reveals msg.sender in calls).
import { siweLogin } from '@cloister/contracts';
import { ROUND_STATE } from '@cloister/protocol';
import { formatEther } from 'ethers';
import type { CommandContext } from './context';

export interface ScoreRow {
  round: string;
  included: boolean;
  reason: number;
  score: number;
  reward: string;
}

/** Own scores for the given rounds (default: 1..currentRound; only finalized rounds have one) and the pending balance. */
export async function scoresCommand(ctx: CommandContext, taskId: bigint, rounds?: bigint[]): Promise<{ pending: string; rows: ScoreRow[] }> {
  const vault = ctx.contracts.rewardVault;
  const token = await siweLogin(ctx.signer, vault);
  const current = await ctx.contracts.taskManager.currentRound(taskId);
  const list = rounds ?? Array.from({ length: Number(current) }, (_, i) => BigInt(i + 1));
  const rows: ScoreRow[] = [];
  for (const round of list) {
    const state = Number((await ctx.contracts.taskManager.getRound(taskId, round)).state);
    if (state !== ROUND_STATE.Finalized && state !== ROUND_STATE.Accepted && state !== ROUND_STATE.Rejected) continue; // not scored yet
    try {
      const [included, reason, score, reward] = await vault.scoreOf(token, taskId, round);
      rows.push({ round: String(round), included, reason: Number(reason), score: Number(score), reward: formatEther(reward) });
    } catch (error) {
      ctx.logger.debug({ round: String(round), err: (error as Error).message }, 'scores: no score for this round');
    }
  }
  return { pending: formatEther(await vault.pendingRewardOf(token)), rows };
}

/** Pulls the pending payout. Returns the amount claimed (0 when nothing was pending: no transaction then). */
export async function claimCommand(ctx: CommandContext): Promise<{ claimed: string; tx: string | null }> {
  const vault = ctx.contracts.rewardVault;
  const token = await siweLogin(ctx.signer, vault);
  const pending = await vault.pendingRewardOf(token);
  if (pending === 0n) return { claimed: '0.0', tx: null };
  const tx = await vault.connect(ctx.signer).claim();
  await tx.wait();
  return { claimed: formatEther(pending), tx: tx.hash };
}
