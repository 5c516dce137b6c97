import type { ContractTransactionReceipt } from 'ethers';
import { ROUND_STATE } from './constants';
import { OutcomesInvalidError, PageSizeInvalidError } from './errors';
import type { TaskManager } from './typechain-types';

/**
 * Paged round ending (TaskManager's `reportOutcomes` + `finalizeRound`, `acceptRound` + `creditRewards`): a round's
 * outcomes and reward credits are split into pages so that no transaction's gas grows with the round's size.
 */

/** Accounts per `reportOutcomes` page by default: ≈ 26k gas each, ≈ 5.3M gas per page. */
export const DEFAULT_OUTCOME_PAGE_SIZE = 200;
/** Committed accounts per `creditRewards` call by default: ≈ 30k gas each (a first credit writes a new balance). */
export const DEFAULT_CREDIT_PAGE_SIZE = 200;

/** Every committed participant's outcome in a round: included with a score, or excluded with a reason. */
export type RoundOutcomes = {
  included: readonly string[];
  scores: readonly (number | bigint)[];
  excluded: readonly string[];
  reasons: readonly (number | bigint)[];
};

/** One `reportOutcomes` call's arguments after taskId and round. */
export type OutcomePage = { included: string[]; scores: (number | bigint)[]; excluded: string[]; reasons: (number | bigint)[] };

/**
 * Splits a round's outcomes into pages of at most `pageSize` accounts (included first, then excluded, in the
 * given order); at least one page, so an empty round still reports once.
 */
export function outcomePages(outcomes: RoundOutcomes, pageSize = DEFAULT_OUTCOME_PAGE_SIZE): OutcomePage[] {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new PageSizeInvalidError(`page size must be a positive integer, got ${pageSize}`, { details: { pageSize } });
  }
  if (outcomes.included.length !== outcomes.scores.length || outcomes.excluded.length !== outcomes.reasons.length) {
    throw new OutcomesInvalidError('every included account needs a score and every excluded one a reason', {
      details: { included: outcomes.included.length, scores: outcomes.scores.length, excluded: outcomes.excluded.length, reasons: outcomes.reasons.length },
    });
  }
  const pages: OutcomePage[] = [];
  const total = outcomes.included.length + outcomes.excluded.length;
  for (let start = 0; start < total || pages.length === 0; start += pageSize) {
    const end = Math.min(total, start + pageSize);
    const includedEnd = Math.min(end, outcomes.included.length);
    const includedStart = Math.min(start, outcomes.included.length);
    const excludedStart = Math.max(0, start - outcomes.included.length);
    const excludedEnd = Math.max(0, end - outcomes.included.length);
    pages.push({
      included: outcomes.included.slice(includedStart, includedEnd),
      scores: outcomes.scores.slice(includedStart, includedEnd),
      excluded: outcomes.excluded.slice(excludedStart, excludedEnd),
      reasons: outcomes.reasons.slice(excludedStart, excludedEnd),
    });
  }
  return pages;
}

export type FinalizeInPagesArgs = RoundOutcomes & {
  taskId: bigint;
  round: bigint;
  modelHash: string;
  modelUri: string;
  metricsHash: string;
};

/**
 * Reports the outcomes page by page, then finalizes (the TaskManager must be connected to an authorized ROFL
 * origin's signer). Each transaction is mined before the next is sent. Returns the receipts, finalize last.
 */
export async function finalizeRoundInPages(
  taskManager: TaskManager,
  args: FinalizeInPagesArgs,
  options: { pageSize?: number } = {},
): Promise<ContractTransactionReceipt[]> {
  const receipts: ContractTransactionReceipt[] = [];
  for (const page of outcomePages(args, options.pageSize)) {
    const tx = await taskManager.reportOutcomes(args.taskId, args.round, page.included, page.scores, page.excluded, page.reasons);
    receipts.push((await tx.wait())!);
  }
  const tx = await taskManager.finalizeRound(args.taskId, args.round, args.modelHash, args.modelUri, args.metricsHash);
  receipts.push((await tx.wait())!);
  return receipts;
}

/**
 * Credits an accepted round's rewards page by page (`creditRewards`, anyone may send it) until every committed
 * participant is credited; does nothing when that is already so. Returns the receipts.
 */
export async function creditRoundRewards(
  taskManager: TaskManager,
  taskId: bigint,
  round: bigint,
  options: { pageSize?: number } = {},
): Promise<ContractTransactionReceipt[]> {
  const pageSize = options.pageSize ?? DEFAULT_CREDIT_PAGE_SIZE;
  const receipts: ContractTransactionReceipt[] = [];
  for (;;) {
    const rd = await taskManager.getRound(taskId, round);
    if (Number(rd.state) !== ROUND_STATE.Accepted || rd.creditedCount >= rd.committedCount) return receipts;
    const tx = await taskManager.creditRewards(taskId, round, pageSize);
    receipts.push((await tx.wait())!);
  }
}

/** Whether an accepted round still has participants whose reward is not credited. */
export function rewardsPending(round: { state: bigint | number; creditedCount: bigint | number; committedCount: bigint | number }): boolean {
  return Number(round.state) === ROUND_STATE.Accepted && BigInt(round.creditedCount) < BigInt(round.committedCount);
}
