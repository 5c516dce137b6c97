// Ending a round the aggregator must not or cannot finalize: TaskManager.failRound(taskId, round, reason) through
// appd sign-submit (only an authorized ROFL origin may send it). Which errors end a round, and with which reason,
// is decided here once, for every worker that runs aggregateRound.
import { ROUND_FAILURE_REASON, ROUND_STATE, type RoundFailureReason } from '@cloister/protocol';
import type { TaskManager } from '@cloister/contracts';
import type { Logger } from 'pino';
import type { AppdClient } from '../appd/appdClient';
import { AggregatorError, AGGREGATOR_ERROR_CODES, AppdTxFailedError } from '../errors';

/** failRound's gas limit: one state write and an event (≈ 45k measured), with room. */
export const FAIL_ROUND_GAS = 200_000;

/** Errors that mean this aggregator cannot run the task's spec: a retry or a new attempt would be refused too. */
const SPEC_REFUSED = new Set<string>([
  AGGREGATOR_ERROR_CODES.taskSpecInvalid,
  AGGREGATOR_ERROR_CODES.strategyUnknown,
  AGGREGATOR_ERROR_CODES.strategyParams,
  AGGREGATOR_ERROR_CODES.dpUnsupported,
]);

/** Errors about the job itself, not the round: there is no round of ours to fail. */
const NOT_A_ROUND = new Set<string>([
  AGGREGATOR_ERROR_CODES.jobInvalid,
  AGGREGATOR_ERROR_CODES.chainMismatch,
  AGGREGATOR_ERROR_CODES.roundNotClosed,
]);

/**
 * The ROUND_FAILURE_REASON an error ends its round with, or null when the job should be retried (or there is no
 * round to end). A spec the aggregator refuses and a previous model that does not verify end the round at once; an
 * error a retry cannot fix (too many updates for the strategy) ends it as AGGREGATION_FAILED; any other error does
 * so only on the job's final attempt, so that a round never stays Closed after the aggregator gave up on it.
 */
export function failureReasonOf(error: unknown, finalAttempt: boolean): RoundFailureReason | null {
  if (error instanceof AggregatorError) {
    if (SPEC_REFUSED.has(error.code)) return ROUND_FAILURE_REASON.SpecRefused;
    if (error.code === AGGREGATOR_ERROR_CODES.modelUnavailable) return ROUND_FAILURE_REASON.ModelUnavailable;
    if (error.code === AGGREGATOR_ERROR_CODES.tooManyUpdates) return ROUND_FAILURE_REASON.AggregationFailed;
    if (NOT_A_ROUND.has(error.code)) return null;
  }
  return finalAttempt ? ROUND_FAILURE_REASON.AggregationFailed : null;
}

/** The reason's name, for logs and metric labels (e.g. `BelowPrivacyFloor`). */
export function failureReasonName(reason: number): string {
  return Object.entries(ROUND_FAILURE_REASON).find(([, code]) => code === reason)?.[0] ?? `reason-${reason}`;
}

export type FailRoundDeps = { tm: TaskManager; taskManagerAddress: string; appd: AppdClient; log: Logger };

/**
 * Sends failRound when the round is still Closed. Returns 'failed' when this call ended it, 'ended' when it was no
 * longer Closed (another attempt finalized or failed it first); a lost race on the transaction counts as 'ended'.
 */
export async function failRoundOnChain(deps: FailRoundDeps, taskId: bigint, round: bigint, reason: RoundFailureReason): Promise<'failed' | 'ended'> {
  const state = Number((await deps.tm.getRound(taskId, round)).state);
  if (state !== ROUND_STATE.Closed) return 'ended';
  const data = deps.tm.interface.encodeFunctionData('failRound', [taskId, round, reason]);
  try {
    await deps.appd.signSubmit({ to: deps.taskManagerAddress, data, gasLimit: FAIL_ROUND_GAS });
  } catch (error) {
    if (error instanceof AppdTxFailedError && Number((await deps.tm.getRound(taskId, round)).state) !== ROUND_STATE.Closed) return 'ended';
    throw error;
  }
  deps.log.warn({ reason, reasonName: failureReasonName(reason) }, 'aggregate: round failed on chain');
  return 'failed';
}
