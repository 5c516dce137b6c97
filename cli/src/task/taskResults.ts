// A task's results as anyone sees them (plus the caller's own outcome and score): per round the state, the model hash,
// how many were included and how many excluded for each reason (the public metrics document, hash-checked against the
// chain: it names no participant's outcome, which would let anyone recompute the confidential scores), and the
// federated evaluation the aggregator reports: the global model's test metrics at each site, travelled inside the
// sealed updates, as means weighted by test examples (never one site's figure).
import { siweLogin } from '@cloister/contracts';
import { fetchVerified } from '@cloister/client';
import { EXCLUSION_REASON, ROUND_STATE } from '@cloister/protocol';
import { formatEther } from 'ethers';
import type { NetworkContext } from '../context';
import { CliNotFoundError } from '../errors';

export const ROUND_STATE_NAMES = ['None', 'Open', 'Closed', 'Failed', 'Finalized', 'Accepted', 'Rejected'] as const;
const REASON_NAMES = Object.fromEntries(Object.entries(EXCLUSION_REASON).map(([name, n]) => [n, name])) as Record<number, string>;

export type RoundSummary = {
  round: number;
  state: string;
  previousModelHash: string;
  modelHash: string | null;
  metricsHash: string | null;
  /** How many participants were included. */
  included: number;
  /** How many were excluded, by reason in words (who was excluded stays confidential: each site reads its own). */
  excluded: Record<string, number>;
  /** Test metrics of the global model this round started from, weighted by test examples across included sites. */
  evaluation: { model: string; numTestExamples: number; metrics: Record<string, number> } | null;
  ownScore: { included: boolean; reason: number; score: number; reward: string } | null;
};

export type TaskResultsView = {
  taskId: string;
  numRounds: number;
  currentRound: number;
  acceptedRounds: number;
  cancelled: boolean;
  currentModelHash: string;
  rounds: RoundSummary[];
};

type MetricsDocument = {
  // Training rounds publish counts only; a statistics round lists who took part (its scores are equal shares).
  included?: number | { participant: string }[];
  excluded?: number | { participant: string; reason: number }[];
  exclusionsByReason?: Record<string, number>;
  participantMetrics?: Record<string, number>;
  evaluation?: { numTestExamples: number; metrics: Record<string, number> } | null;
};

/** Exclusions by reason in words, from either document shape. */
function exclusionsOf(doc: MetricsDocument): Record<string, number> {
  const byCode: Record<string, number> = { ...(doc.exclusionsByReason ?? {}) };
  if (Array.isArray(doc.excluded)) for (const e of doc.excluded) byCode[String(e.reason)] = (byCode[String(e.reason)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(byCode).map(([code, n]) => [REASON_NAMES[Number(code)] ?? code, n]));
}

const FINAL: number[] = [ROUND_STATE.Finalized, ROUND_STATE.Accepted, ROUND_STATE.Rejected];

export async function readTaskResultsView(ctx: NetworkContext, taskId: bigint): Promise<TaskResultsView> {
  const count = await ctx.contracts.taskManager.taskCount();
  if (taskId < 1n || taskId > count) throw new CliNotFoundError(`there is no task ${taskId} (the chain has ${count}) — check the task id (\`cloister gov list\` shows proposals)`);
  const task = await ctx.contracts.taskManager.getTask(taskId);
  const token = ctx.signer ? await siweLogin(ctx.signer, ctx.contracts.rewardVault) : null;
  const rounds: RoundSummary[] = [];
  for (let r = 1n; r <= task.currentRound; r++) {
    const round = await ctx.contracts.taskManager.getRound(taskId, r);
    const state = Number(round.state);
    const summary: RoundSummary = {
      round: Number(r),
      state: ROUND_STATE_NAMES[state] ?? String(state),
      previousModelHash: round.previousModelHash,
      modelHash: FINAL.includes(state) ? round.modelHash : null,
      metricsHash: FINAL.includes(state) ? round.metricsHash : null,
      included: 0,
      excluded: {},
      evaluation: null,
      ownScore: null,
    };
    if (FINAL.includes(state)) {
      const doc = JSON.parse(new TextDecoder().decode(await fetchVerified(ctx.coordinator, round.metricsHash, `round ${r} metrics document`))) as MetricsDocument;
      summary.included = Array.isArray(doc.included) ? doc.included.length : (doc.included ?? 0);
      summary.excluded = exclusionsOf(doc);
      if (doc.evaluation && doc.evaluation.numTestExamples > 0) summary.evaluation = { model: round.previousModelHash, ...doc.evaluation };
      if (token) {
        try {
          const o = await ctx.contracts.rewardVault.scoreOf(token, taskId, r);
          summary.ownScore = { included: o.included, reason: Number(o.reason), score: Number(o.score), reward: formatEther(o.reward) };
        } catch {
          // the caller took no part in this round
        }
      }
    }
    rounds.push(summary);
  }
  return {
    taskId: taskId.toString(),
    numRounds: Number(task.params.numRounds),
    currentRound: Number(task.currentRound),
    acceptedRounds: Number(task.acceptedRounds),
    cancelled: task.cancelled,
    currentModelHash: task.currentModelHash,
    rounds,
  };
}
