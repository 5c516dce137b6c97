import { aggregationJobId, JOB, QUEUE } from '@cloister/protocol';

export { aggregationJobId };

/** Queue and job names: the shared ones come from @cloister/protocol; the rest are coordinator-internal. */
export const QUEUE_NAMES = { aggregation: QUEUE.aggregation, rounds: QUEUE.rounds } as const;
export const ROUND_JOBS = {
  closeRound: JOB.closeRound,
  acceptRound: 'accept-round',
  collectUploads: 'collect-uploads',
  creditRewards: 'credit-rewards',
} as const;
export const AGGREGATE_JOB = JOB.aggregateRound;

export type RoundJobName = (typeof ROUND_JOBS)[keyof typeof ROUND_JOBS];
/**
 * Payload of every job on the rounds queue. `trigger: 'full'` marks the immediate close-round of a round that filled
 * up before its deadline (a job of its own next to the deadline one, so it has its own jobId).
 */
export type RoundJobData = { taskId: string; round: number; openedAt: string; trigger?: 'full' };

export function roundJobId(name: RoundJobName, taskId: bigint | string, round: bigint | number, openedAt: bigint | string, trigger?: 'full'): string {
  return `${name}-${taskId}-${round}-${openedAt}${trigger ? `-${trigger}` : ''}`;
}
